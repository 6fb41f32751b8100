"""Runaway input is refused before anything is written, a vanished client's statement is
abandoned by the server, and every error is a bounded line of words."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.cli import main
from auditdesk.data import snapshots as snapshot_data
from auditdesk.db.engine import make_engine
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.limits import (
    MAX_DEMO_OBSERVATIONS,
    check_backfill_start,
    check_demo_observations,
    earliest_backfill_day,
)
from auditdesk.domain.messages import elide, one_line
from auditdesk.services.demo import load_demo
from auditdesk.services.errors import user_message
from auditdesk.services.snapshots import backfill, backfill_start_bound


def count(database, table: str) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def run(capsys, database_url, *args):
    code = main([*args, "--database-url", database_url])
    out, err = capsys.readouterr()
    return code, out, err


# --- demo size ----------------------------------------------------------------------------

def test_demo_size_is_bounded_in_the_domain():
    check_demo_observations(MAX_DEMO_OBSERVATIONS)  # the bound itself is allowed
    with pytest.raises(ValidationError, match="at most 10,000,000"):
        check_demo_observations(MAX_DEMO_OBSERVATIONS + 1)
    with pytest.raises(ValidationError, match="zero or more"):
        check_demo_observations(-1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000000000000000000000000000000", "must be at most 10,000,000"),
        ("10_000_001", "must be at most 10,000,000"),
        ("9" * 5000, "not a whole number"),  # beyond Python's int-parsing limit
    ],
)
def test_demo_refuses_a_runaway_size_and_writes_nothing(database, database_url, capsys, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--observations", value, "--database-url", database_url])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert message in err and len(err.splitlines()[-1]) < 400
    assert count(database, "tenant") == 0


def test_the_demo_service_refuses_too(database):
    with pytest.raises(ValidationError, match="at most 10,000,000"):
        load_demo(database.engine, observations=MAX_DEMO_OBSERVATIONS + 1)
    assert count(database, "tenant") == 0 and count(database, "observation") == 0


# --- backfill range -----------------------------------------------------------------------

def test_backfill_start_rules():
    today = date(2026, 6, 1)
    first = date(2019, 3, 2)
    check_backfill_start(first, today, first)
    with pytest.raises(ValidationError, match="before the first finding"):
        check_backfill_start(first - timedelta(days=1), today, first)
    with pytest.raises(ValidationError, match="more than 20 years ago"):
        check_backfill_start(date(1, 1, 1), today, date(1, 1, 1))
    with pytest.raises(ValidationError, match="no findings yet"):
        check_backfill_start(today, today, None)
    assert earliest_backfill_day(date(2120, 2, 29)) == date(2100, 2, 28)


@pytest.fixture
def old_tenant(database):
    """A tenant whose first finding was identified 25 years ago."""
    with database.sessions.begin() as session:
        tenant = f.tenant(session, "acme")
        today = snapshot_data.today(session)
        first = today - timedelta(days=25 * 366)
        f.observation(session, f.actor(tenant), identified_on=first)
        f.observation(session, f.actor(tenant), identified_on=today - timedelta(days=3))
    return tenant, first, today


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("0001-01-01", "more than 20 years ago"),
        ("1990-01-01", "more than 20 years ago"),
    ],
)
def test_backfill_cli_refuses_a_runaway_range_and_writes_nothing(
    old_tenant, database, database_url, capsys, start, message
):
    code, out, err = run(capsys, database_url, "snapshot", "backfill", "--from", start)
    assert code == 1 and out == ""
    assert err.startswith("auditdesk: error: ") and err.count("\n") == 1 and message in err
    assert count(database, "dashboard_snapshot") == 0


def test_backfill_refuses_a_start_before_the_first_finding(database, database_url, capsys):
    with database.sessions.begin() as session:
        tenant = f.tenant(session, "acme")
        today = snapshot_data.today(session)
        f.observation(session, f.actor(tenant), identified_on=today - timedelta(days=10))
    start = (today - timedelta(days=11)).isoformat()
    code, _, err = run(capsys, database_url, "snapshot", "backfill", "--from", start)
    assert code == 1
    assert f"before the first finding ({(today - timedelta(days=10)).isoformat()})" in err
    assert count(database, "dashboard_snapshot") == 0
    code, _, err = run(
        capsys, database_url, "snapshot", "backfill", "--from", (today - timedelta(days=10)).isoformat()
    )
    assert code == 0, err
    assert count(database, "dashboard_snapshot") == 11
    with database.sessions() as session:
        assert backfill_start_bound(session) == today - timedelta(days=10)


def test_backfill_of_twenty_years_is_allowed(old_tenant, database):
    tenant, _, today = old_tenant
    start = earliest_backfill_day(today)
    with database.sessions.begin() as session:
        result = backfill(session, start, today, tenant_id=tenant.id).value
    assert result.written == (today - start).days + 1
    with database.sessions.begin() as session, pytest.raises(ValidationError):
        backfill(session, start - timedelta(days=1), today, tenant_id=tenant.id)
    with database.sessions() as session:
        assert backfill_start_bound(session, tenant_id=tenant.id) == start


# --- a vanished client's statement is abandoned -----------------------------------------

def test_connections_check_that_their_client_is_still_there(database):
    with database.engine.connect() as connection:
        setting = connection.execute(text("SHOW client_connection_check_interval")).scalar_one()
    assert setting == "5s"


def test_the_server_abandons_a_statement_when_its_client_is_killed(database_url):
    name = f"auditdesk-vanish-{uuid.uuid4().hex[:8]}"
    script = (
        "import sys; from sqlalchemy import text; from auditdesk.db.engine import make_engine;"
        f"engine = make_engine(sys.argv[1], application_name={name!r});"
        "connection = engine.connect(); print('connected', flush=True);"
        "connection.execute(text('SELECT pg_sleep(600)'))"
    )
    observer = make_engine(database_url)
    child = subprocess.Popen(
        [sys.executable, "-c", script, database_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "connected"

        def backends() -> list[str]:
            with observer.connect() as connection:
                return list(connection.execute(
                    text("SELECT state FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": name},
                ).scalars())

        deadline = time.monotonic() + 60
        while backends() != ["active"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert backends() == ["active"]  # the ten-minute sleep is running
        child.kill()
        child.wait()
        # The backend notices within the check interval (5 s); without it, it would sleep on.
        deadline = time.monotonic() + 120
        while backends() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert backends() == []
    finally:
        if child.poll() is None:
            child.kill()
        observer.dispose()


# --- errors in words, bounded -------------------------------------------------------------

def test_an_unsupported_driver_is_named_in_words(capsys):
    code = main(["--database-url", "postgresql+pg8000://someone@localhost/audit", "db", "status"])
    err = capsys.readouterr().err
    assert code == 1
    assert "ModuleNotFoundError" not in err and "pg8000" in err and "psycopg" in err
    assert err.count("\n") == 1


def test_invalid_bytes_in_an_argument_are_refused_in_words(database_url):
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "auditdesk", "--database-url", database_url, "lineage", b"OBS-\xff"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 2
    assert "UnicodeEncodeError" not in result.stderr and "Traceback" not in result.stderr
    assert "not valid UTF-8" in result.stderr and "OBS-\\xff" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_broken_profile_is_named_in_words(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("AUDITDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("AUDITDESK_WORKSPACE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    profile = tmp_path / "auditdesk" / "auditdesk.ini"
    profile.parent.mkdir()
    profile.write_text("url = postgresql://someone@db/audit\n")
    code = main(["db", "status"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert "MissingSectionHeaderError" not in err
    assert str(profile) in err and "[section]" in err


def test_a_huge_ref_is_not_echoed_back(database, database_url, capsys):
    with database.sessions.begin() as session:
        f.tenant(session, "acme")
    code, out, err = run(capsys, database_url, "lineage", "A" * 100_000)
    assert code == 1 and out == ""
    assert err.startswith("auditdesk: error: No observation AAAA")
    assert "characters left out" in err and len(err) < 400 and err.count("\n") == 1


def test_a_huge_usage_error_is_cut(capsys):
    with pytest.raises(SystemExit):
        main(["trend", "x" * 100_000])
    last = capsys.readouterr().err.splitlines()[-1]
    assert "characters left out" in last and len(last) < 400


def test_unexpected_errors_are_described_in_words():
    assert user_message(UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")) == (
        "Some text is not valid UTF-8 (check the arguments, settings and files used)."
    )
    assert "RuntimeError" not in user_message(RuntimeError("boom"))
    long = user_message(ValidationError({"ref": "x" * 100_000}))
    assert len(long) < 500 and "characters left out" in long


def test_messages_are_one_bounded_line():
    assert elide("short", 10) == "short"
    cut = elide("a" * 1000, 100)
    assert cut.startswith("a" * 66) and cut.endswith("a" * 25) and "909 characters left out" in cut
    assert one_line("two\nlines") == "two lines"
    assert one_line("OBS-\udcff") == "OBS-\\xff"
