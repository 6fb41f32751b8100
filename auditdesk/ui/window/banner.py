"""The strip at the top of the main window, the one display of errors that no view or
dialog explains itself (docs/architecture.md, "How errors reach a user").

A lost connection keeps the banner up and probes the server every few seconds; when
it answers, the banner goes and the window retries what failed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from auditdesk.services.errors import is_connection_error, user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.widgets import ErrorBanner

RECOVERY_PROBE_MS = 5_000


class BannerArea(QWidget):
    """Holds the ``ErrorBanner``; hidden together with it."""

    def __init__(self, context: AppContext, retry: Callable[[], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self._retry = retry
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(retry)
        self.banner.dismissed.connect(self.hide)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.addWidget(self.banner)
        self.hide()
        # While the connection is lost, probe the server now and then; recover on success.
        self.recovery_timer = QTimer(self)
        self.recovery_timer.setInterval(RECOVERY_PROBE_MS)
        self.recovery_timer.timeout.connect(self._probe_connection)
        self._probing = False
        context.error_raised.connect(self.show_error)

    def show_message(self, text: str, level: str = "error", *, retry: bool = True) -> None:
        self.banner.show_message(text, level, retry=retry)
        self.show()

    def hide_message(self) -> None:
        self.banner.hide()
        self.hide()

    def show_error(self, error: BaseException) -> None:
        if is_connection_error(error):
            self.show_message(
                user_message(error) + " — retrying every few seconds; your edits are kept."
            )
            if not self.recovery_timer.isActive():
                self.recovery_timer.start()
            return
        self.show_message(user_message(error))

    def _probe_connection(self) -> None:
        """Ask the server for its version; when it answers, hide the banner and retry."""
        if self.context.database is None or self._probing:
            self.recovery_timer.stop()
            return

        def job(session):
            from auditdesk.db.engine import check_connection

            return check_connection(session.get_bind())

        def answered(_version) -> None:
            self._probing = False
            self.recovery_timer.stop()
            self._retry()
            self.context.status_message.emit("Connection to the database restored.")

        def still_down(_error) -> None:
            self._probing = False

        self._probing = True
        self.context.worker.submit(job, answered, still_down, key="main:probe", owner=self)
