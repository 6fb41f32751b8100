"""What the main window keeps in QSettings: geometry, toolbar state, the navigation
splitter, the last view and each view's own state (one settings group per view)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def _bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return QByteArray(value) if isinstance(value, QByteArray | bytes) and value else None


def restore_window(window: MainWindow, settings: QSettings) -> None:
    geometry = _bytes(settings, "window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(1280, 800)
    state = _bytes(settings, "window/state")
    if state is not None:
        window.restoreState(state)
    splitter = _bytes(settings, "window/splitter")
    if splitter is not None:
        window.splitter.restoreState(splitter)
    for name, view in window.views.items():
        settings.beginGroup(f"views/{name}")
        try:
            view.restore_state(settings)
        except Exception:  # noqa: BLE001 - a bad saved state must not stop the app
            log.exception("could not restore the state of %s", name)
        settings.endGroup()
    last = settings.value("window/last_view")
    if last in window.views:
        window.show_view(last)


def save_window(window: MainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/splitter", window.splitter.saveState())
    settings.setValue("window/last_view", window.current_view_name)
    for name, view in window.views.items():
        settings.beginGroup(f"views/{name}")
        try:
            view.save_state(settings)
        except Exception:  # noqa: BLE001
            log.exception("could not save the state of %s", name)
        settings.endGroup()
    if window.context.tenant is not None:
        settings.setValue("tenant", window.context.tenant.slug)
    settings.sync()
