"""Opening a database for the main window, off the GUI thread (starting the embedded
server, migrating): only the newest request counts; a database that opens after a later
choice, or after the window closed its database, is closed again, off the GUI thread.

``opened`` and ``failed`` fire for the newest request only; ``progress`` relays the
opening job's announcements (they arrive queued on the GUI thread).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from auditdesk.config import DatabaseSource
from auditdesk.ui.context import AppContext


class DatabaseOpening(QObject):
    opened = Signal(object)  # Database
    failed = Signal(object)  # BaseException
    progress = Signal(str)

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.busy = False
        self._serial = 0  # the newest open request; older answers are stale
        self._unwanted: set[threading.Event] = set()  # set: close the database it opens

    def open(self, source: DatabaseSource) -> None:
        self.busy = True
        self._serial += 1
        serial, unwanted = self._serial, threading.Event()
        self._unwanted.add(unwanted)
        announce = self.progress.emit

        def open_it():
            from auditdesk.db.connection import open_database

            database = open_database(source, migrate=True, announce=announce)
            if unwanted.is_set():  # the window closed its database while this one opened
                database.close()
                return None
            return database

        self.context.worker.run(
            open_it, lambda database: self._opened(serial, unwanted, database),
            lambda error: self._failed(serial, unwanted, error), owner=self.context,
        )

    def abandon(self) -> None:
        """Every database still opening is closed by its job once it has opened."""
        for unwanted in self._unwanted:
            unwanted.set()

    def _newest(self, serial: int, unwanted: threading.Event) -> bool:
        """Whether an answer is for the newest open request (else nobody wants it)."""
        self._unwanted.discard(unwanted)
        newest = serial == self._serial and not unwanted.is_set()
        if newest:
            self.busy = False
        return newest

    def _opened(self, serial: int, unwanted: threading.Event, database) -> None:
        if self._newest(serial, unwanted):
            self.opened.emit(database)
        elif database is not None:  # superseded by a later choice of database
            self.context.worker.run(database.close, owner=self.context)

    def _failed(self, serial: int, unwanted: threading.Event, error: BaseException) -> None:
        if self._newest(serial, unwanted):
            self.failed.emit(error)


def masked(url: str) -> str:
    """The URL without its password, for the banner ("the server" if it cannot be read)."""
    from auditdesk.db.engine import masked as mask

    try:
        return mask(url)
    except Exception:  # noqa: BLE001
        return "the server"
