"""Open a database off the GUI thread (starting the embedded server, migrating) and
report progress and the outcome back on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from auditdesk.config import DatabaseSource


class _OpenTask(QRunnable):
    def __init__(self, opener: DatabaseOpener, source: DatabaseSource, migrate: bool):
        super().__init__()
        self.setAutoDelete(True)
        self._opener = opener
        self._source = source
        self._migrate = migrate

    def run(self) -> None:
        from auditdesk.db.connection import open_database

        try:
            database = open_database(
                self._source, migrate=self._migrate, announce=self._opener.progress.emit
            )
        except BaseException as error:  # noqa: BLE001 - delivered to the GUI thread
            self._opener.failed.emit(error)
            return
        self._opener.opened.emit(database)


class DatabaseOpener(QObject):
    """``open(source)``; then ``opened(Database)`` or ``failed(exception)``."""

    progress = Signal(str)
    opened = Signal(object)
    failed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    def open(self, source: DatabaseSource, *, migrate: bool = True) -> None:
        self._pool.start(_OpenTask(self, source, migrate))

    def wait(self, msecs: int = 60_000) -> bool:
        return self._pool.waitForDone(msecs)
