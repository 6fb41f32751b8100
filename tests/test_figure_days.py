"""The dashboard's figures per day kept by triggers (migration 0022) equal the figures
computed over every current row, through every way the rows change."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from sqlalchemy import text

from auditdesk.data import snapshots as data
from auditdesk.data.figure_days import recompute_figure_days
from auditdesk.data.metrics import COUNTER_NAMES
from auditdesk.services import lineage as lineage_service

TODAY = date.today()
DAYS = (TODAY - timedelta(days=400), TODAY - timedelta(days=40), TODAY - timedelta(days=1), TODAY,
        TODAY + timedelta(days=30))


def _agree(database, tenant_id: int) -> None:
    with database.sessions() as s:
        for day in DAYS:
            stored = data.compute_metrics(s, tenant_id, day)
            assert stored == data.compute_metrics_from_rows(s, tenant_id, day), day


def _owner(database, sql: str, **params) -> None:
    with database.engine.begin() as c:
        c.execute(text(sql), params)


def test_the_stored_days_follow_every_change_of_the_findings(database):
    with database.sessions.begin() as s:
        t = f.tenant(s, time_zone="Pacific/Auckland")
        other = f.tenant(s)
        a = f.actor(t)
        old = TODAY - timedelta(days=500)
        made = []
        for n, severity in enumerate(("critical", "high", "medium", "low") * 3):
            made.append(f.observation(
                s, a, severity=severity, identified_on=old + timedelta(days=40 * n),
                due_date=old + timedelta(days=40 * n + 60) if n % 3 else None))
        f.observation(s, a, status="draft", identified_on=old)
        f.observation(s, f.actor(other), identified_on=old)
        f.walk(s, a, made[0].id, "closed")
        f.walk(s, a, made[1].id, "risk_accepted")
        f.walk(s, a, made[2].id, "in_remediation")
        lineage_service.set_repeat_of(s, a, made[5].id, made[4].id)
    _agree(database, t.id)
    ids = [m.id for m in made]
    # every state column, one at a time, as a login or a direct write may change it
    _owner(database, "UPDATE observation SET severity = 'low' WHERE id = :id", id=ids[3])
    _agree(database, t.id)
    _owner(database, "UPDATE observation SET due_date = :d WHERE id = :id", d=TODAY - timedelta(days=3), id=ids[4])
    _agree(database, t.id)
    _owner(database, "UPDATE observation SET due_date = NULL WHERE id = :id", id=ids[5])
    _agree(database, t.id)
    _owner(database, "UPDATE observation SET identified_on = identified_on - 45 WHERE id = :id", id=ids[6])
    _agree(database, t.id)
    _owner(database, "UPDATE observation SET closed_at = closed_at - interval '90 days' WHERE id = :id", id=ids[0])
    _agree(database, t.id)
    with database.sessions.begin() as s:
        lineage_service.set_repeat_of(s, a, ids[5], None)
        lineage_service.set_repeat_of(s, a, ids[7], ids[3])
        f.walk(s, a, ids[8], "closed")
    _agree(database, t.id)
    # a statement over many rows, a delete, an insert of many rows at once
    _owner(database, "UPDATE observation SET status = 'draft' WHERE tenant_id = :t AND id = ANY(:ids)",
           t=t.id, ids=ids[9:11])
    _agree(database, t.id)
    _owner(database, "DELETE FROM observation WHERE id = :id", id=ids[2])
    _agree(database, t.id)
    _owner(database, "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, due_date) "
           "SELECT :t, 'OBS-BULK-' || n, 'Bulk ' || n, 'high', 'open', :d, :d + n "
           "FROM generate_series(1, 25) n", t=t.id, d=TODAY - timedelta(days=20))
    _agree(database, t.id)
    # an edit that changes no state adds no day
    with database.engine.connect() as c:
        before = c.execute(text("SELECT count(*), sum(total) FROM tenant_figure_day")).one()
    _owner(database, "UPDATE observation SET management_response = 'Noted' WHERE tenant_id = :t", t=t.id)
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*), sum(total) FROM tenant_figure_day")).one() == before
    # another time zone moves the day each finding was closed: the tenant is recomputed
    _owner(database, "UPDATE tenant SET time_zone = 'Pacific/Pago_Pago' WHERE id = :t", t=t.id)
    _agree(database, t.id)
    _agree(database, other.id)


def test_a_recompute_gives_the_days_the_triggers_kept_and_the_columns_are_the_counters(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        for n in range(6):
            o = f.observation(s, a, identified_on=TODAY - timedelta(days=30 * n),
                              due_date=TODAY - timedelta(days=10 * n))
            if n % 2:
                f.walk(s, a, o.id, "closed")
    query = text("SELECT * FROM tenant_figure_day WHERE tenant_id = :t ORDER BY day")
    with database.engine.connect() as c:
        kept = c.execute(query, {"t": t.id}).all()
        columns = c.execute(query, {"t": t.id}).keys()
    assert tuple(columns)[2:] == COUNTER_NAMES
    with database.engine.begin() as c:
        recompute_figure_days(c, t.id)
    with database.engine.connect() as c:
        rebuilt = c.execute(query, {"t": t.id}).all()
    nonzero = [r for r in kept if any(r[2:])]
    assert rebuilt == nonzero and rebuilt
