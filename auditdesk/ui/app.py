"""Start the desktop client: the QApplication, its look, the main window, and the
database opened off the GUI thread; the database is closed (the embedded server left)
when the window closes."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from auditdesk import __version__
from auditdesk.config import resolve_source
from auditdesk.paths import resource
from auditdesk.ui import collector

APP_NAME = "AuditDesk"
ORG_NAME = "AuditDesk"
ORG_DOMAIN = "auditdesk.example.org"


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with name, organisation, icon and style sheet."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    apply_style(app)
    collector.install(app)
    return app


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("auditdesk.svg", "auditdesk.png"):
        path = resource(name)
        if path.is_file():
            icon.addFile(str(path))
    return icon


def apply_style(app: QApplication) -> None:
    from auditdesk.ui.theme import style_sheet

    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())


def build_window(args: argparse.Namespace, *, settings: QSettings | None = None,
                 demo_policy: str = "ask", person_policy: str = "ask"):
    """The context and main window for ``args``; the database starts opening at once."""
    from auditdesk.ui.context import AppContext
    from auditdesk.ui.main_window import MainWindow

    source = resolve_source(getattr(args, "database_url", None), getattr(args, "workspace", None))
    context = AppContext()
    window = MainWindow(
        context,
        settings,
        demo_policy=demo_policy,
        person_policy=person_policy,
        preferred_tenant=getattr(args, "tenant", None),
        embedded_workspace=Path(args.workspace).expanduser() if getattr(args, "workspace", None) else None,
    )
    window.open_source(source)
    return context, window


def _quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl+C or SIGTERM close the window normally (settings saved, embedded server left).
    Python handles signals only when it runs, so a timer wakes it up now and then."""

    def stop(_signum, _frame) -> None:
        for widget in app.topLevelWidgets():
            if widget.objectName() == "mainWindow":
                widget.close()
        app.quit()

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    timer = QTimer(app)
    timer.start(300)
    timer.timeout.connect(lambda: None)
    return timer


def run(args: argparse.Namespace) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    app = application()
    # An unattended start (timing a cold start) asks nobody who they are.
    unattended = getattr(args, "exit_when_ready", False)
    context, window = build_window(args, person_policy="never" if unattended else "ask")
    if getattr(args, "exit_when_ready", False):
        window.ready.connect(lambda: QTimer.singleShot(0, app.quit))
        window.database_failed.connect(lambda _error: app.exit(1))
    window.show()
    _quit_on_signals(app)
    try:
        code = app.exec()
    finally:
        window.close_database()
    return int(code)
