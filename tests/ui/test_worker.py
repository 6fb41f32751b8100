"""DbWorker: jobs run off the GUI thread in their own transaction; answers come back on it."""

from __future__ import annotations

import threading
import time

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.domain.errors import ValidationError
from auditdesk.ui.worker import DbWorker


@pytest.fixture
def worker(qtbot, database):
    w = DbWorker(database.sessions)
    yield w
    w.wait()


def test_result_arrives_on_the_gui_thread_from_another_thread(qtbot, worker):
    seen: dict[str, object] = {}

    def job(session):
        seen["job_thread"] = threading.get_ident()
        return session.execute(text("SELECT 41 + 1")).scalar_one()

    def done(value):
        seen["value"] = value
        seen["done_thread"] = threading.get_ident()

    worker.submit(job, done)
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["done_thread"] == threading.get_ident()
    assert seen["job_thread"] != threading.get_ident()


def test_a_failing_job_rolls_back_and_reports(qtbot, worker, database):
    errors: list[BaseException] = []
    reported: list[BaseException] = []
    worker.failed.connect(reported.append)

    def job(session):
        f.tenant(session, "rolled-back")
        raise ValidationError({"title": "is required"})

    worker.submit(job, lambda _value: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValidationError) and reported == errors
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tenant")).scalar_one() == 0


def test_newer_request_with_the_same_key_supersedes(qtbot, worker):
    answers: list[str] = []

    def slow(session):
        time.sleep(0.3)
        return "old"

    worker.submit(slow, answers.append, key="page")
    worker.submit(lambda session: "new", answers.append, key="page")
    qtbot.waitUntil(lambda: not worker.busy, timeout=10_000)
    assert answers == ["new"]


def test_answers_from_a_closed_database_are_dropped(qtbot, worker, database):
    answers: list[str] = []
    busy: list[bool] = []
    worker.busy_changed.connect(busy.append)

    def slow(session):
        time.sleep(0.3)
        return "from the old database"

    worker.submit(slow, answers.append)
    worker.set_sessions(None)  # the window closed or switched the database
    qtbot.waitUntil(lambda: busy[-1:] == [False], timeout=10_000)
    assert answers == []
    with pytest.raises(RuntimeError, match="no database"):
        worker.submit(slow, answers.append)
