"""``auditdesk snapshot capture|backfill`` and ``auditdesk trend ...`` end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from auditdesk.cli import main
from auditdesk.data import snapshots as data
from auditdesk.db.models import TenantRow

_refs = iter(range(1, 10**9))


def add_tenant(session, slug: str) -> int:
    row = TenantRow(slug=slug, name=slug.title())
    session.add(row)
    session.flush()
    return row.id


def add_obs(session, tenant_id, status, severity, identified, due=None, closed=None) -> None:
    session.execute(
        text(
            "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, "
            "due_date, closed_at) VALUES (:t, :ref, 'Finding', :sev, :status, :ident, :due, :closed)"
        ),
        {
            "t": tenant_id,
            "ref": f"OBS-{next(_refs):06d}",
            "sev": severity,
            "status": status,
            "ident": identified,
            "due": due,
            "closed": closed,
        },
    )


@pytest.fixture
def tenants(database):
    """Two tenants with findings; returns (acme id, globex id, today)."""
    with database.sessions.begin() as session:
        today = data.today(session)
        acme = add_tenant(session, "acme")
        globex = add_tenant(session, "globex")
        week_ago = today - timedelta(days=7)
        add_obs(session, acme, "open", "critical", week_ago, today - timedelta(days=1))
        add_obs(session, acme, "in_remediation", "high", week_ago)
        add_obs(
            session, acme, "closed", "low", week_ago, today,
            datetime.combine(today - timedelta(days=2), datetime.min.time(), UTC),
        )
        add_obs(session, acme, "draft", "medium", week_ago)
        add_obs(session, globex, "open", "medium", today)
    return acme, globex, today


def run(capsys, database_url, *args):
    code = main([*args, "--database-url", database_url])
    out, err = capsys.readouterr()
    return code, out, err


def test_capture_every_tenant_as_json(tenants, database_url, capsys, database):
    acme, globex, today = tenants
    code, out, err = run(capsys, database_url, "snapshot", "capture", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert [p["tenant"] for p in payload] == ["acme", "globex"]
    first = payload[0]
    assert first["date"] == today.isoformat() and first["source"] == "captured"
    assert (first["total"], first["open_total"], first["overdue"], first["closed_total"]) == (3, 2, 1, 1)
    assert (first["open_critical"], first["open_high"]) == (1, 1)
    assert first["compliance_rate"] == 0.5  # the closed one on time, the critical one late
    assert payload[1]["total"] == 1 and payload[1]["compliance_rate"] is None
    # again: same rows updated, not added
    assert run(capsys, database_url, "snapshot", "capture", "--json")[0] == 0
    with database.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM dashboard_snapshot")).scalar_one() == 2


def test_capture_one_tenant_in_text(tenants, database_url, capsys, database):
    acme, globex, today = tenants
    code, out, err = run(capsys, database_url, "snapshot", "capture", "--tenant", "globex")
    assert code == 0, err
    assert out.strip() == (
        f"captured globex {today.isoformat()}: 1 findings, open 1 (critical 0, high 0, "
        "medium 1, low 0), overdue 0, closed 0, open repeats 0, compliance n/a (nothing due)"
    )
    with database.sessions() as session:
        assert [s.tenant_id for s in data.list_snapshots(session, globex)] == [globex]
        assert data.list_snapshots(session, acme) == []


def test_capture_errors_are_one_line(tenants, database_url, capsys):
    code, out, err = run(capsys, database_url, "snapshot", "capture", "--tenant", "nope")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("auditdesk: error: No tenant 'nope' (known tenants: ")


def test_capture_without_tenants(database, database_url, capsys):
    code, _, err = run(capsys, database_url, "snapshot", "capture")
    assert code == 1
    assert err == (
        "auditdesk: error: The database has no tenant yet; run `auditdesk demo` to load demo data.\n"
    )


def test_backfill_then_keep_then_overwrite(tenants, database_url, capsys, database):
    acme, globex, today = tenants
    start = (today - timedelta(days=3)).isoformat()
    assert run(capsys, database_url, "snapshot", "capture", "--tenant", "acme")[0] == 0
    code, out, err = run(capsys, database_url, "snapshot", "backfill", "--from", start, "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "from": start,
        "to": today.isoformat(),
        "tenants": ["acme", "globex"],
        "days": 4,
        "written": 7,
        "kept_captured": 1,
    }
    code, out, _ = run(capsys, database_url, "snapshot", "backfill", "--from", start)
    assert out.strip() == (
        f"backfilled {start} to {today.isoformat()} (4 days, 2 tenants): 7 rows written, "
        "1 captured days kept (--overwrite rebuilds them)"
    )
    code, out, _ = run(
        capsys, database_url, "snapshot", "backfill", "--from", start, "--to", start,
        "--tenant", "acme", "--overwrite", "--json",
    )
    assert code == 0 and json.loads(out)["written"] == 1
    with database.sessions() as session:
        rows = data.list_snapshots(session, acme)
        assert [(r.snapshot_date, r.source.value) for r in rows] == [
            (today - timedelta(days=n), "backfilled" if n else "captured") for n in (3, 2, 1, 0)
        ]
        # acme three days ago: three findings, all open (the closure came later)
        assert (rows[0].total, rows[0].open_total, rows[0].closed_total) == (3, 3, 0)
        assert (rows[-1].open_total, rows[-1].closed_total) == (2, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--from DATE is required (YYYY-MM-DD)"),
        (["--from", "2025-02-30"], "--from: '2025-02-30' is not a date (use YYYY-MM-DD)"),
        (["--from", "2025-01-01", "--to", "soon"], "--to: 'soon' is not a date (use YYYY-MM-DD)"),
        (["--from", "2025-01-05", "--to", "2025-01-01"], "from: 2025-01-05 is after 2025-01-01"),
        (["--from", "2025-01-01", "--to", "2999-01-01"], "to: 2999-01-01 is in the future"),
        (["--from", "2025-01-01", "--tenant", "nope"], "No tenant 'nope'"),
    ],
)
def test_backfill_errors_are_one_line(tenants, database_url, capsys, database, args, message):
    code, out, err = run(capsys, database_url, "snapshot", "backfill", *args)
    assert code == 1 and out == ""
    assert err.startswith("auditdesk: error: ") and err.count("\n") == 1
    assert message in err
    with database.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM dashboard_snapshot")).scalar_one() == 0


def test_trend_series_as_json(tenants, database_url, capsys, database):
    acme, globex, today = tenants
    start = today - timedelta(days=9)
    with database.sessions.begin() as session:  # a backfill starts no earlier than a finding
        add_obs(session, acme, "draft", "low", start)  # drafts count in no figure
    assert run(capsys, database_url, "snapshot", "backfill", "--from", start.isoformat())[0] == 0
    code, out, err = run(
        capsys, database_url, "trend", "severity", "--tenant", "acme", "--json",
        "--from", start.isoformat(), "--to", today.isoformat(),
    )
    assert code == 0, err
    points = json.loads(out)
    assert [p["date"] for p in points] == [(start + timedelta(days=n)).isoformat() for n in range(10)]
    assert set(points[0]) == {"date", "critical", "high", "medium", "low", "open_total"}
    assert points[0]["open_total"] == 0 and points[-1] == {
        "date": today.isoformat(), "critical": 1, "high": 1, "medium": 0, "low": 0, "open_total": 2,
    }

    code, out, _ = run(capsys, database_url, "trend", "compliance", "--tenant", "acme", "--json")
    rates = [p["compliance_rate"] for p in json.loads(out)]
    assert rates[:-2] == [None] * 8 and rates[-2:] == [0.0, 0.5]  # nothing due: null, not 0

    code, out, _ = run(
        capsys, database_url, "trend", "overdue", "--tenant", "acme", "--granularity", "month",
        "--json",
    )
    monthly = json.loads(out)
    assert monthly[-1] == {"date": today.isoformat(), "overdue": 1, "open_total": 2}
    assert len(monthly) == len({(start + timedelta(days=n)).strftime("%Y-%m") for n in range(10)})

    code, out, _ = run(
        capsys, database_url, "trend", "repeats", "--tenant", "globex", "--granularity", "week",
        "--json",
    )
    weekly = json.loads(out)
    assert weekly[-1] == {"date": today.isoformat(), "repeat_open": 0, "open_total": 1}
    iso_weeks = {(start + timedelta(days=n)).isocalendar()[:2] for n in range(10)}
    assert len(weekly) == len(iso_weeks)


def test_trend_text_and_empty_range(tenants, database_url, capsys):
    acme, globex, today = tenants
    assert run(capsys, database_url, "snapshot", "capture")[0] == 0
    code, out, _ = run(capsys, database_url, "trend", "compliance", "--tenant", "acme")
    assert out.splitlines() == ["date        compliance_rate", f"{today.isoformat()}  50.0%"]
    code, out, _ = run(
        capsys, database_url, "trend", "overdue", "--tenant", "acme", "--from", "2001-01-01",
        "--to", "2001-12-31",
    )
    assert code == 0 and "No snapshots for acme in that range" in out
    code, out, _ = run(
        capsys, database_url, "trend", "overdue", "--tenant", "acme", "--from", "2001-01-01",
        "--to", "2001-12-31", "--json",
    )
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["severity", "--tenant", "acme", "--granularity", "year"],
         "--granularity: 'year' is not one of day, week, month"),
        (["severity", "--tenant", "acme", "--from", "yesterday"],
         "--from: 'yesterday' is not a date (use YYYY-MM-DD)"),
        (["overdue", "--tenant", "acme", "--from", "2025-02-01", "--to", "2025-01-01"],
         "--to 2025-01-01 is before --from 2025-02-01"),
        (["repeats"], "Several tenants exist; choose one with --tenant SLUG (acme, globex)."),
        (["compliance", "--tenant", "nope"], "No tenant 'nope'"),
    ],
)
def test_trend_errors_are_one_line(tenants, database_url, capsys, args, message):
    code, out, err = run(capsys, database_url, "trend", *args)
    assert code == 1 and out == ""
    assert err.startswith("auditdesk: error: ") and err.count("\n") == 1
    assert message in err


def test_trend_needs_a_series(tenants, database_url, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["trend", "velocity", "--database-url", database_url])
    assert exit_info.value.code == 2
    assert "invalid choice: 'velocity'" in capsys.readouterr().err

