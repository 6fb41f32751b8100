"""The dashboard's daily automatic capture: while the app is open, capture today's
snapshot once a day when it is missing.

The setting is global (QSettings ``dashboard/auto_capture``, on by default), although
the main window hands each view its own settings group. A timer looks every ten
minutes whether the day changed; after a tenant is chosen the first look waits, so that
start-up queries (and a scripted start that fills the days itself) come first. The
capture runs on the runner like any other database job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QWidget

from auditdesk.domain.dashboard import format_day
from auditdesk.domain.records import Snapshot
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext

AUTO_CAPTURE_KEY = "dashboard/auto_capture"
AUTO_CAPTURE_CHECK_MS = 10 * 60 * 1000  # look every ten minutes whether the day changed
# After a tenant is chosen, wait before the first check: start-up queries come first, and
# a scripted start (selfcheck, demo loading, a backfill) gets to fill the days first.
AUTO_CAPTURE_FIRST_DELAY_MS = 45 * 1000


class DailyCapture(QObject):
    """Captures today's snapshot of the current tenant once a day when it is missing."""

    #: (ok, message) after each capture that was started
    finished = Signal(bool, str)

    def __init__(self, context: AppContext, busy: Callable[[], bool], view: QWidget):
        super().__init__(view)
        self.context = context
        self._view = view  # the answers are for it: dropped once its window is closed
        self._busy = busy  # another capture or backfill of the view is running
        self.settings: QSettings | None = None  # the view's group; None = the default
        self.checked: tuple[int, date] | None = None  # (tenant, day) already looked at
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_CAPTURE_CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.first_timer = QTimer(self)
        self.first_timer.setSingleShot(True)
        self.first_timer.setInterval(AUTO_CAPTURE_FIRST_DELAY_MS)
        self.first_timer.timeout.connect(self.check)

    def _settings(self) -> QSettings:
        return self.settings if self.settings is not None else QSettings()

    def enabled(self) -> bool:
        return _as_bool(_read_global(self._settings(), AUTO_CAPTURE_KEY, True))

    def store_enabled(self, enabled: bool) -> None:
        _write_global(self._settings(), AUTO_CAPTURE_KEY, bool(enabled))

    def tenant_changed(self) -> None:
        """A new tenant: look again, after the first delay."""
        self.checked = None
        self.first_timer.start()

    def check(self) -> bool:
        """Capture today's snapshot when it is missing, once a day per tenant.
        Returns True when a check was started."""
        context = self.context
        if context.database is None or context.tenant is None or not self.enabled():
            return False
        tenant_id = context.tenant_id
        today = context.today()  # on the tenant's clock, as the capture dates it
        if self.checked == (tenant_id, today) or self._busy():
            return False
        self.checked = (tenant_id, today)

        def job(session):
            from auditdesk.services.snapshots import capture_today_if_missing

            return capture_today_if_missing(session, tenant_id=tenant_id)

        def done(captured: list[Snapshot]) -> None:
            if captured:
                context.status_message.emit(
                    f"Captured today's snapshot ({format_day(captured[0].snapshot_date)}) automatically."
                )
            self.finished.emit(True, "auto-capture")

        def failed(error: BaseException) -> None:
            self.checked = None  # try again at the next tick
            context.show_error(error)
            self.finished.emit(False, f"auto-capture: {user_message(error)}")

        context.worker.submit(job, done, failed, owner=self._view)
        return True


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off", "")
    return bool(value)


def _with_top_level(settings: QSettings, action: Callable[[QSettings], Any]) -> Any:
    """Run ``action`` with no settings group active (the main window hands views their
    own group), then re-enter the groups."""
    groups: list[str] = []
    while settings.group():
        full = settings.group()
        settings.endGroup()
        parent = settings.group()
        groups.append(full[len(parent) + 1:] if parent else full)
    try:
        return action(settings)
    finally:
        for group in reversed(groups):
            settings.beginGroup(group)


def _read_global(settings: QSettings, key: str, default: object) -> object:
    return _with_top_level(settings, lambda s: s.value(key, default))


def _write_global(settings: QSettings, key: str, value: object) -> None:
    _with_top_level(settings, lambda s: s.setValue(key, value))
