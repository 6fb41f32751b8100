"""``auditdesk admin``: people get their own PostgreSQL login, role and group; the
password comes from a prompt or standard input, never the command line."""

from __future__ import annotations

import io
import json
import uuid

import factories as f
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from auditdesk.cli import main


@pytest.fixture
def logins(database):
    """Login names for this test (cluster-wide, so unique per run), dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    made: list[str] = []

    def name(base: str) -> str:
        made.append(f"{base}_{suffix}")
        return made[-1]

    yield name
    with database.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT")
        for login in made:
            c.execute(text(f'DROP ROLE IF EXISTS "{login}"'))


@pytest.fixture
def tenant(database):
    with database.sessions.begin() as s:
        return f.tenant(s, "northwind")


def _run(database_url, monkeypatch, capsys, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--database-url", database_url, "--tenant", "northwind", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _connect(database_url: str, login: str, password: str) -> psycopg.Connection:
    url = make_url(database_url).set(drivername="postgresql", username=None, password=None)
    return psycopg.connect(url.render_as_string(), user=login, password=password)


def test_create_user_makes_a_login_that_signs_in_with_its_role(
    database, database_url, tenant, logins, monkeypatch, capsys
):
    login = logins("ana")
    code, out, err = _run(
        database_url, monkeypatch, capsys,
        "admin", "create-user", "ana@northwind.example", "--name", "Ana Lima",
        "--role", "manager", "--login", login, stdin="correct horse battery\n",
    )
    assert code == 0, err
    assert login in out and "manager" in out
    with _connect(database_url, login, "correct horse battery") as c:
        me = c.execute(
            "SELECT email, role, tenant_id FROM app_user WHERE db_login = session_user"
        ).fetchone()
        assert me == ("ana@northwind.example", "manager", tenant.id)
        assert c.execute("SHOW lock_timeout").fetchone() == ("5s",)


def test_set_role_disable_and_list(database, database_url, tenant, logins, monkeypatch, capsys):
    login = logins("bo")
    assert _run(database_url, monkeypatch, capsys, "admin", "create-user", "bo@northwind.example",
                "--name", "Bo", "--role", "auditor", "--login", login,
                stdin="a long enough secret\n")[0] == 0
    assert _run(database_url, monkeypatch, capsys, "admin", "set-role",
                "bo@northwind.example", "admin")[0] == 0
    with _connect(database_url, login, "a long enough secret") as c:
        assert c.execute("SELECT public.auditdesk_login_role()").fetchone() == ("admin",)
    code, out, _ = _run(database_url, monkeypatch, capsys, "admin", "disable-user",
                        "bo@northwind.example")
    assert code == 0 and "no longer sign in" in out
    with pytest.raises(psycopg.OperationalError):
        _connect(database_url, login, "a long enough secret")
    code, out, _ = _run(database_url, monkeypatch, capsys, "--json", "admin", "list-users")
    assert code == 0
    assert json.loads(out) == [
        {"email": "bo@northwind.example", "name": "Bo", "role": "admin", "login": login,
         "active": False}
    ]
    # History stays: the audit trail still names the person.
    with database.engine.connect() as c:
        actions = c.execute(
            text("SELECT action FROM audit_log WHERE table_name = 'app_user' ORDER BY id")
        ).scalars().all()
    assert actions == ["insert", "update", "update"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "owner"], "long enough secret\n", "invalid choice"),
        (["--role", "auditor"], "short\n", "password: must be 10 to 200 characters"),
        (["--role", "auditor"], "", "No password"),
        (["--role", "auditor", "--login", "Robert'); DROP TABLE x;--"], "long enough secret\n",
         "login: use 1 to 63 lowercase letters"),
        (["--role", "auditor", "--login", "postgres"], "long enough secret\n",
         "already exists"),
    ],
)
def test_bad_input_gets_one_clear_message_and_changes_nothing(
    database, database_url, tenant, monkeypatch, capsys, args, stdin, message
):
    with pytest.raises(SystemExit) if "invalid choice" in message else _nothing():
        code, out, err = _run(
            database_url, monkeypatch, capsys, "admin", "create-user", "cy@northwind.example",
            "--name", "Cy", *args, stdin=stdin,
        )
        assert code == 1 and message in err, err
        assert "Traceback" not in err and "Error:" not in err.replace("error:", "")
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM app_user")).scalar_one() == 0


def test_the_password_is_never_an_argument(database_url, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        main(["admin", "create-user", "x@y.z", "--name", "X", "--role", "auditor",
              "--password", "secret"])
    assert "unrecognized arguments: --password" in capsys.readouterr().err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
