"""Fixtures for the desktop-client tests: an AppContext bound to the test database with
a seeded tenant, and QSettings in a private file per test."""

from __future__ import annotations

import os

import factories
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

# The waits below are how long a test gives the background work before it calls it
# lost, not a speed limit: on a loaded two-core CI machine a 10 s page fetch happens.
# Every wait's timeout is stretched by this factor (1 restores the written values).
WAIT_FACTOR = float(os.environ.get("AUDITDESK_TEST_WAIT_FACTOR", "6"))


def _stretched(method):
    def wait(self, *args, timeout: int = 5000, **kwargs):
        return method(self, *args, timeout=int(timeout * WAIT_FACTOR), **kwargs)

    wait.__doc__ = method.__doc__
    return wait


@pytest.fixture(autouse=True, scope="session")
def _patient_waits():
    """Stretch waitUntil/waitSignal/waitSignals/waitCallback timeouts for the session."""
    originals = {}
    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback"):
        originals[name] = getattr(QtBot, name)
        setattr(QtBot, name, _stretched(originals[name]))
    yield
    for name, method in originals.items():
        setattr(QtBot, name, method)


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_gui_thread(qapp):
    """As in the application: no garbage collection on a database thread."""
    from auditdesk.ui import collector

    collector.install(qapp)


@pytest.fixture(scope="session", autouse=True)
def _private_default_settings(tmp_path_factory):
    """``QSettings()`` (what a dialog uses when it is handed none) in a folder of the
    run, never the user's own settings."""
    folder = tmp_path_factory.mktemp("qsettings")
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    """A home folder of the test's own (no Documents folder in it yet): save dialogs
    create and start in its documents folder, never in the user's."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


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

