"""Runner: jobs run off the GUI thread in their own transaction; answers come back on it,
only to owners still there; every error is shown once; Outcomes announce their Changes;
work that is not a query never waits for a database thread."""

from __future__ import annotations

import threading
import time

import factories as f
import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog
from sqlalchemy import text

from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.errors import ValidationError
from auditdesk.ui.runner import Runner


@pytest.fixture
def owner(qtbot):
    return QObject()


@pytest.fixture
def worker(qtbot, database):
    w = Runner(database.sessions)
    yield w
    qtbot.waitUntil(lambda: not w.busy, timeout=30_000)


def test_result_arrives_on_the_gui_thread_from_another_thread(qtbot, worker, owner):
    seen: dict[str, object] = {}

    def job(session):
        seen["job_thread"] = threading.get_ident()
        return session.execute(text("SELECT 41 + 1")).scalar_one()

    def done(value):
        seen["value"] = value
        seen["done_thread"] = threading.get_ident()

    worker.submit(job, done, owner=owner)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["done_thread"] == threading.get_ident()
    assert seen["job_thread"] != threading.get_ident()


def test_a_failing_job_rolls_back_and_the_caller_alone_shows_it(qtbot, worker, database, owner):
    errors: list[BaseException] = []
    reported: list[BaseException] = []
    worker.failed.connect(reported.append)

    def job(session):
        f.tenant(session, "rolled-back")
        raise ValidationError({"title": "is required"})

    worker.submit(job, lambda _value: None, errors.append, owner=owner)
    qtbot.waitUntil(lambda: bool(errors))
    qtbot.waitUntil(lambda: not worker.busy)
    assert isinstance(errors[0], ValidationError) and reported == []
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tenant")).scalar_one() == 0


def test_an_error_without_on_error_goes_to_failed_once(qtbot, worker, owner):
    reported: list[BaseException] = []
    worker.failed.connect(reported.append)

    def job(session):
        raise ValidationError({"title": "is required"})

    worker.submit(job, lambda _value: None, owner=owner)
    qtbot.waitUntil(lambda: not worker.busy)
    assert [type(e) for e in reported] == [ValidationError]


def test_the_context_shows_unexplained_errors_once_and_never_twice(qtbot, ui_context):
    shown: list[BaseException] = []
    ui_context.error_raised.connect(shown.append)
    explained: list[BaseException] = []

    def job(session):
        session.execute(text("SELECT 1 / 0"))

    ui_context.worker.submit(job, owner=ui_context)
    ui_context.worker.submit(job, on_error=explained.append, owner=ui_context)
    qtbot.waitUntil(lambda: not ui_context.worker.busy)
    assert len(shown) == 1 and len(explained) == 1


def test_newer_request_with_the_same_key_supersedes(qtbot, worker, owner):
    answers: list[str] = []

    def slow(session):
        time.sleep(0.3)
        return "old"

    worker.submit(slow, answers.append, key="page", owner=owner)
    worker.submit(lambda session: "new", answers.append, key="page", owner=owner)
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    assert answers == ["new"]


def test_answers_from_a_closed_database_are_dropped(qtbot, worker, database, owner):
    answers: list[str] = []
    busy: list[bool] = []
    worker.busy_changed.connect(busy.append)

    def slow(session):
        time.sleep(0.3)
        return "from the old database"

    worker.submit(slow, answers.append, owner=owner)
    worker.set_sessions(None)  # the window closed or switched the database
    qtbot.waitUntil(lambda: busy[-1:] == [False], timeout=10_000)
    assert answers == []
    with pytest.raises(RuntimeError, match="no database"):
        worker.submit(slow, answers.append, owner=owner)


def test_an_owner_destroyed_meanwhile_gets_no_answer(qtbot, worker):
    owner = QObject()
    release = threading.Event()
    answers: list[object] = []

    def blocked(session):
        release.wait(10)
        return "late"

    worker.submit(blocked, answers.append, answers.append, owner=owner)
    shiboken6.delete(owner)
    release.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    assert answers == []


def test_a_dialog_closed_while_busy_gets_no_answer_nor_error(qtbot, worker):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    release = threading.Event()
    answers: list[object] = []
    reported: list[BaseException] = []
    worker.failed.connect(reported.append)

    def blocked(session):
        release.wait(10)
        raise ValidationError({"title": "too late"})

    worker.submit(blocked, answers.append, answers.append, owner=dialog)
    worker.submit(lambda s: "also late", answers.append, owner=dialog)
    dialog.close()
    release.set()
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    assert answers == [] and reported == []


def test_a_widget_never_shown_still_gets_its_answer(qtbot, worker):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    answers: list[object] = []
    worker.submit(lambda s: 1, answers.append, owner=dialog)
    qtbot.waitUntil(lambda: bool(answers))
    assert answers == [1]


def test_the_board_report_dialog_closed_while_busy_is_left_alone(qtbot, ui_context, tmp_path):
    from PySide6.QtWidgets import QWidget

    from auditdesk.ui.dialogs.board_report import open_board_report_dialog

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = open_board_report_dialog(ui_context, parent)
    target = tmp_path / "report.xlsx"
    dialog.set_path(target)
    written: list[str] = []
    dialog.generated.connect(written.append)
    shown: list[BaseException] = []
    ui_context.error_raised.connect(shown.append)
    dialog.generate()
    assert dialog.busy
    dialog.close()  # deletes itself on close
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=10_000)
    qtbot.waitUntil(lambda: not ui_context.worker.busy, timeout=30_000)
    assert written == [] and shown == []
    assert not target.exists()  # the write step never started: its request was dropped


def test_an_outcome_gives_its_value_and_announces_its_changes(qtbot, ui_context):
    announced: list[Changes] = []
    ui_context.changed.connect(announced.append)
    values: list[object] = []
    changes = Changes.of(Table.OBSERVATION, [7]) | Changes.tables(Table.SNAPSHOT)
    ui_context.worker.submit(lambda s: Outcome("saved", changes), values.append, owner=ui_context)
    qtbot.waitUntil(lambda: bool(values))
    assert values == ["saved"]
    assert announced == [changes]


def test_changes_are_announced_even_when_the_owner_is_gone(qtbot, ui_context):
    announced: list[Changes] = []
    ui_context.changed.connect(announced.append)
    owner = QObject()
    release = threading.Event()

    def write(session):
        release.wait(10)
        return Outcome(None, Changes.of(Table.ENGAGEMENT, [3]))

    ui_context.worker.submit(write, owner=owner)
    shiboken6.delete(owner)
    release.set()
    qtbot.waitUntil(lambda: not ui_context.worker.busy)
    assert announced == [Changes.of(Table.ENGAGEMENT, [3])]


def test_run_works_while_every_database_thread_is_busy(qtbot, database, owner):
    runner = Runner(database.sessions, threads=1)
    release = threading.Event()
    answers: list[object] = []

    def hold(session):
        release.wait(20)
        return "query"

    runner.submit(hold, answers.append, owner=owner)
    runner.run(lambda: "not a query", answers.append, owner=owner)
    try:
        qtbot.waitUntil(lambda: answers == ["not a query"], timeout=10_000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert answers == ["not a query", "query"]


def test_a_retired_database_closes_after_its_jobs_answered(qtbot, database, owner):
    runner = Runner(database.sessions)
    release = threading.Event()
    closed = threading.Event()
    order: list[str] = []

    def hold(session):
        release.wait(20)
        order.append("job finished")

    def close() -> None:
        order.append("closed")
        closed.set()

    runner.submit(hold, owner=owner)
    runner.set_sessions(None)
    runner.retire(close)
    qtbot.wait(100)
    assert not closed.is_set()  # a job still runs on it
    release.set()
    qtbot.waitUntil(closed.is_set, timeout=10_000)
    assert order == ["job finished", "closed"]


def test_owner_is_required(worker):
    with pytest.raises(TypeError):
        worker.submit(lambda s: 1, owner=None)  # type: ignore[arg-type]


class _Witness:
    """Records the thread on which its last reference was let go."""

    def __init__(self, released_on: list[int]):
        self._released_on = released_on

    def __del__(self):
        self._released_on.append(threading.get_ident())


def test_what_a_job_captured_is_let_go_on_the_gui_thread(qtbot, worker, owner):
    released_on: list[int] = []
    answers: list[object] = []

    def submit_capturing_a_witness(fail: bool) -> None:
        witness = _Witness(released_on)

        def job(session):
            if fail:
                local_witness = witness  # noqa: F841 - held by the failing frame
                raise ValidationError({"title": "is required"})
            return witness is not None

        worker.submit(job, answers.append, answers.append, owner=owner)

    submit_capturing_a_witness(fail=False)
    submit_capturing_a_witness(fail=True)
    qtbot.waitUntil(lambda: len(answers) == 2)
    answers.clear()  # the error's traceback holds the failing job's frame
    qtbot.waitUntil(lambda: len(released_on) == 2)
    # A widget captured this way, let go on a database thread, would crash Qt.
    assert released_on == [threading.get_ident()] * 2


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    import gc

    from auditdesk.ui import collector

    app = QObject()
    installed = collector.install(app)
    assert collector.install(app) is installed
    assert not gc.isenabled()
    released_on: list[int] = []

    class Cycle:
        def __init__(self):
            self.me = self
            self.witness = _Witness(released_on)

    gc.collect()
    for _ in range(gc.get_threshold()[0] + 10):
        Cycle()
    assert released_on == []  # no automatic collection
    qtbot.waitUntil(lambda: bool(released_on))
    assert set(released_on) == {threading.get_ident()}
