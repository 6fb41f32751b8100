"""The one background runner of the desktop client (docs/architecture.md, "Threading rule").

``submit(op, on_done, on_error, *, owner, key)`` runs ``op(session)`` on a database
thread in its own session and transaction (committed when ``op`` returns, rolled back
when it raises). ``run(fn, ...)`` runs work that is not a database query (opening a
database, testing a connection, writing a file) on a pool of its own, so it never holds
a database thread. The answer comes back on the GUI thread through a queued signal.

An answer (a result or an error) is delivered only while it still means something: not
when its ``owner`` was destroyed, or its owner's window was closed since the request;
not when a newer request with the same ``key`` exists; not when the database was
switched meanwhile.

When ``op`` returns an ``Outcome``, ``on_done`` receives its value and the runner emits
``changed`` with its ``Changes`` (even if the owner is gone: the data did change).

Errors are shown exactly once: by the caller when it passes ``on_error``, otherwise
through ``failed``, which the application connects to its one error display.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session, sessionmaker

from auditdesk.domain.changes import Outcome

log = logging.getLogger(__name__)

Op = Callable[[Session], Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives in the GUI thread; signals emitted from the pools arrive queued."""

    finished = Signal(int)  # request id; its answer waits in the runner's answers


class _Task(QRunnable):
    """Runs one piece of work and leaves its answer where the GUI thread picks it up.

    The task keeps no reference to the work, its result or its error once the answer is
    left: whatever they hold (a widget captured by the work, a traceback's frames) is let
    go on the GUI thread, never here, where destroying a widget would crash Qt."""

    def __init__(self, request_id: int, work: Callable[[], Any], relay: _Relay,
                 answers: dict[int, tuple[Any, BaseException | None]]):
        super().__init__()
        self.setAutoDelete(True)
        self._request_id = request_id
        self._work: Callable[[], Any] | None = work
        self._relay = relay
        self._answers = answers

    def run(self) -> None:
        work, self._work = self._work, None
        assert work is not None
        try:
            answer: tuple[Any, BaseException | None] = (work(), None)
        except BaseException as caught:  # noqa: BLE001 - delivered to the GUI thread
            log.debug("background job failed", exc_info=True)
            answer = (None, caught)
        del work
        self._answers[self._request_id] = answer
        del answer
        self._relay.finished.emit(self._request_id)


@dataclass
class _Request:
    on_done: Done | None
    on_error: Failed | None
    owner: QObject
    window_was_visible: bool
    key: str | None
    generation: int | None  # None: not database work, survives a switch
    work: Callable[[], Any]  # held here so that the GUI thread lets it go (see _Task)


def _in_session(sessions: sessionmaker[Session], op: Op) -> Callable[[], Any]:
    def work() -> Any:
        with sessions() as session, session.begin():
            return op(session)

    return work


class Runner(QObject):
    """Every piece of background work the GUI starts goes through one of these."""

    busy_changed = Signal(bool)
    failed = Signal(object)  # errors no caller shows, for the one error display
    changed = Signal(object)  # Changes announced by an op that returned an Outcome

    def __init__(
        self,
        sessions: sessionmaker[Session] | None = None,
        parent: QObject | None = None,
        threads: int = 2,
        other_threads: int = 2,
    ):
        super().__init__(parent)
        self._sessions = sessions
        self._db_pool = QThreadPool(self)
        self._db_pool.setMaxThreadCount(threads)
        self._other_pool = QThreadPool(self)
        self._other_pool.setMaxThreadCount(other_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self._ids = itertools.count(1)
        self._answers: dict[int, tuple[Any, BaseException | None]] = {}
        self._pending: dict[int, _Request] = {}
        self._latest_for_key: dict[str, int] = {}
        self._generation = 0  # bumped when the database changes
        self._retiring: list[tuple[int, Callable[[], Any]]] = []

    # -- the database ------------------------------------------------------------------------
    def set_sessions(self, sessions: sessionmaker[Session] | None) -> None:
        """Switch databases. Answers still on their way from the previous one are dropped:
        they describe data the window no longer shows."""
        if sessions is not self._sessions:
            self._generation += 1
        self._sessions = sessions

    def retire(self, close: Callable[[], Any]) -> None:
        """Run ``close`` off the GUI thread once every database job submitted before the
        last switch has finished (to close the previous database without waiting)."""
        self._retiring.append((self._generation, close))
        self._retire_finished()

    def _retire_finished(self) -> None:
        still_running = {r.generation for r in self._pending.values() if r.generation is not None}
        keep = []
        for generation, close in self._retiring:
            if any(g < generation for g in still_running):
                keep.append((generation, close))
            else:
                self._other_pool.start(_Task(next(self._ids), close, self._relay, self._answers))
        self._retiring = keep

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    # -- requests ----------------------------------------------------------------------------
    def submit(
        self,
        op: Op,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject,
        key: str | None = None,
    ) -> int:
        """Queue ``op(session)`` on a database thread; returns a request id."""
        if self._sessions is None:
            raise RuntimeError("no database is open")
        work = _in_session(self._sessions, op)
        return self._start(self._db_pool, work, on_done, on_error, owner, key, self._generation)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        owner: QObject,
        key: str | None = None,
    ) -> int:
        """Queue ``fn()``, work that needs no database thread; returns a request id."""
        return self._start(self._other_pool, fn, on_done, on_error, owner, key, None)

    def _start(self, pool: QThreadPool, work, on_done, on_error, owner, key, generation) -> int:
        if not isinstance(owner, QObject):
            raise TypeError("owner must be the QObject the answer is for")
        request_id = next(self._ids)
        was_busy = self.busy
        self._pending[request_id] = _Request(
            on_done, on_error, owner, _window_visible(owner), key, generation, work
        )
        if key is not None:
            self._latest_for_key[key] = request_id
        if not was_busy:
            self.busy_changed.emit(True)
        pool.start(_Task(request_id, work, self._relay, self._answers))
        return request_id

    @Slot(int)
    def _deliver(self, request_id: int) -> None:
        result, error = self._answers.pop(request_id)
        request = self._pending.pop(request_id, None)
        if request is None:  # a retired database's close
            if error is not None:
                log.warning("closing the previous database failed: %s", error)
            return
        current = self._latest_for_key.get(request.key) == request_id if request.key else True
        if request.key is not None and current:
            self._latest_for_key.pop(request.key, None)
        stale = request.generation is not None and request.generation != self._generation
        if not self._pending:
            self.busy_changed.emit(False)
        if self._retiring:
            self._retire_finished()
        if stale:
            return
        if error is None and isinstance(result, Outcome):
            if result.changes:
                self.changed.emit(result.changes)
            result = result.value
        if not current:
            return
        if not _still_wanted(request):
            if error is not None:  # its window is gone: nobody to explain it to
                log.info("dropped the error of a closed window's request: %r", error)
            return
        if error is not None:
            if request.on_error is not None:
                request.on_error(error)
            else:
                self.failed.emit(error)
            return
        if request.on_done is not None:
            request.on_done(result)


def _window_visible(owner: QObject) -> bool:
    return isinstance(owner, QWidget) and owner.window().isVisible()


def _still_wanted(request: _Request) -> bool:
    owner = request.owner
    if not shiboken6.isValid(owner):
        return False
    if request.window_was_visible:
        window = owner.window() if isinstance(owner, QWidget) else None
        if window is None or not shiboken6.isValid(window) or not window.isVisible():
            return False
    return True
