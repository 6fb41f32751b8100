"""Run database work off the GUI thread and deliver the outcome back on it.

``DbWorker.submit(job, on_done, on_error)`` runs ``job(session)`` on a
``QThreadPool`` thread inside its own session and transaction (committed when the
job returns, rolled back when it raises). The result or the exception comes back
to the GUI thread through a queued signal. ORM objects never leave the job: jobs
return frozen domain records.

Requests made with a ``key`` supersede older requests with the same key: a view
that re-sorts twice only ever shows the newest answer.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

Job = Callable[[Session], Any]


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from the pool arrive queued."""

    finished = Signal(int, object, object)  # request id, result, error


class _Task(QRunnable):
    def __init__(self, request_id: int, sessions: sessionmaker[Session], job: Job, relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self._request_id = request_id
        self._sessions = sessions
        self._job = job
        self._relay = relay

    def run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            with self._sessions() as session, session.begin():
                result = self._job(session)
        except BaseException as caught:  # noqa: BLE001 - delivered to the GUI thread
            error = caught
            log.debug("database job failed:\n%s", traceback.format_exc())
        self._relay.finished.emit(self._request_id, result, error)


class DbWorker(QObject):
    """One helper for every database call the GUI makes."""

    busy_changed = Signal(bool)
    failed = Signal(object)  # every error, for a central banner or log

    def __init__(self, sessions: sessionmaker[Session] | None = None, parent=None, threads: int = 2):
        super().__init__(parent)
        self._sessions = sessions
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callable | None, Callable | None, str | None, int]] = {}
        self._latest_for_key: dict[str, int] = {}
        self._generation = 0  # bumped when the database changes

    def set_sessions(self, sessions: sessionmaker[Session] | None) -> None:
        """Switch databases. Answers still on their way from the previous one are dropped:
        they describe data the window no longer shows."""
        if sessions is not self._sessions:
            self._generation += 1
        self._sessions = sessions

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        key: str | None = None,
    ) -> int:
        """Queue ``job``; returns a request id."""
        if self._sessions is None:
            raise RuntimeError("no database is open")
        request_id = next(self._ids)
        was_busy = self.busy
        self._pending[request_id] = (on_done, on_error, key, self._generation)
        if key is not None:
            self._latest_for_key[key] = request_id
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_Task(request_id, self._sessions, job, self._relay))
        return request_id

    @Slot(int, object, object)
    def _deliver(self, request_id: int, result: Any, error: BaseException | None) -> None:
        on_done, on_error, key, generation = self._pending.pop(
            request_id, (None, None, None, self._generation)
        )
        superseded = (key is not None and self._latest_for_key.get(key) != request_id) or (
            generation != self._generation
        )
        if key is not None and not superseded:
            self._latest_for_key.pop(key, None)
        if not self._pending:
            self.busy_changed.emit(False)
        if superseded:
            return
        if error is not None:
            self.failed.emit(error)
            if on_error is not None:
                on_error(error)
            return
        if on_done is not None:
            on_done(result)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every queued job ran (tests and shutdown)."""
        return self._pool.waitForDone(msecs)
