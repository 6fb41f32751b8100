"""Fixtures for the desktop-client tests: an AppContext bound to the test database with
a seeded tenant, and QSettings in a private file per test."""

from __future__ import annotations

import factories
import pytest
from PySide6.QtCore import QSettings


@pytest.fixture
def ui_context(qtbot, database):
    """An AppContext on the test database with one tenant selected (workspace owner)."""
    from auditdesk.ui.context import AppContext

    with database.sessions.begin() as session:
        tenant = factories.tenant(session, "acme")
    context = AppContext()
    context.set_database(database)
    context.set_tenant(tenant)
    qtbot.waitUntil(lambda: not context.worker.busy)  # the start-up warm-up has run
    yield context
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
    context.set_database(None)


@pytest.fixture
def ui_settings(tmp_path) -> QSettings:
    """QSettings in a file of its own, so tests never share state."""
    return QSettings(str(tmp_path / "auditdesk-ui-test.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ui_idle(qtbot):
    """``ui_idle(context)``: run the GUI loop until every queued worker result arrived."""

    def wait(context, timeout: int = 30_000) -> None:
        qtbot.waitUntil(lambda: not context.worker.busy, timeout=timeout)

    return wait

