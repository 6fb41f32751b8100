"""The main window: opening the database off the GUI thread, tenants and the switcher,
the status bar, navigation, settings that come back, the error banner when the server
goes away (and recovery), and the demo-data offer on an empty database."""

from __future__ import annotations

import factories as f
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from auditdesk.config import DatabaseSource
from auditdesk.db.connection import open_database
from auditdesk.db.engine import make_engine
from auditdesk.ui.context import AppContext
from auditdesk.ui.main_window import VIEWS, MainWindow


@pytest.fixture
def two_tenants(database):
    with database.sessions.begin() as session:
        first = f.tenant(session, "alpha")
        second = f.tenant(session, "beta")
        f.engagement(session, f.actor(first), code="ENG-A-001", title="Alpha audit")
        f.engagement(session, f.actor(second), code="ENG-B-001", title="Beta audit")
        f.engagement(session, f.actor(second), code="ENG-B-002", title="Beta follow-up")
    return first, second


@pytest.fixture
def make_window(qtbot, database_url, ui_settings, tmp_path):
    """Factory: a main window that opens the test database itself, off the GUI thread."""
    windows = []

    def make(settings: QSettings | None = None, **options) -> MainWindow:
        context = AppContext()
        options.setdefault("profile_path", tmp_path / "profile.ini")
        window = MainWindow(context, settings or ui_settings, **options)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        window.open_source(DatabaseSource(database_url, None, "option"))
        return window

    yield make
    for window in windows:
        window.close_database()


def wait_ready(qtbot, window):
    qtbot.waitUntil(lambda: window.context.tenant is not None)
    qtbot.waitUntil(lambda: not window.context.worker.busy)


def test_opens_lists_tenants_and_shows_where_the_data_is(qtbot, make_window, two_tenants):
    window = make_window()
    wait_ready(qtbot, window)
    context = window.context
    assert context.tenant.slug == "alpha"  # first by name
    assert window.tenant_combo_action.isVisible()
    assert [window.tenant_combo.itemText(i) for i in range(window.tenant_combo.count())] == [
        two_tenants[0].name, two_tenants[1].name,
    ]
    assert window.location_label.text() == context.database.location
    assert context.database.location.startswith(context.database.engine.url.database)
    assert window.schema_label.text() == f"Schema {context.database.schema.current}"
    assert window.tenant_status.text() == f"Tenant: {two_tenants[0].name}"
    assert "no application user" in window.user_label.text()
    assert not window.banner.isVisible()
    assert not window.busy.isVisible()


def test_tenant_switcher_reloads_views_and_is_remembered(qtbot, make_window, two_tenants, ui_settings):
    window = make_window()
    wait_ready(qtbot, window)
    engagements = window.show_view("engagements")
    qtbot.waitUntil(lambda: engagements.model.rowCount() == 1)
    window.tenant_combo.setCurrentIndex(1)
    window.tenant_combo.activated.emit(1)
    assert window.context.tenant.slug == "beta"
    qtbot.waitUntil(lambda: engagements.model.rowCount() == 2)
    assert ui_settings.value("tenant") == "beta"

    again = make_window()
    wait_ready(qtbot, again)
    assert again.context.tenant.slug == "beta"


def test_preferred_tenant_is_honoured(qtbot, make_window, two_tenants):
    window = make_window(preferred_tenant="beta")
    wait_ready(qtbot, window)
    assert window.context.tenant.slug == "beta"
    assert window.tenant_combo.currentText() == two_tenants[1].name


def test_single_tenant_hides_the_switcher(qtbot, make_window, database):
    with database.sessions.begin() as session:
        f.tenant(session, "solo")
    window = make_window()
    wait_ready(qtbot, window)
    assert not window.tenant_combo_action.isVisible()


def test_keyboard_navigation_and_navigate_requests(qtbot, make_window, two_tenants):
    window = make_window()
    wait_ready(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view_name == "engagements"
    assert window.stack.currentWidget() is window.views["engagements"]
    for number, spec in enumerate(VIEWS, start=1):
        window.view_actions[spec.name].trigger()
        assert window.current_view_name == spec.name
        assert window.view_actions[spec.name].shortcut().toString() == f"Ctrl+{number}"

    engagements = window.show_view("engagements")
    qtbot.waitUntil(lambda: engagements.model.rowCount() == 1)
    engagement_id = engagements.model.record(0).id
    engagements.open_index(engagements.model.index(0, 0))
    assert window.current_view_name == "observations"
    observations = window.views["observations"]
    qtbot.waitUntil(lambda: observations.current_filter().engagement_id == engagement_id)


def test_window_state_views_and_columns_come_back(
    qtbot, make_window, two_tenants, tmp_path, monkeypatch
):
    # Only the engagement views: the offscreen screen is 800 px wide, narrower than the
    # widest view's minimum, which would squeeze the navigation splitter on restore.
    from auditdesk.ui import main_window

    monkeypatch.setattr(main_window, "VIEWS", tuple(v for v in VIEWS if "engagements" in v.name))
    path = str(tmp_path / "restore.ini")
    first = make_window(QSettings(path, QSettings.Format.IniFormat))
    wait_ready(qtbot, first)
    first.resize(780, 700)
    qtbot.waitUntil(lambda: first.size().height() == 700)
    first.show_view("engagements")
    first.splitter.setSizes([230, 550])
    table = first.views["engagements"].table
    header = table.horizontalHeader()
    header.resizeSection(2, 222)
    header.moveSection(header.visualIndex(3), 0)  # lead first
    nav_width = first.splitter.sizes()[0]
    first.close()  # saves
    assert QSettings(path, QSettings.Format.IniFormat).value("window/last_view") == "engagements"

    second = make_window(QSettings(path, QSettings.Format.IniFormat))
    wait_ready(qtbot, second)
    assert second.current_view_name == "engagements"
    assert (second.size().width(), second.size().height()) == (780, 700)
    assert second.splitter.sizes()[0] == nav_width
    restored = second.views["engagements"].table.horizontalHeader()
    assert restored.sectionSize(2) == 222
    assert restored.logicalIndex(0) == 3


def test_sort_order_comes_back(qtbot, make_window, two_tenants, tmp_path):
    from auditdesk.domain.queries import EngagementSort
    from auditdesk.ui.models.engagements import EngagementTableModel

    path = str(tmp_path / "sort.ini")
    first = make_window(QSettings(path, QSettings.Format.IniFormat), preferred_tenant="beta")
    wait_ready(qtbot, first)
    view = first.show_view("engagements")
    view.table.sortByColumn(EngagementTableModel.TITLE, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 and view.model.record(0).code == "ENG-B-002")
    first.close()

    second = make_window(QSettings(path, QSettings.Format.IniFormat), preferred_tenant="beta")
    wait_ready(qtbot, second)
    again = second.views["engagements"]
    assert again.model.sort_key == EngagementSort.TITLE and again.model.descending
    qtbot.waitUntil(lambda: again.model.rowCount() == 2)
    assert again.model.record(0).code == "ENG-B-002"


def test_open_failure_shows_the_servers_reason(qtbot, ui_settings, server_url, tmp_path):
    from sqlalchemy.engine import make_url

    context = AppContext()
    window = MainWindow(context, ui_settings, profile_path=tmp_path / "p.ini")
    qtbot.addWidget(window)
    missing = make_url(server_url).set(database="no_such_database_here")
    with qtbot.waitSignal(window.database_failed, timeout=60_000):
        window.open_source(DatabaseSource(missing.render_as_string(hide_password=False), None, "option"))
    assert window.banner.isVisibleTo(window)
    assert 'database "no_such_database_here" does not exist' in window.banner.message.text()
    assert window.location_label.text() == "Not connected"
    assert window.banner.retry_button.isVisibleTo(window)


def test_error_banner_when_the_server_goes_away_and_recovery(
    qtbot, create_database, server_url, ui_settings, tmp_path
):
    url = create_database("auditdesk_banner")
    database = open_database(DatabaseSource(url, None, "option"))
    name = database.engine.url.database
    with database.sessions.begin() as session:
        tenant = f.tenant(session, "gone")
        f.engagement(session, f.actor(tenant), code="ENG-G-001", title="Soon gone")
    context = AppContext()
    window = MainWindow(context, ui_settings, profile_path=tmp_path / "p.ini")
    qtbot.addWidget(window)
    window.show()
    context.set_database(database)
    window.load_tenants()
    wait_ready(qtbot, window)
    view = window.show_view("engagements")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)

    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        window.recovery_timer.setInterval(100)
        window.refresh_action.trigger()
        qtbot.waitUntil(lambda: window.banner.isVisibleTo(window))
        assert "Lost the connection to the database" in window.banner.message.text()
        assert "your edits are kept" in window.banner.message.text()
        qtbot.waitUntil(window.recovery_timer.isActive)
        assert window.banner.property("level") == "error"
        # The app keeps working: the last rows stay, navigation works.
        assert view.model.rowCount() == 1
        window.show_view("my_engagements")
        window.show_view("engagements")

        # The server is back (database restored); Retry recovers and hides the banner.
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        open_database(DatabaseSource(url, None, "option")).close()
        with database.sessions.begin() as session:
            session.execute(text("INSERT INTO tenant (id, slug, name) VALUES (:id, 'gone', 'Gone')"),
                            {"id": tenant.id})
        # No click needed: the window probes the server and recovers by itself.
        qtbot.waitUntil(lambda: not window.banner.isVisibleTo(window))
        qtbot.waitUntil(lambda: view.model.rowCount() == 0)
        assert not window.recovery_timer.isActive()
    finally:
        qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
        database.close()
        admin.dispose()


def test_empty_database_offers_demo_data(qtbot, make_window, database):
    window = make_window(demo_policy="ask")
    qtbot.waitUntil(lambda: window.context.database is not None and not window.context.worker.busy)
    # not an embedded workspace: a hint, no question
    qtbot.waitUntil(lambda: window.banner.isVisibleTo(window))
    assert "no tenant yet" in window.banner.message.text()

    window.offer_demo_data()
    box = window.demo_question
    assert box.isVisible()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.context.tenant is not None, timeout=300_000)
    assert len(window.context.tenants) == 2
    view = window.show_view("my_engagements")
    qtbot.waitUntil(view.has_data)


def test_worker_validation_errors_do_not_raise_the_banner(qtbot, make_window, two_tenants):
    """The caller that passes ``on_error`` shows the error (beside its fields); the banner
    does not show it a second time."""
    from auditdesk.domain.errors import ValidationError

    window = make_window()
    wait_ready(qtbot, window)

    def job(session):
        raise ValidationError({"title": "is required"})

    explained: list[BaseException] = []
    window.context.worker.submit(job, on_error=explained.append, owner=window)
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    assert not window.banner.isVisibleTo(window)
    assert [type(e) for e in explained] == [ValidationError]


def test_window_keys_reach_the_current_view(qtbot, make_window, two_tenants):
    window = make_window()
    wait_ready(qtbot, window)
    window.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(window.isActiveWindow)
    view = window.show_view("engagements")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.setFocus()
    # Ctrl+N opens the engagement editor (one shortcut, no ambiguity with the view's own)
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(view, "editor", None) is not None and view.editor.isVisible())
    assert view.editor.windowTitle() == "New engagement"
    view.editor.reject()

    # F5 reloads the current view, also from inside the observations view
    observations = window.show_view("observations")
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    calls = []
    original = observations.reload
    observations.reload = lambda: (calls.append(1), original())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    observations.table.setFocus()
    qtbot.keyClick(observations.table, Qt.Key.Key_F5)
    assert calls == [1]
    qtbot.waitUntil(lambda: not window.context.worker.busy)


def test_application_identity_and_icon():
    from auditdesk.ui.app import app_icon, application

    app = application()
    assert app.applicationName() == "AuditDesk"
    assert app.organizationName() == "AuditDesk"
    assert not app_icon().isNull()
    assert "QListWidget#navigation" in app.styleSheet()
    assert "@RESOURCES@" not in app.styleSheet()


def test_first_launch_on_an_empty_embedded_workspace_asks_who_and_offers_demo_data(
    qtbot, ui_settings
):
    """First start of an embedded workspace: who works here (proposed from the OS account),
    then the demo data; every change is then recorded as that person, who is asked once."""
    import tempfile
    from pathlib import Path

    from auditdesk.domain.drafts import EngagementDraft
    from auditdesk.services import engagements as engagement_service
    from auditdesk.services.workspace_person import os_account_defaults, read_person

    # Not under a private folder: the embedded server opens read permission on parents.
    workspace = Path(tempfile.mkdtemp(prefix="auditdesk-ui-ws-")) / "ws"
    profile = workspace.parent / "auditdesk.ini"
    from auditdesk.config import write_profile

    write_profile("postgresql+psycopg://someone@db.example.org/audit", profile)
    context = AppContext()
    window = MainWindow(context, ui_settings, demo_policy="ask", embedded_workspace=workspace,
                        profile_path=profile)
    qtbot.addWidget(window)
    window.show()
    try:
        window.embedded_action.trigger()  # File → Use embedded workspace
        assert "url" not in (profile.read_text() if profile.exists() else "")
        qtbot.waitUntil(lambda: window.person.dialog is not None
                        and window.person.dialog.isVisible(), timeout=120_000)
        dialog = window.person.dialog
        proposed = os_account_defaults()
        assert (dialog.name.text(), dialog.email.text()) == (proposed.display_name, proposed.email)
        assert window.demo_question is None  # one question at a time
        dialog.email.setText("not an address")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        assert dialog.isVisible() and "E-mail must be an e-mail address" in dialog.messages["email"].text()
        dialog.name.setText("Maria Rossi")
        dialog.email.setText("Maria.Rossi@Example.org")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        qtbot.waitUntil(lambda: getattr(window, "demo_question", None) is not None
                        and window.demo_question.isVisible(), timeout=120_000)
        assert context.database.embedded_server is not None
        assert window.location_label.text() == f"Embedded workspace {workspace.resolve()}"
        assert "empty" in window.demo_question.text()
        window.demo_question.button(QMessageBox.StandardButton.Yes).click()
        assert window.demo_progress is not None  # busy while loading
        qtbot.waitUntil(lambda: context.tenant is not None, timeout=300_000)
        assert window.demo_progress is None
        qtbot.waitUntil(lambda: context.user is not None, timeout=60_000)
        maria = context.user
        assert (maria.display_name, maria.email, maria.role.value) == (
            "Maria Rossi", "maria.rossi@example.org", "admin")
        assert maria.tenant_id == context.tenant.id
        assert window.user_label.text() == "Signed in: Maria Rossi (admin)"
        assert read_person(workspace.resolve()).email == "maria.rossi@example.org"
        view = window.show_view("engagements")
        qtbot.waitUntil(view.has_data)

        # A change made in the window is recorded as Maria, not as the owner role.
        done = []
        actor = context.actor
        context.worker.submit(
            lambda s: engagement_service.create(s, actor, EngagementDraft(
                code="ENG-2026-900", title="Who did it", auditee="Treasury")),
            done.append, owner=window)
        qtbot.waitUntil(lambda: bool(done), timeout=60_000)
        with context.database.sessions() as session:
            row = session.execute(text(
                "SELECT a.app_user_id, a.db_login, u.display_name FROM audit_log a "
                "JOIN app_user u ON u.tenant_id = a.tenant_id AND u.id = a.app_user_id "
                "WHERE a.table_name = 'audit_engagement' AND a.row_id = :id"),
                {"id": done[0].id}).one()
        assert (row.app_user_id, row.display_name) == (maria.id, "Maria Rossi")
        audit = window.show_view("audit_trail")
        qtbot.waitUntil(lambda: audit.has_data() and not context.worker.busy, timeout=60_000)
        assert audit.model.index(0, 1).data() == "Maria Rossi"
        with context.database.sessions() as session:
            repeat_ref = session.execute(text(
                "SELECT ref FROM observation WHERE tenant_id = :t AND repeat_of_id IS NOT NULL "
                "ORDER BY id LIMIT 1"), {"t": maria.tenant_id}).scalar_one()

        # The other tenant: Maria there too, a user of that tenant.
        other = next(t for t in context.tenants if t.id != context.tenant.id)
        window.tenant_switcher.select(other)
        qtbot.waitUntil(lambda: context.user is not None and context.user.tenant_id == other.id,
                        timeout=60_000)
        assert context.user.email == "maria.rossi@example.org"
    finally:
        window.close_database()
    assert context.database is None

    # The next start knows who works here: no question, the same user.
    again = AppContext()
    window = MainWindow(again, ui_settings, demo_policy="ask", embedded_workspace=workspace,
                        profile_path=profile)
    qtbot.addWidget(window)
    window.show()
    try:
        window.embedded_action.trigger()
        qtbot.waitUntil(lambda: again.user is not None, timeout=120_000)
        assert window.person.dialog is None
        assert again.user.id in (maria.id, context.user.id)
        with again.database.sessions() as session:
            count = session.execute(text(
                "SELECT count(*) FROM app_user WHERE email = 'maria.rossi@example.org'")).scalar_one()
        assert count == 2  # one per tenant, never a second one
    finally:
        window.close_database()

    # The command line in the same workspace records the same person.
    from auditdesk.cli import main

    tenant = next(t for t in context.tenants if t.id == maria.tenant_id)
    assert main(["--workspace", str(workspace), "--tenant", tenant.slug, "observations",
                 "repeat-of", repeat_ref, "--clear"]) == 0
    database = open_database(DatabaseSource(None, workspace, "option"))
    try:
        with database.sessions() as session:
            who = session.execute(text(
                "SELECT a.app_user_id FROM audit_log a JOIN observation o "
                "ON o.tenant_id = a.tenant_id AND o.id = a.row_id "
                "WHERE a.table_name = 'observation' AND o.ref = :ref "
                "ORDER BY a.id DESC LIMIT 1"), {"ref": repeat_ref}).scalar_one()
    finally:
        database.close()
    assert who == maria.id


def test_signed_in_user_is_shown_and_my_engagements_are_theirs(qtbot, make_window, database):
    from auditdesk.domain.enums import Role

    with database.sessions.begin() as session:
        login = session.execute(text("SELECT session_user")).scalar_one()
        other_tenant = f.tenant(session, "aaa-other")
        tenant = f.tenant(session, "zzz-mine")
        me = f.user(session, tenant.id, Role.MANAGER, name="Maria Manager")
        session.execute(text("UPDATE app_user SET db_login = :login WHERE id = :id AND tenant_id = :t"),
                        {"login": login, "id": me.id, "t": tenant.id})
        who = f.actor(tenant)
        f.engagement(session, who, code="ENG-M-001", title="Mine", lead_auditor_id=me.id)
        f.engagement(session, who, code="ENG-M-002", title="Not mine")
        f.engagement(session, f.actor(other_tenant), code="ENG-O-001", title="Other tenant")
    window = make_window()
    wait_ready(qtbot, window)
    # the login's own tenant is chosen (not the first by name)
    assert window.context.tenant.slug == "zzz-mine"
    assert window.user_label.text() == "Signed in: Maria Manager (manager)"
    view = window.show_view("my_engagements")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.record(0).code == "ENG-M-001"


def test_find_focuses_the_views_search_field(qtbot, make_window, two_tenants):
    window = make_window()
    wait_ready(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view = window.show_view("engagements")
    window.find_action.trigger()
    assert window.focusWidget() is view.search


RUN_SCRIPT = """
import argparse, json, os, signal, sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from auditdesk.ui.app import run

seen = {}

def poll():
    window = next((w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"), None)
    if window is not None and window.context.tenant is not None and not window.context.worker.busy:
        seen["window"] = window
        seen["tenant"] = window.context.tenant.slug
        os.kill(os.getpid(), signal.SIGTERM)
    else:
        QTimer.singleShot(50, poll)

QTimer.singleShot(0, poll)
code = run(argparse.Namespace(database_url=sys.argv[1], workspace=None, tenant=None))
print(json.dumps({
    "code": code,
    "tenant": seen.get("tenant"),
    "closed": seen["window"].context.database is None,
    "saved_tenant": QSettings().value("tenant"),
    "settings_file": QSettings().fileName(),
}))
"""


def test_run_opens_the_window_and_closes_the_database_on_sigterm(database, database_url, tmp_path):
    """``auditdesk gui`` end to end, in a process of its own: SIGTERM closes the window
    normally, the settings are written and the database is closed."""
    import json
    import os
    import subprocess
    import sys

    with database.sessions.begin() as session:
        f.tenant(session, "run-tenant")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    finished = subprocess.run(
        [sys.executable, "-c", RUN_SCRIPT, database_url],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["tenant"] == "run-tenant"
    assert result["closed"] is True
    assert result["saved_tenant"] == "run-tenant"
    assert result["settings_file"].startswith(str(tmp_path / "config"))


def test_loading_demo_data_twice_explains_instead_of_failing(qtbot, make_window, database):
    from auditdesk.services.demo import load_demo

    with database.sessions.begin() as session:
        load_demo(session, observations=20)
    window = make_window()
    wait_ready(qtbot, window)
    window.load_demo_data()
    qtbot.waitUntil(lambda: getattr(window, "demo_notice", None) is not None and window.demo_notice.isVisible())
    assert "already loaded" in window.demo_notice.text()
    assert not window.banner.isVisibleTo(window)
    assert window.demo_progress is None


def test_tools_menu_captures_and_backfills_through_the_dashboard(
    qtbot, make_window, two_tenants, database, monkeypatch
):
    window = make_window()
    wait_ready(qtbot, window)
    dashboard = window.views["dashboard"]
    window.capture_action.trigger()
    assert window.stack.currentWidget() is dashboard
    from sqlalchemy import text

    def snapshots() -> int:
        with database.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM dashboard_snapshot")).scalar_one()

    qtbot.waitUntil(lambda: snapshots() == 1 and not dashboard.busy, timeout=20_000)
    opened: list[bool] = []
    monkeypatch.setattr(dashboard, "backfill_with_dialog", lambda: opened.append(True))
    window.backfill_action.trigger()
    assert opened == [True]


def test_gui_exit_when_ready_opens_and_quits(database, database_url, tmp_path):
    """`auditdesk gui --exit-when-ready`: the real start path, used to time a cold start."""
    import os
    import subprocess
    import sys

    with database.sessions.begin() as session:
        f.tenant(session, "ready-tenant")
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    finished = subprocess.run(
        [sys.executable, "-m", "auditdesk", "--database-url", database_url, "gui", "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert finished.returncode == 0, finished.stderr
    failed = subprocess.run(
        [sys.executable, "-m", "auditdesk", "--database-url", "postgresql://nobody@127.0.0.1:1/none",
         "gui", "--exit-when-ready"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert failed.returncode == 1


def test_a_later_choice_of_database_wins_and_the_earlier_one_is_closed(
    qtbot, create_database, ui_settings, tmp_path, monkeypatch
):
    """Two databases chosen in quick succession: the window ends on the second, whatever
    order they finish opening in, and the first is closed rather than left open."""
    import auditdesk.db.connection as connection

    first_url, second_url = create_database("auditdesk_first"), create_database("auditdesk_second")
    opened: list = []
    closed: list = []
    real_open, real_close = connection.open_database, connection.Database.close

    def recording_open(source, **options):
        database = real_open(source, **options)
        opened.append(database)
        return database

    def recording_close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(connection, "open_database", recording_open)
    monkeypatch.setattr(connection.Database, "close", recording_close)
    context = AppContext()
    window = MainWindow(context, ui_settings, demo_policy="never", profile_path=tmp_path / "p.ini")
    qtbot.addWidget(window)
    try:
        window.open_source(DatabaseSource(first_url, None, "option"))
        window.open_source(DatabaseSource(second_url, None, "option"))
        qtbot.waitUntil(lambda: len(opened) == 2 and not window.context.worker.busy, timeout=120_000)
        qtbot.waitUntil(lambda: len(closed) == 1, timeout=30_000)
        assert context.database is not None and context.database.source.url == second_url
        assert [database.source.url for database in closed] == [first_url]
    finally:
        window.close_database()


def test_a_status_message_is_shown_whole_at_1280(qtbot, make_window, two_tenants, qapp):
    from auditdesk.ui.theme import style_sheet

    previous = qapp.styleSheet()
    qapp.setStyleSheet(style_sheet())
    try:
        window = make_window()
        window.resize(1280, 800)
        wait_ready(qtbot, window)
        status = window.status
        status.location_label.setText("Embedded workspace /home/maria.rossi/.local/share/auditdesk/workspace")
        status.user_label.setText("Signed in: Maria Rossi-Lindqvist (manager)")
        bar = window.statusBar()
        message = ("Backfilled 1 Dec 2024 – 1 Dec 2026: 731 day(s) written; "
                   "kept 1 captured day(s).")
        window.context.status_message.emit(message)
        assert bar.currentMessage() == message
        shown = [w for w in (status.location_label, status.user_label, status.schema_label,
                             status.tenant_status) if w.isVisible()]
        left_edge = min((w.geometry().left() for w in shown), default=bar.width())
        assert bar.fontMetrics().horizontalAdvance(message) + 12 <= left_edge
        assert status.location_label.isHidden()  # the location steps aside first
        bar.clearMessage()
        assert status.location_label.isVisible() and status.user_label.isVisible()
    finally:
        qapp.setStyleSheet(previous)


def test_views_show_what_others_wrote_meanwhile_when_they_open(qtbot, make_window, two_tenants, database):
    """The audit trail and the dashboard, opened again, show the changes made meanwhile by
    the CLI (another process: nothing is announced to this window), without F5."""
    from datetime import timedelta

    from auditdesk.services import snapshots as snapshot_service

    window = make_window()
    wait_ready(qtbot, window)
    tenant = window.context.tenant
    audit = window.show_view("audit_trail")
    qtbot.waitUntil(lambda: audit.has_data() and not window.context.worker.busy)
    refs_before = {audit.model.index(r, 3).data() for r in range(audit.model.rowCount())}
    dashboard = window.show_view("dashboard")
    qtbot.waitUntil(lambda: dashboard.data is not None and not window.context.worker.busy)
    assert not dashboard.has_data()
    window.show_view("engagements")

    with database.sessions.begin() as session:  # what `auditdesk observation add` does
        made = f.observation(session, f.actor(tenant), title="Written by the command line")
        today = snapshot_service.today(session)
        snapshot_service.backfill(session, today - timedelta(days=5), today, tenant_id=tenant.id)

    audit = window.show_view("audit_trail")
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    refs = {audit.model.index(r, 3).data() for r in range(audit.model.rowCount())}
    assert made.ref not in refs_before and made.ref in refs
    dashboard = window.show_view("dashboard")
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    assert dashboard.has_data() and dashboard.plotted_points()["severity"] == 6
