"""Dashboard snapshots: capture against oracles, idempotent and concurrent upserts,
backfill from the audit trail equal to capture, NULL compliance, trend buckets."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import factories
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.data import snapshots as data
from auditdesk.db.models import TenantRow
from auditdesk.domain.enums import SnapshotSource
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.trends import Granularity, Metrics
from auditdesk.services import snapshots as service

TABLES = (
    "audit_log, dashboard_snapshot, observation, engagement_member, audit_engagement, "
    "app_user, tenant_counter, tenant"
)
STATUSES = ["draft", "open", "in_remediation", "pending_validation", "closed", "risk_accepted"]
RESOLVED = {"closed", "risk_accepted"}
SEVERITIES = ["critical", "high", "medium", "low"]
BASE = date(2024, 3, 1)
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- test data ------------------------------------------------------------------------


@dataclass
class Obs:
    status: str
    severity: str
    identified_on: date
    due_date: date | None
    closed_at: datetime | None
    repeat: bool = False
    id: int | None = None
    repeat_of_id: int | None = None


def reset(database) -> None:
    with database.engine.begin() as connection:
        factories.empty_tables(connection, TABLES)


def add_tenant(session, slug: str) -> int:
    row = TenantRow(slug=slug, name=slug.title())
    session.add(row)
    session.flush()
    return row.id


_ref = iter(range(1, 10**9))


def insert_obs(session, tenant_id: int, obs: Obs) -> Obs:
    obs.id = session.execute(
        text(
            "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, "
            "due_date, closed_at, repeat_of_id) VALUES (:t, :ref, 'Finding', :severity, :status, "
            ":identified_on, :due_date, :closed_at, :repeat_of_id) RETURNING id"
        ),
        {
            "t": tenant_id,
            "ref": f"OBS-{next(_ref):06d}",
            "severity": obs.severity,
            "status": obs.status,
            "identified_on": obs.identified_on,
            "due_date": obs.due_date,
            "closed_at": obs.closed_at,
            "repeat_of_id": obs.repeat_of_id,
        },
    ).scalar_one()
    return obs


def closed_on(obs: Obs) -> date | None:
    return None if obs.closed_at is None else obs.closed_at.astimezone(UTC).date()


def python_oracle(rows: list[Obs], day: date) -> Metrics:
    """The metric definitions (docs/architecture.md), written out plainly over Python objects."""
    counted = [o for o in rows if o.status != "draft" and o.identified_on <= day]
    still_open = [
        o for o in counted if not (o.status in RESOLVED and closed_on(o) <= day)
    ]
    due = [o for o in counted if o.due_date is not None and o.due_date <= day]
    kept = [o for o in due if o.status == "closed" and closed_on(o) <= o.due_date]
    rate = None
    if due:
        rate = float(
            (Decimal(len(kept)) / Decimal(len(due))).quantize(Decimal("0.000001"), ROUND_HALF_UP)
        )
    by = {s: sum(1 for o in still_open if o.severity == s) for s in SEVERITIES}
    return Metrics(
        total=len(counted),
        open_total=len(still_open),
        open_critical=by["critical"],
        open_high=by["high"],
        open_medium=by["medium"],
        open_low=by["low"],
        overdue=sum(1 for o in still_open if o.due_date is not None and o.due_date < day),
        closed_total=sum(1 for o in counted if o.status == "closed" and closed_on(o) <= day),
        repeat_open=sum(1 for o in still_open if o.repeat_of_id is not None),
        compliance_rate=rate,
    )


SQL_ORACLE = """
SELECT count(*) AS total,
       coalesce(sum(CASE WHEN is_open THEN 1 ELSE 0 END), 0) AS open_total,
       coalesce(sum(CASE WHEN is_open AND severity = 'critical' THEN 1 ELSE 0 END), 0) AS crit,
       coalesce(sum(CASE WHEN is_open AND severity = 'high' THEN 1 ELSE 0 END), 0) AS high,
       coalesce(sum(CASE WHEN is_open AND severity = 'medium' THEN 1 ELSE 0 END), 0) AS medium,
       coalesce(sum(CASE WHEN is_open AND severity = 'low' THEN 1 ELSE 0 END), 0) AS low,
       coalesce(sum(CASE WHEN is_open AND due_date < :d THEN 1 ELSE 0 END), 0) AS overdue,
       coalesce(sum(CASE WHEN status = 'closed' AND closed_day <= :d THEN 1 ELSE 0 END), 0)
           AS closed_total,
       coalesce(sum(CASE WHEN is_open AND repeat_of_id IS NOT NULL THEN 1 ELSE 0 END), 0)
           AS repeat_open,
       sum(CASE WHEN due_date <= :d AND status = 'closed' AND closed_day <= due_date
                THEN 1 ELSE 0 END)::numeric
         / nullif(sum(CASE WHEN due_date <= :d THEN 1 ELSE 0 END), 0) AS rate
  FROM (SELECT o.*, timezone('UTC', closed_at)::date AS closed_day,
               NOT (status IN ('closed', 'risk_accepted')
                    AND timezone('UTC', closed_at)::date <= :d) AS is_open
          FROM observation o
         WHERE tenant_id = :t AND status <> 'draft' AND identified_on <= :d) AS x
"""


def sql_oracle(session, tenant_id: int, day: date) -> Metrics:
    r = session.execute(text(SQL_ORACLE), {"t": tenant_id, "d": day}).one()
    rate = None if r.rate is None else float(r.rate.quantize(Decimal("0.000001"), ROUND_HALF_UP))
    return Metrics(
        r.total, r.open_total, r.crit, r.high, r.medium, r.low, r.overdue, r.closed_total,
        r.repeat_open, rate,
    )


TIMEZONES = [UTC, timezone(timedelta(hours=10)), timezone(timedelta(hours=-8))]


@st.composite
def observations(draw) -> Obs:
    status = draw(st.sampled_from(STATUSES))
    identified = BASE + timedelta(days=draw(st.integers(0, 40)))
    due = draw(st.one_of(st.none(), st.integers(0, 40).map(lambda n: identified + timedelta(n))))
    closed_at = None
    if status in RESOLVED:
        closed_day = identified + timedelta(days=draw(st.integers(-2, 60)))
        moment = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
        closed_at = datetime.combine(closed_day, moment, tzinfo=draw(st.sampled_from(TIMEZONES)))
    return Obs(
        status=status,
        severity=draw(st.sampled_from(SEVERITIES)),
        identified_on=identified,
        due_date=due,
        closed_at=closed_at,
        repeat=draw(st.booleans()),
    )


def load(session, tenant_id: int, rows: list[Obs]) -> list[Obs]:
    """Insert a root finding and ``rows`` (those flagged ``repeat`` repeat the root)."""
    root = insert_obs(session, tenant_id, Obs("open", "low", BASE - timedelta(days=1), None, None))
    for obs in rows:
        obs.repeat_of_id = root.id if obs.repeat else None
        insert_obs(session, tenant_id, obs)
    return [root, *rows]


# --- capture against the oracles -------------------------------------------------------


@HYPOTHESIS
@given(
    rows=st.lists(observations(), max_size=30),
    noise=st.lists(observations(), max_size=5),
    offset=st.integers(-5, 110),
)
def test_capture_matches_independent_oracles(database, rows, noise, offset):
    reset(database)
    day = BASE + timedelta(days=offset)
    with database.sessions.begin() as session:
        tenant = add_tenant(session, "acme")
        other = add_tenant(session, "other")
        rows = load(session, tenant, rows)
        load(session, other, noise)  # another tenant's findings never count
    with database.sessions.begin() as session:
        snapshot = data.capture_snapshot(session, tenant, day)
        expected = python_oracle(rows, day)
        assert data.metrics_of(snapshot) == expected
        assert sql_oracle(session, tenant, day) == expected
        assert snapshot.source is SnapshotSource.CAPTURED
        assert snapshot.snapshot_date == day
        # the same rules as day ranges (backfill's form) agree on every day around it
        rebuilt = data.compute_range(session, [tenant], day - timedelta(days=3), day + timedelta(days=3))
        assert [r.snapshot_date for r in rebuilt] == [
            day + timedelta(days=n) for n in range(-3, 4)
        ]
        for r in rebuilt:
            assert r.metrics == python_oracle(rows, r.snapshot_date), r.snapshot_date


def test_capture_counts_each_rule_at_its_boundary(database):
    d = date(2025, 6, 10)
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        rows = load(
            session,
            t,
            [
                Obs("open", "critical", d, d, None),  # due today: open, not overdue
                Obs("open", "high", d - timedelta(1), d - timedelta(1), None),  # overdue
                Obs("closed", "medium", d - timedelta(5), d, datetime.combine(d, time(23, 59), UTC)),
                Obs("closed", "low", d - timedelta(5), None, datetime.combine(d + timedelta(1), time(0, 0), UTC)),
                Obs("risk_accepted", "high", d - timedelta(5), d - timedelta(2), datetime.combine(d - timedelta(1), time(), UTC)),
                Obs("draft", "critical", d - timedelta(5), None, None),
                Obs("open", "low", d + timedelta(1), None, None),  # identified tomorrow
                Obs("in_remediation", "medium", d, None, None, repeat=True),
            ],
        )
        m = data.capture_snapshot(session, t, d)
    # the root finding (open, low) counts too
    assert (m.total, m.open_total, m.overdue, m.closed_total, m.repeat_open) == (7, 5, 1, 1, 1)
    assert (m.open_critical, m.open_high, m.open_medium, m.open_low) == (1, 1, 1, 2)
    # due by today: the critical (open), the closed medium (on its due date), the
    # high (open, due yesterday), the risk-accepted one: 1 of 4 closed on time
    assert m.compliance_rate == 0.25
    assert data.metrics_of(m) == python_oracle(rows, d)


def test_compliance_is_null_when_nothing_is_due(database):
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        empty = data.capture_snapshot(session, t, date(2025, 1, 1))
        load(session, t, [Obs("open", "high", date(2025, 1, 1), date(2025, 2, 1), None)])
        not_due = data.capture_snapshot(session, t, date(2025, 1, 31))
        due = data.capture_snapshot(session, t, date(2025, 2, 1))
        stored = session.execute(
            text("SELECT snapshot_date, compliance_rate FROM dashboard_snapshot ORDER BY 1")
        ).all()
    assert empty.total == 0 and empty.compliance_rate is None
    assert not_due.total == 2 and not_due.compliance_rate is None
    assert due.compliance_rate == 0.0
    assert [r.compliance_rate for r in stored] == [None, None, Decimal("0")]


# --- idempotency and concurrency --------------------------------------------------------


def test_capturing_the_same_day_again_updates_the_row(database):
    d = date(2025, 5, 1)
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        load(session, t, [Obs("open", "high", d, None, None)])
        first = data.capture_snapshot(session, t, d)
    with database.sessions.begin() as session:
        insert_obs(session, t, Obs("open", "critical", d, None, None))
        second = data.capture_snapshot(session, t, d)
        rows = session.execute(
            text("SELECT count(*) FROM dashboard_snapshot WHERE tenant_id = :t"), {"t": t}
        ).scalar_one()
        listed = data.list_snapshots(session, t)
    assert rows == 1
    assert (first.open_total, second.open_total) == (2, 3)
    assert second.captured_at >= first.captured_at
    assert listed == [second]


def test_concurrent_captures_leave_one_row_per_tenant_and_day(database):
    d = date(2025, 5, 1)
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        load(session, t, [Obs("open", "high", d, None, None)])
    workers = 4
    for attempt in range(5):
        day = d + timedelta(days=attempt)
        barrier = threading.Barrier(workers)
        errors: list[BaseException] = []

        def capture(day=day, barrier=barrier, errors=errors):
            try:
                with database.sessions.begin() as session:
                    barrier.wait(timeout=30)
                    data.capture_snapshot(session, t, day)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=capture) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    with database.sessions() as session:
        counts = session.execute(
            text("SELECT snapshot_date, count(*) FROM dashboard_snapshot GROUP BY 1 ORDER BY 1")
        ).all()
    assert [(r[0], r[1]) for r in counts] == [(d + timedelta(days=n), 1) for n in range(5)]


# --- backfill from the audit trail ------------------------------------------------------


def redate_audit_rows(session, after_id: int, day: date) -> int:
    """Simulate the passing of days: move the audit rows written since ``after_id`` to
    noon of ``day``. (The trail's own trigger forbids this outside tests.)"""
    session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_read_only"))
    session.execute(
        text("UPDATE audit_log SET changed_at = :at WHERE id > :after"),
        {"at": datetime.combine(day, time(12), UTC), "after": after_id},
    )
    session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_read_only"))
    return session.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()


def current_rows(session, tenant_id: int) -> list[Obs]:
    rows = session.execute(
        text(
            "SELECT id, status, severity, identified_on, due_date, closed_at, repeat_of_id "
            "FROM observation WHERE tenant_id = :t"
        ),
        {"t": tenant_id},
    ).all()
    return [
        Obs(r.status, r.severity, r.identified_on, r.due_date, r.closed_at, id=r.id,
            repeat_of_id=r.repeat_of_id)
        for r in rows
    ]


def apply_random_day(session, tenant_id: int, rng: random.Random, day: date) -> None:
    """One day of work through real UPDATEs, INSERTs and DELETEs (the trigger records them)."""
    rows = current_rows(session, tenant_id)
    gone: set[int] = set()
    for obs in rng.sample(rows, k=min(len(rows), rng.randint(1, 6))):
        change = rng.choice(["status", "status", "severity", "due", "repeat", "delete"])
        params = {"t": tenant_id, "id": obs.id}
        if change == "status":
            status = rng.choice(STATUSES)
            when = None
            if status in RESOLVED:
                back = timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 23))
                when = datetime.combine(day, time(1), UTC) - back + timedelta(hours=rng.randint(0, 20))
                when = max(when, datetime.combine(obs.identified_on, time(), UTC))
            session.execute(
                text("UPDATE observation SET status = :s, closed_at = :c "
                     "WHERE tenant_id = :t AND id = :id"),
                {**params, "s": status, "c": when},
            )
        elif change == "severity":
            session.execute(
                text("UPDATE observation SET severity = :s WHERE tenant_id = :t AND id = :id"),
                {**params, "s": rng.choice(SEVERITIES)},
            )
        elif change == "due":
            due = rng.choice([None, obs.identified_on + timedelta(days=rng.randint(0, 20))])
            session.execute(
                text("UPDATE observation SET due_date = :d WHERE tenant_id = :t AND id = :id"),
                {**params, "d": due},
            )
        elif change == "repeat":
            earlier = [
                o.id for o in rows if o.identified_on < obs.identified_on and o.id not in gone
            ]
            target = rng.choice(earlier) if earlier and rng.random() < 0.7 else None
            session.execute(
                text("UPDATE observation SET repeat_of_id = :r WHERE tenant_id = :t AND id = :id"),
                {**params, "r": target},
            )
        else:
            session.execute(
                text("DELETE FROM observation WHERE tenant_id = :t AND id = :id"), params
            )
            gone.add(obs.id)
    for _ in range(rng.randint(0, 3)):  # new findings, entered on the day they are identified
        status = rng.choice(["draft", "open", "in_remediation"])
        due = rng.choice([None, day, day + timedelta(days=rng.randint(1, 10))])
        insert_obs(session, tenant_id, Obs(status, rng.choice(SEVERITIES), day, due, None))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_backfill_equals_capture_on_captured_days(database, seed):
    """Statuses, severities and due dates change over several days through real
    statements; each day is captured after its changes. Rebuilding every day from the
    audit trail afterwards gives the captured figures on captured days, and on the
    days between them the figures of the last captured state."""
    reset(database)
    rng = random.Random(seed)
    start = date(2025, 1, 10)
    days = [start]
    for _ in range(5):
        days.append(days[-1] + timedelta(days=rng.randint(1, 4)))
    states: list[list[Obs]] = []
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        other = add_tenant(session, "other")
        initial = [
            Obs(rng.choice(["draft", "open", "in_remediation", "pending_validation"]),
                rng.choice(SEVERITIES), start - timedelta(days=rng.randint(0, 30)),
                None, None)
            for _ in range(12)
        ]
        for obs in initial:
            if rng.random() < 0.6:
                obs.due_date = obs.identified_on + timedelta(days=rng.randint(0, 40))
        load(session, t, initial)
        load(session, other, [Obs("open", "high", start, None, None)])
        last = 0
    for n, day in enumerate(days):
        with database.sessions.begin() as session:
            if n:
                apply_random_day(session, t, rng, day)
            data.capture_snapshot(session, t, day)
            states.append(current_rows(session, t))
            last = redate_audit_rows(session, last, day)
    end = days[-1] + timedelta(days=2)
    with database.sessions.begin() as session:
        captured = {s.snapshot_date: s for s in data.list_snapshots(session, t)}
        rebuilt = {r.snapshot_date: r.metrics for r in service.rebuild(session, start, end, tenant_id=t)}
        result = service.backfill(session, start - timedelta(days=3), end, tenant_id=t).value
        assert (result.written, result.kept_captured) == (len(rebuilt) + 3 - len(days), len(days))
        kept = {s.snapshot_date: s for s in data.list_snapshots(session, t, source=SnapshotSource.CAPTURED)}
        assert kept == captured  # backfill never overwrote a captured day
        service.backfill(session, start, end, tenant_id=t, overwrite=True)
        stored = {s.snapshot_date: s for s in data.list_snapshots(session, t)}
    assert set(captured) == set(days)
    for day in days:
        assert rebuilt[day] == data.metrics_of(captured[day]), day
        assert data.metrics_of(stored[day]) == data.metrics_of(captured[day])
        assert stored[day].source is SnapshotSource.BACKFILLED
    for day, metrics in rebuilt.items():
        state = max((i for i, d in enumerate(days) if d <= day), default=0)
        assert metrics == python_oracle(states[state], day), day


def test_backfill_sees_a_finding_closed_then_reopened_and_a_deleted_one(database):
    d1, d2, d3 = date(2025, 2, 1), date(2025, 2, 3), date(2025, 2, 5)
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        a, b = load(
            session, t, [Obs("open", "high", d1, d1, None), Obs("open", "low", d1, None, None)]
        )[1:]
        last = redate_audit_rows(session, 0, d1)
    with database.sessions.begin() as session:
        session.execute(
            text("UPDATE observation SET status = 'closed', closed_at = :c WHERE id = :id"),
            {"c": datetime.combine(d2, time(9), UTC), "id": a.id},
        )
        session.execute(text("DELETE FROM observation WHERE id = :id"), {"id": b.id})
        last = redate_audit_rows(session, last, d2)
    with database.sessions.begin() as session:
        session.execute(
            text("UPDATE observation SET status = 'open', closed_at = NULL WHERE id = :id"),
            {"id": a.id},
        )
        redate_audit_rows(session, last, d3)
        got = {r.snapshot_date: r.metrics for r in service.rebuild(session, d1, d3, tenant_id=t)}
    # d1: root + a + b open; d2: a closed (late), b deleted; d3: a reopened
    assert [(got[d].total, got[d].open_total, got[d].closed_total) for d in sorted(got)] == [
        (3, 3, 0), (3, 3, 0), (2, 1, 1), (2, 1, 1), (2, 2, 0)
    ]
    assert got[d2].compliance_rate == 0.0 and got[d3].overdue == 1


def test_backfill_keeps_captured_days_unless_overwrite(database):
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        today = data.today(session)
        load(session, t, [Obs("open", "high", today - timedelta(days=5), None, None)])
        session.execute(  # a captured row with figures that differ from the rebuild
            text(
                "INSERT INTO dashboard_snapshot (tenant_id, snapshot_date, source, total, "
                "open_total, open_critical, open_high, open_medium, open_low, overdue, "
                "closed_total, repeat_open) VALUES (:t, :d, 'captured', 9, 0, 0, 0, 0, 0, 0, 0, 0)"
            ),
            {"t": t, "d": today - timedelta(days=2)},
        )
        result = service.backfill(session, today - timedelta(days=6)).value
        assert (result.days, result.written, result.kept_captured) == (7, 6, 1)
        kept = data.get_snapshot(session, t, today - timedelta(days=2))
        assert kept.total == 9 and kept.source is SnapshotSource.CAPTURED
        rows = data.list_snapshots(session, t)
        assert [r.total for r in rows] == [1, 2, 2, 2, 9, 2, 2]  # the root counts too
        again = service.backfill(session, today - timedelta(days=6), overwrite=True).value
        assert (again.written, again.kept_captured) == (7, 0)
        fixed = data.get_snapshot(session, t, today - timedelta(days=2))
        assert fixed.total == 2 and fixed.source is SnapshotSource.BACKFILLED


def test_backfill_covers_every_tenant_and_refuses_bad_ranges(database):
    with database.sessions.begin() as session:
        first = add_tenant(session, "acme")
        second = add_tenant(session, "globex")
        today = data.today(session)
        for tenant in (first, second):  # a backfill starts no earlier than the first finding
            insert_obs(session, tenant, Obs("open", "low", today - timedelta(days=1), None, None))
        result = service.backfill(session, today - timedelta(days=1)).value
        assert result.tenant_ids == (first, second) and result.written == 4
        with pytest.raises(ValidationError, match="future"):
            service.backfill(session, today, today + timedelta(days=1))
        with pytest.raises(ValidationError, match="after"):
            service.backfill(session, today, today - timedelta(days=1))
        with pytest.raises(ValidationError, match="future"):
            service.capture(session, day=today + timedelta(days=1))


def test_capture_service_and_capture_today_if_missing(database):
    with database.sessions.begin() as session:
        first = add_tenant(session, "acme")
        second = add_tenant(session, "globex")
        today = data.today(session)
        insert_obs(session, first, Obs("open", "low", today, None, None))  # something to backfill
        service.backfill(session, today, tenant_id=first)  # a backfilled today is not enough
        made = service.capture_today_if_missing(session).value
        assert sorted(s.tenant_id for s in made) == [first, second]
        assert all(s.source is SnapshotSource.CAPTURED and s.snapshot_date == today for s in made)
        assert service.capture_today_if_missing(session).value == []
        only = service.capture(session, tenant_id=second).value
        assert [s.tenant_id for s in only] == [second]
        assert len(service.capture(session).value) == 2
        count = session.execute(text("SELECT count(*) FROM dashboard_snapshot")).scalar_one()
    assert count == 2


# --- trends -----------------------------------------------------------------------------


def store(session, tenant_id: int, day: date, open_critical: int, rate: str | None) -> None:
    session.execute(
        text(
            "INSERT INTO dashboard_snapshot (tenant_id, snapshot_date, source, total, "
            "open_total, open_critical, open_high, open_medium, open_low, overdue, "
            "closed_total, repeat_open, compliance_rate) "
            "VALUES (:t, :d, 'backfilled', :n + 3, :n + 3, :n, 1, 1, 1, :n, 0, 1, CAST(:r AS numeric))"
        ),
        {"t": tenant_id, "d": day, "n": open_critical, "r": rate},
    )


def test_trends_take_the_last_snapshot_of_each_bucket(database):
    with database.sessions.begin() as session:
        t = add_tenant(session, "acme")
        other = add_tenant(session, "other")
        # Mon 2025-03-03 .. Tue 2025-03-11, skipping the weekend 8-9; one March 31 snapshot
        days = [date(2025, 3, n) for n in (3, 4, 5, 6, 7, 10, 11)] + [date(2025, 3, 31)]
        for n, day in enumerate(days):
            store(session, t, day, n, None if n == 2 else f"0.{n}5")
        store(session, other, date(2025, 3, 5), 99, "1")
        store(session, t, date(2025, 4, 2), 50, "0.5")

        daily = data.severity_trend(session, t, date(2025, 3, 1), date(2025, 3, 31))
        assert [p.date for p in daily] == days
        assert [p.critical for p in daily] == list(range(8))
        assert daily[0].open_total == 3 and daily[0].high == 1

        weekly = data.severity_trend(session, t, date(2025, 3, 1), date(2025, 3, 31), "week")
        assert [(p.bucket, p.date, p.critical) for p in weekly] == [
            (date(2025, 3, 3), date(2025, 3, 7), 4),
            (date(2025, 3, 10), date(2025, 3, 11), 6),
            (date(2025, 3, 31), date(2025, 3, 31), 7),
        ]
        monthly = data.overdue_trend(session, t, granularity=Granularity.MONTH)
        assert [(p.bucket, p.date, p.overdue) for p in monthly] == [
            (date(2025, 3, 1), date(2025, 3, 31), 7),
            (date(2025, 4, 1), date(2025, 4, 2), 50),
        ]
        compliance = data.compliance_trend(session, t, date(2025, 3, 4), date(2025, 3, 6))
        assert [p.compliance_rate for p in compliance] == [0.15, None, 0.35]  # NULL stays a gap
        weekly_compliance = data.compliance_trend(session, t, date(2025, 3, 3), date(2025, 3, 5), "week")
        assert [p.compliance_rate for p in weekly_compliance] == [None]  # last of bucket is NULL
        repeats = data.repeat_trend(session, t, date(2025, 4, 1), None, "day")
        assert [(p.date, p.repeat_open, p.open_total) for p in repeats] == [(date(2025, 4, 2), 1, 53)]
        assert data.trend(session, t, "repeats", date(2025, 4, 1)) == repeats
        assert data.trend(session, other, "severity")[0].critical == 99
        assert data.severity_trend(session, t, date(2026, 1, 1), date(2026, 2, 1)) == []
        assert data.snapshot_bounds(session, t) == (date(2025, 3, 3), date(2025, 4, 2))
        with pytest.raises(ValidationError, match="granularity"):
            data.severity_trend(session, t, granularity="year")
        with pytest.raises(ValidationError, match="trend"):
            data.trend(session, t, "velocity")
        with pytest.raises(ValidationError, match="before"):
            data.severity_trend(session, t, date(2025, 3, 5), date(2025, 3, 4))
