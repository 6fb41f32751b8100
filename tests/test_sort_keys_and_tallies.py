"""Stored sort keys and tallies (migration 0009) stay true through every change of their
sources — insert, update, delete, relink, a renamed owner, a changed engagement code or
ref, a deleted engagement or user — and the lists read them."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.data import engagements as engagement_data
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.queries import (
    EngagementFilter,
    EngagementSort,
    ObservationFilter,
    ObservationSort,
)
from auditdesk.services import engagements as engagement_service
from auditdesk.services import lineage, snapshots
from auditdesk.services import observations as observation_service

WRONG_SORT_KEYS = """
SELECT o.id, (o.engagement_code, o.owner_name, o.repeat_of_ref) AS stored,
       (e.code, u.display_name, p.ref) AS truth
  FROM observation o
  LEFT JOIN audit_engagement e ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
  LEFT JOIN app_user u ON u.tenant_id = o.tenant_id AND u.id = o.owner_id
  LEFT JOIN observation p ON p.tenant_id = o.tenant_id AND p.id = o.repeat_of_id
 WHERE (o.engagement_code, o.owner_name, o.repeat_of_ref) IS DISTINCT FROM (e.code, u.display_name, p.ref)
"""

OPEN = "o.status NOT IN ('draft', 'closed', 'risk_accepted')"
WRONG_TALLIES = f"""
WITH truth AS (
    SELECT e.tenant_id, e.id AS engagement_id,
           count(o.id) FILTER (WHERE o.status <> 'draft') AS total,
           count(o.id) FILTER (WHERE {OPEN}) AS open,
           count(o.id) FILTER (WHERE o.status = 'closed') AS closed,
           count(o.id) FILTER (WHERE {OPEN} AND o.due_date < a.overdue_as_of) AS overdue
      FROM audit_engagement e
      LEFT JOIN tenant_tally a ON a.tenant_id = e.tenant_id
      LEFT JOIN observation o ON o.tenant_id = e.tenant_id AND o.engagement_id = e.id
     GROUP BY e.tenant_id, e.id
)
SELECT truth.engagement_id, (t.total, t.open, t.closed, t.overdue) AS stored,
       (truth.total, truth.open, truth.closed, truth.overdue) AS truth
  FROM truth
  LEFT JOIN engagement_tally t
    ON t.tenant_id = truth.tenant_id AND t.engagement_id = truth.engagement_id
 WHERE (coalesce(t.total, 0), coalesce(t.open, 0), coalesce(t.closed, 0), coalesce(t.overdue, 0))
       IS DISTINCT FROM (truth.total, truth.open, truth.closed, truth.overdue)
"""


WRONG_TENANT_TALLIES = """
SELECT n.id, a.observations AS stored, count(o.id) AS truth
  FROM tenant n
  LEFT JOIN tenant_tally a ON a.tenant_id = n.id
  LEFT JOIN observation o ON o.tenant_id = n.id
 GROUP BY n.id, a.observations
HAVING coalesce(a.observations, 0) <> count(o.id)
"""


def _wrong(database) -> list:
    with database.engine.connect() as c:
        return [
            tuple(r)
            for query in (WRONG_SORT_KEYS, WRONG_TALLIES, WRONG_TENANT_TALLIES)
            for r in c.execute(text(query))
        ]


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 5), st.integers(0, 2)),
        st.tuples(st.just("status"), st.integers(0, 5),
                  st.sampled_from(["draft", "open", "in_remediation", "closed", "risk_accepted"])),
        st.tuples(st.just("due"), st.integers(0, 5), st.integers(-40, 40)),
        st.tuples(st.just("engagement"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 2))),
        st.tuples(st.just("owner"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 1))),
        st.tuples(st.just("link"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 5))),
        st.tuples(st.just("delete"), st.integers(0, 5), st.none()),
        st.tuples(st.just("rename owner"), st.integers(0, 1), st.none()),
        st.tuples(st.just("recode engagement"), st.integers(0, 2), st.none()),
        st.tuples(st.just("rename ref"), st.integers(0, 5), st.none()),
        st.tuples(st.just("delete engagement"), st.integers(0, 2), st.none()),
        st.tuples(st.just("delete user"), st.integers(0, 1), st.none()),
        st.tuples(st.just("forge"), st.integers(0, 5), st.none()),
        st.tuples(st.just("advance"), st.integers(-3, 3), st.none()),
        # one statement for many rows (the set-based tallies of migration 0013)
        st.tuples(st.just("insert many"), st.integers(0, 5), st.integers(0, 2)),
        st.tuples(st.just("delete many"), st.integers(0, 5), st.integers(1, 3)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEPS)
def test_any_sequence_of_changes_keeps_sort_keys_and_tallies_true(database, steps):
    with database.engine.begin() as c:
        f.empty_tables(c, "audit_log, observation, audit_engagement, app_user, tenant_counter, tenant")
    day = date.today() - timedelta(days=20)
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        users = [f.user(s, t.id).id for _ in range(2)]
        units = [f.engagement(s, a).id for _ in range(3)]
        ids = [
            f.observation(s, a, identified_on=day, due_date=day + timedelta(days=10 + i),
                          status="open", engagement_id=units[i % 3], owner_id=users[i % 2]).id
            for i in range(6)
        ]
    renamed = iter(range(1000))
    for action, x, y in steps:
        with database.engine.begin() as c:
            def run(sql: str, **params) -> None:
                c.execute(text(sql), params)

            if action == "insert":
                new = c.execute(text(
                    "INSERT INTO observation (tenant_id, ref, title, severity, status, "
                    "identified_on, due_date, engagement_id, owner_id, repeat_of_id) "
                    "SELECT :t, 'OBS-N' || nextval(pg_get_serial_sequence('observation', 'id')), "
                    "'New', 'low', 'open', :day, :due, "
                    "(SELECT id FROM audit_engagement WHERE id = :e), "
                    "(SELECT id FROM app_user WHERE id = :u), "
                    "(SELECT id FROM observation WHERE id = :r) RETURNING id"),
                    {"t": t.id, "day": day, "due": day + timedelta(days=5 * y), "e": units[y],
                     "u": users[y % 2], "r": ids[x]}).scalar_one()
                ids[x] = new
            elif action == "insert many":  # every status, several engagements or none
                run("INSERT INTO observation (tenant_id, ref, title, severity, status, closed_at, "
                    "identified_on, due_date, engagement_id, owner_id) "
                    "SELECT :t, 'OBS-M' || nextval(pg_get_serial_sequence('observation', 'id')), "
                    "'Many', 'low', s, CASE WHEN s IN ('closed', 'risk_accepted') THEN now() END, "
                    ":day, :day + (g * :step), "
                    "(SELECT id FROM audit_engagement WHERE id = (ARRAY[:e0, :e1, :e2, NULL])[1 + g % 4]), "
                    "(SELECT id FROM app_user WHERE id = :u) "
                    "FROM generate_series(0, 11) g, LATERAL (SELECT (ARRAY['draft', 'open', "
                    "'in_remediation', 'closed', 'risk_accepted', 'open'])[1 + g % 6] AS s) x",
                    t=t.id, day=day, step=y + 1, e0=units[y], e1=units[(y + 1) % 3],
                    e2=units[y], u=users[x % 2])
            elif action == "delete many":
                run("DELETE FROM observation WHERE tenant_id = :t AND id IN (SELECT id FROM "
                    "observation WHERE tenant_id = :t ORDER BY id DESC OFFSET :x LIMIT :n)",
                    t=t.id, x=x, n=4 * y)
            elif action == "status":
                run("UPDATE observation SET status = :s, closed_at = CASE WHEN :s IN "
                    "('closed', 'risk_accepted') THEN now() END WHERE id = :id", s=y, id=ids[x])
            elif action == "due":
                run("UPDATE observation SET due_date = :d WHERE id = :id",
                    d=date.today() + timedelta(days=y) if y > -20 else None, id=ids[x])
            elif action == "engagement":
                run("UPDATE observation SET engagement_id = (SELECT id FROM audit_engagement "
                    "WHERE id = :e) WHERE id = :id", e=None if y is None else units[y], id=ids[x])
            elif action == "owner":
                run("UPDATE observation SET owner_id = (SELECT id FROM app_user WHERE id = :u) "
                    "WHERE id = :id", u=None if y is None else users[y], id=ids[x])
            elif action == "link":
                try:
                    with c.begin_nested():
                        run("UPDATE observation SET repeat_of_id = (SELECT id FROM observation "
                            "WHERE id = :r) WHERE id = :id",
                            r=None if y is None else ids[y], id=ids[x])
                except Exception:  # noqa: BLE001 - a cycle or self-link the database refuses
                    pass
            elif action == "delete":
                run("DELETE FROM observation WHERE id = :id", id=ids[x])
            elif action == "rename owner":
                run("UPDATE app_user SET display_name = :n WHERE id = :id",
                    n=f"Renamed {next(renamed)}", id=users[x])
            elif action == "recode engagement":
                run("UPDATE audit_engagement SET code = :c WHERE id = :id",
                    c=f"ENG-2027-{next(renamed):03d}", id=units[x])
            elif action == "rename ref":
                run("UPDATE observation SET ref = 'OBS-R' || :n WHERE id = :id",
                    n=next(renamed), id=ids[x])
            elif action == "delete engagement":
                run("DELETE FROM engagement_member WHERE engagement_id = :id", id=units[x])
                run("DELETE FROM audit_engagement WHERE id = :id", id=units[x])
            elif action == "delete user":
                run("UPDATE audit_engagement SET lead_auditor_id = NULL WHERE lead_auditor_id = :id",
                    id=users[x])
                run("DELETE FROM engagement_member WHERE user_id = :id", id=users[x])
                run("DELETE FROM app_user WHERE id = :id", id=users[x])
            elif action == "forge":  # a client writing the copies directly
                run("UPDATE observation SET engagement_code = 'X', owner_name = 'Y', "
                    "repeat_of_ref = 'Z' WHERE id = :id", id=ids[x])
            else:
                run("SELECT public.tally_advance(:t, :d)", t=t.id, d=date.today() + timedelta(days=x))
    assert _wrong(database) == []


def test_copies_make_no_new_version_and_no_audit_entry(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        u = f.user(s, t.id, name="Ada Auditor")
        e = f.engagement(s, a, code="ENG-2026-100")
        o = f.observation(s, a, engagement_id=e.id, owner_id=u.id)
    with database.engine.begin() as c:
        before = c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'observation'")
                           ).scalar_one()
        c.execute(text("UPDATE app_user SET display_name = 'Ada Lovelace' WHERE id = :id"),
                  {"id": u.id})
        c.execute(text("UPDATE audit_engagement SET code = 'ENG-2026-101' WHERE id = :id"),
                  {"id": e.id})
    with database.engine.connect() as c:
        row = c.execute(text("SELECT version, engagement_code, owner_name FROM observation "
                             "WHERE id = :id"), {"id": o.id}).one()
        after = c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'observation'")
                          ).scalar_one()
    assert tuple(row) == (1, "ENG-2026-101", "Ada Lovelace")
    assert after == before


def test_tables_sort_by_the_copies_and_pages_walk_them(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        names = ["Zoe", "Adam", "Mia"]
        people = [f.user(s, t.id, name=n) for n in names]
        codes = [f.engagement(s, a, code=c).id for c in ("ENG-2026-003", "ENG-2026-001")]
        made = [f.observation(s, a, owner_id=people[i % 3].id, engagement_id=codes[i % 2])
                for i in range(7)]
        f.observation(s, a)  # no owner, no engagement: last going up, first going down
        lineage.set_repeat_of(s, a, made[5].id, made[0].id)
        people[0] = f.user(s, t.id, name="Aaron")  # a new user owns nothing
        s.execute(text("UPDATE app_user SET display_name = 'Bea' WHERE display_name = 'Zoe'"))
    with database.sessions() as s:
        by_owner = observation_service.list_page(s, t.id, ObservationFilter(), ObservationSort.OWNER)
        owners = [r.owner_name for r in by_owner]
        assert owners == sorted(owners[:-1]) + [None] and "Bea" in owners
        down = observation_service.list_page(s, t.id, ObservationFilter(), ObservationSort.ENGAGEMENT,
                                             True)
        assert [r.engagement_code for r in down][:2] == [None, "ENG-2026-003"]
        first = observation_service.list_page(s, t.id, ObservationFilter(), ObservationSort.REPEAT_OF,
                                              limit=1)
        assert first[0].repeat_of_ref == made[0].ref
        rest = observation_service.list_page(
            s, t.id, ObservationFilter(), ObservationSort.OWNER, limit=50,
            after=(by_owner[2].owner_name, by_owner[2].id))
        assert [r.id for r in rest] == [r.id for r in by_owner[3:]]
        assert observation_service.count(s, t.id) == 8


def test_engagement_counts_follow_today_and_the_daily_capture(database):
    today = date.today()
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        busy = f.engagement(s, a).id
        calm = f.engagement(s, a).id
        start = today - timedelta(days=60)
        for offset in (-5, 3, 10):  # due 5 days ago, in 3 and in 10 days
            f.observation(s, a, identified_on=start, due_date=today + timedelta(days=offset),
                          status="open", engagement_id=busy)
        f.observation(s, a, identified_on=start, due_date=today - timedelta(days=1), status="draft",
                      engagement_id=calm)

    def overdue(on: date) -> dict[int, int]:
        with database.sessions() as s:
            listed = engagement_service.list_page(
                s, t.id, EngagementFilter(today=on), EngagementSort.OVERDUE, True)
            mine = engagement_service.my_engagements(s, t.id, None, on)
            one = engagement_service.get(s, t.id, busy, on)
            assert {e.id: e.overdue for e in mine} == {e.id: e.overdue for e in listed}
            assert one.overdue == {e.id: e.overdue for e in listed}[busy]
            counts = [e.overdue for e in listed]
            assert counts == sorted(counts, reverse=True)
            return {e.id: e.overdue for e in listed}

    assert overdue(today) == {busy: 1, calm: 0}
    assert overdue(today + timedelta(days=5)) == {busy: 2, calm: 0}
    assert overdue(today + timedelta(days=30)) == {busy: 3, calm: 0}
    assert overdue(today - timedelta(days=10)) == {busy: 0, calm: 0}
    with database.sessions.begin() as s:
        engagement_data.advance_tallies(s, t.id, today + timedelta(days=5))
    assert overdue(today) == {busy: 1, calm: 0}
    assert overdue(today + timedelta(days=5)) == {busy: 2, calm: 0}
    with database.sessions.begin() as s:
        snapshots.capture(s, tenant_id=t.id)  # moves the tallies' day back to today
        as_of = s.execute(text("SELECT overdue_as_of FROM tenant_tally WHERE tenant_id = :t"),
                          {"t": t.id}).scalar_one()
    assert as_of == snapshots_today(database)
    assert _wrong(database) == []


def snapshots_today(database) -> date:
    from auditdesk.data.snapshots import today

    with database.sessions() as s:
        return today(s)


def test_deleting_an_engagement_keeps_its_findings_and_empties_their_copies(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        e = f.engagement(s, a)
        o = f.observation(s, a, engagement_id=e.id, status="open")
    with database.sessions.begin() as s:
        engagement_service.delete(s, a, e.id)
    with database.sessions() as s:
        kept = observation_service.get(s, t.id, o.id)
        row = observation_service.list_page(s, t.id, ObservationFilter(), ObservationSort.ENGAGEMENT)
    assert kept.engagement_id is None and row[0].engagement_code is None
    assert _wrong(database) == []


def test_a_refused_write_leaves_the_tallies_alone(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        e = f.engagement(s, a)
        o = f.observation(s, a, engagement_id=e.id, status="open")
    try:
        with database.sessions.begin() as s:
            f.observation(s, a, engagement_id=e.id, status="open")
            observation_service.delete(s, a, o.id)
            raise AuditDeskError("changed my mind")
    except AuditDeskError:
        pass
    with database.sessions() as s:
        assert engagement_service.get(s, t.id, e.id).total == 1
        assert observation_service.count(s, t.id) == 1
