"""Connect to server…: the URL built from the fields, Test connection off the GUI thread
with the server's own reason on failure, a saved profile without the password, and
the way back to the embedded workspace."""

from __future__ import annotations

import configparser

import pytest
from sqlalchemy.engine import make_url

from auditdesk.config import read_profile, write_profile
from auditdesk.ui.dialogs.connection import ConnectionDialog


@pytest.fixture
def dialog(qtbot, tmp_path):
    widget = ConnectionDialog(profile_path=tmp_path / "auditdesk.ini")
    qtbot.addWidget(widget)
    return widget


def fill(dialog, url: str) -> None:
    dialog.set_url(url)


def test_fields_build_the_url(dialog):
    dialog.host.setText("db.example.org")
    dialog.port.setValue(6543)
    dialog.database.setText("audit")
    dialog.user.setText("alice")
    dialog.password.setText("s3cret")
    dialog.ssl_mode.setCurrentText("require")
    url = make_url(dialog.url())
    assert (url.host, url.port, url.database, url.username, url.password) == (
        "db.example.org", 6543, "audit", "alice", "s3cret",
    )
    assert url.query["sslmode"] == "require"
    assert make_url(dialog.url(with_password=False)).password is None


def test_unix_socket_folder_and_default_port_round_trip(dialog):
    dialog.set_url("postgresql://bob@/audit?host=/run/postgresql&sslmode=disable")
    assert dialog.host.text() == "/run/postgresql"
    assert dialog.port.text() == "default (5432)"
    url = make_url(dialog.url())
    assert url.host is None and url.port is None and url.query["host"] == "/run/postgresql"


def test_test_connection_succeeds_against_the_test_server(qtbot, dialog, database_url):
    fill(dialog, database_url)
    with qtbot.waitSignal(dialog.tested, timeout=60_000) as result:
        dialog.test_button.click()
    ok, message = result.args
    assert ok, message
    assert "PostgreSQL" in message
    assert dialog.result_label.text().startswith("Connected")


def test_test_connection_shows_the_servers_reason(qtbot, dialog, server_url):
    fill(dialog, make_url(server_url).set(database="no_such_db_xyz").render_as_string(hide_password=False))
    with qtbot.waitSignal(dialog.tested, timeout=60_000) as result:
        dialog.test_button.click()
    ok, message = result.args
    assert not ok
    assert 'database "no_such_db_xyz" does not exist' in message
    assert dialog.result_label.text() == f"Connection failed: {message}"
    assert dialog.test_button.isEnabled()


def test_missing_fields_are_named(dialog):
    dialog.host.clear()
    dialog.user.clear()
    dialog.test_connection()
    assert dialog.result_label.text() == "Please fill in: host, user."
    dialog.connect_clicked()
    assert dialog.result() == 0  # not accepted


def test_saved_profile_never_holds_the_password(dialog, tmp_path):
    dialog.host.setText("db.example.org")
    dialog.database.setText("audit")
    dialog.user.setText("alice")
    dialog.password.setText("TopSecret-123")
    dialog.connect_clicked()
    assert dialog.result() == ConnectionDialog.DialogCode.Accepted
    assert "TopSecret-123" in dialog.url()  # in memory for this session only
    path = tmp_path / "auditdesk.ini"
    content = path.read_text()
    assert "TopSecret-123" not in content
    parser = configparser.ConfigParser()
    parser.read(path)
    saved = make_url(parser.get("server", "url"))
    assert (saved.host, saved.username, saved.password) == ("db.example.org", "alice", None)


def test_saved_profile_fills_the_form_next_time(qtbot, tmp_path):
    path = tmp_path / "auditdesk.ini"
    write_profile("postgresql+psycopg://carol@db.internal:5433/audit?sslmode=verify-full", path)
    dialog = ConnectionDialog(profile_path=path)
    qtbot.addWidget(dialog)
    assert dialog.host.text() == "db.internal"
    assert dialog.port.value() == 5433
    assert dialog.user.text() == "carol"
    assert dialog.ssl_mode.currentText() == "verify-full"
    assert dialog.password.text() == ""


def test_a_broken_profile_leaves_the_form_empty_and_saving_replaces_it(qtbot, tmp_path):
    path = tmp_path / "auditdesk.ini"
    path.write_text("url = postgresql://carol@db.internal/audit\n")  # no [server] header
    dialog = ConnectionDialog(profile_path=path)
    qtbot.addWidget(dialog)
    assert dialog.host.text() == "" and dialog.user.text() == ""
    write_profile("postgresql+psycopg://carol@db.internal/audit", path)
    assert read_profile([path])["url"] == "postgresql+psycopg://carol@db.internal/audit"


def test_back_to_the_embedded_workspace_removes_the_profile(qtbot, tmp_path):
    path = tmp_path / "auditdesk.ini"
    write_profile("postgresql+psycopg://carol@db.internal/audit", path)
    dialog = ConnectionDialog(profile_path=path)
    qtbot.addWidget(dialog)
    dialog.embedded_button.click()
    assert dialog.use_embedded
    assert dialog.result() == ConnectionDialog.DialogCode.Accepted
    assert read_profile([path]) == {}


def test_connect_from_the_main_window_switches_database(qtbot, database, database_url, tmp_path, ui_settings, monkeypatch):
    import factories as f
    from PySide6.QtWidgets import QDialog

    from auditdesk.ui.context import AppContext
    from auditdesk.ui.main_window import MainWindow

    with database.sessions.begin() as session:
        f.tenant(session, "remote")
    context = AppContext()
    window = MainWindow(context, ui_settings, profile_path=tmp_path / "auditdesk.ini")
    qtbot.addWidget(window)

    def accept_with_test_server(self):
        self.set_url(database_url)
        self.save_profile.setChecked(False)
        self.connect_clicked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConnectionDialog, "exec", accept_with_test_server)
    window.connect_action.trigger()
    try:
        qtbot.waitUntil(lambda: context.tenant is not None, timeout=60_000)
        assert context.tenant.slug == "remote"
        assert window.location_label.text() == context.database.location
        assert not (tmp_path / "auditdesk.ini").exists()
    finally:
        window.close_database()
