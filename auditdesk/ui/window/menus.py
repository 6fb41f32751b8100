"""The main window's menus, toolbar and About box: every action, its key and its tip, connected to
the window's own slots (the window delegates view actions to the current view)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMessageBox, QToolBar, QWidget

from auditdesk import __version__
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.due_policy import open_due_policy
from auditdesk.ui.window import transfer

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow, ViewSpec


def _action(window: MainWindow, text: str, slot: Callable, shortcut=None, menu: QMenu | None = None,
            tip: str | None = None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    if menu is not None:
        menu.addAction(action)
    return action


def install_toolbar(window: MainWindow) -> QToolBar:
    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    window.addToolBar(toolbar)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    refresh = toolbar.addAction(
        window.style().standardIcon(window.style().StandardPixmap.SP_BrowserReload), "Refresh"
    )
    refresh.setToolTip("Reload the current view (F5)")
    refresh.triggered.connect(window.refresh)
    toolbar.addSeparator()
    return toolbar


def install_menus(window: MainWindow, specs: Sequence[ViewSpec]) -> None:
    """Create the menu bar; the actions become attributes of ``window`` (``find_action``…)."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.connect_action = _action(
        window, "&Connect to server…", window.connect_to_server, "Ctrl+Shift+O", file_menu,
        "Open a PostgreSQL server with your own login",
    )
    window.embedded_action = _action(
        window, "Use &embedded workspace", window.use_embedded_workspace, None, file_menu,
        "Go back to the private database in your data folder",
    )
    file_menu.addSeparator()
    window.import_action = _action(
        window, "&Import findings…", lambda: transfer.import_findings(window), "Ctrl+Shift+I",
        file_menu, "Bring findings in from an Excel workbook or a CSV file",
    )
    window.export_action = _action(
        window, "&Export…", lambda: transfer.export_current(window), "Ctrl+Shift+E", file_menu,
        "Save the current table, as filtered and sorted, as Excel or CSV",
    )
    transfer.install_export_actions(window)
    file_menu.addSeparator()
    window.demo_action = _action(window, "Load &demo data…", window.offer_demo_data, None, file_menu)
    file_menu.addSeparator()
    window.quit_action = _action(window, "&Quit", window.close, "Ctrl+Q", file_menu)

    edit_menu = bar.addMenu("&Edit")
    window.find_action = _action(window, "&Find…", window.focus_search, QKeySequence.StandardKey.Find,
                                 edit_menu)
    window.new_action = _action(window, "&New", window.new_item, QKeySequence.StandardKey.New, edit_menu)

    view_menu = bar.addMenu("&View")
    window.view_actions = {}
    for number, spec in enumerate(specs, start=1):
        window.view_actions[spec.name] = _action(
            window, spec.title, lambda _checked=False, n=spec.name: window.show_view(n),
            f"Ctrl+{number}", view_menu,
        )
    view_menu.addSeparator()
    window.refresh_action = _action(window, "&Refresh", window.refresh, "F5", view_menu)

    tools_menu = bar.addMenu("&Tools")
    window.capture_action = _action(window, "&Capture snapshot now", window.capture_snapshot, None,
                                    tools_menu)
    window.backfill_action = _action(
        window, "&Backfill snapshots…", window.backfill_snapshots, None, tools_menu,
        "Rebuild past days' dashboard figures from the audit trail",
    )
    tools_menu.addSeparator()
    window.users_action = _action(
        window, "&Users…", window.open_users, None, tools_menu,
        "The people of this organisation, their roles and sign-in",
    )
    window.due_policy_action = _action(
        window, "Due-date &policy…", lambda: open_due_policy(window), None, tools_menu,
        "Days to the due date per severity (admins change them)",
    )

    reports_menu = bar.addMenu("&Reports")
    window.board_report_action = _action(
        window, "&Board report…", window.open_board_report, None, reports_menu,
        "Repeat findings, remediation status and trends as PDF or Excel",
    )

    help_menu = bar.addMenu("&Help")
    window.about_action = _action(window, "&About AuditDesk", window.about, None, help_menu)


def resolve_shortcut_conflicts(window: QWidget, views: Sequence[QWidget]) -> None:
    """The window's own keys (F5, Ctrl+N, Ctrl+F, Ctrl+1..6, Ctrl+Q) are handled once, by
    the window, and delegated to the current view: two active shortcuts with the same key
    would be ambiguous in Qt and neither would fire. A view's own action keeps its menu
    text and still works when the view is used on its own."""
    taken = {
        action.shortcut().toString()
        for action in window.findChildren(QAction)
        if not action.shortcut().isEmpty() and not _inside(action, views)
    }
    for view in views:
        for action in view.findChildren(QAction):
            if action.shortcut().toString() in taken:
                action.setShortcut(QKeySequence())
        for shortcut in view.findChildren(QShortcut):
            if shortcut.key().toString() in taken:
                shortcut.setKey(QKeySequence())


def _inside(obj, views: Sequence[QWidget]) -> bool:
    parent = obj.parent()
    while parent is not None:
        if any(parent is view for view in views):
            return True
        parent = parent.parent()
    return False


def show_about(window: QWidget, context: AppContext) -> None:
    database = context.database
    where = database.location if database else "not connected"
    QMessageBox.about(
        window,
        "About AuditDesk",
        f"<b>AuditDesk {__version__}</b><br>Engagements, findings, repeat lineage and trends "
        f"for internal audit.<br><br>Data: {where}",
    )
