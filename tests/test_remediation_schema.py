"""Remediation in the database (migration 0011): the stored action counts stay true
through every change of the actions and of their finding, never make a new version nor
an audit entry of their own; "has overdue actions" is an index range; the due-date rules
and the policy's seed; the recomputation the bulk loader runs agrees with the trigger."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from auditdesk.db.derived import recompute_derived

WRONG_COUNTS = """
SELECT o.id, (o.actions_total, o.actions_done, o.open_action_due_min) AS stored,
       (count(a.id), count(a.id) FILTER (WHERE a.status = 'done'),
        min(a.due_date) FILTER (WHERE a.status IN ('planned', 'in_progress'))) AS truth
  FROM observation o
  LEFT JOIN remediation_action a ON a.tenant_id = o.tenant_id AND a.observation_id = o.id
 GROUP BY o.id, o.actions_total, o.actions_done, o.open_action_due_min
HAVING (o.actions_total, o.actions_done, o.open_action_due_min)
       IS DISTINCT FROM (count(a.id), count(a.id) FILTER (WHERE a.status = 'done'),
                         min(a.due_date) FILTER (WHERE a.status IN ('planned', 'in_progress')))
"""


def _wrong(c) -> list:
    return [tuple(r) for r in c.execute(text(WRONG_COUNTS))]


def _world(database, findings: int = 2):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        ids = [f.observation(s, who, identified_on=date(2026, 1, 5)).id for _ in range(findings)]
    return t, ids


def _add(c, tenant_id, finding, due, status="planned"):
    done = status == "done"
    return c.execute(
        text("INSERT INTO remediation_action (tenant_id, observation_id, title, due_date, "
             "status, percent_complete, completed_on) VALUES (:t, :o, 'Act', :due, :s, :p, :c) "
             "RETURNING id"),
        {"t": tenant_id, "o": finding, "due": due, "s": status, "p": 100 if done else 0,
         "c": date(2026, 3, 1) if done else None},
    ).scalar_one()


def _status(c, action, status):
    done = status == "done"
    c.execute(
        text("UPDATE remediation_action SET status = :s, percent_complete = :p, "
             "completed_on = :c WHERE id = :id"),
        {"s": status, "p": 100 if done else 30, "c": date(2026, 3, 1) if done else None,
         "id": action},
    )


def _counts(c, finding):
    return tuple(c.execute(
        text("SELECT actions_total, actions_done, open_action_due_min, version "
             "FROM observation WHERE id = :id"), {"id": finding}
    ).one())


def test_counts_follow_insert_update_cancel_complete_delete(database):
    t, (finding, _) = _world(database)
    may, june = date(2026, 5, 1), date(2026, 6, 1)
    with database.engine.begin() as c:
        version = _counts(c, finding)[3]
        first = _add(c, t.id, finding, june)
        assert _counts(c, finding) == (1, 0, june, version)
        second = _add(c, t.id, finding, may)
        assert _counts(c, finding) == (2, 0, may, version)
        _status(c, second, "done")
        assert _counts(c, finding) == (2, 1, june, version)
        _status(c, first, "cancelled")
        assert _counts(c, finding) == (2, 1, None, version)
        _status(c, first, "in_progress")
        c.execute(text("UPDATE remediation_action SET due_date = :d WHERE id = :id"),
                  {"d": may, "id": first})
        assert _counts(c, finding) == (2, 1, may, version)
        c.execute(text("SELECT auditdesk_delete_remediation_action(:t, :id)"),
                  {"t": t.id, "id": first})
        assert _counts(c, finding) == (1, 1, None, version)
        # The counts are derived: the finding's audit trail gains no entry for them.
        entries = c.execute(text(
            "SELECT count(*) FROM audit_log WHERE table_name = 'observation' AND row_id = :id "
            "AND action = 'update'"), {"id": finding}).scalar_one()
        assert entries == 0
        assert c.execute(text(
            "SELECT count(*) FROM audit_log WHERE table_name = 'remediation_action'"
        )).scalar_one() == 7  # two inserts, four updates, one delete
        assert _wrong(c) == []


def test_deleting_the_finding_leaves_no_action_behind(database):
    t, (finding, other) = _world(database)
    with database.engine.begin() as c:
        _add(c, t.id, finding, date(2026, 5, 1))
        _add(c, t.id, other, date(2026, 5, 1))
        c.execute(text("SELECT auditdesk_delete_observation(:t, :id)"), {"t": t.id, "id": finding})
        assert c.execute(text("SELECT observation_id FROM remediation_action")).scalars().all() == [
            other
        ]
        assert _wrong(c) == []


def test_an_action_is_never_due_before_its_finding_was_identified(database):
    t, (finding, _) = _world(database)
    with database.engine.begin() as c:
        action = _add(c, t.id, finding, date(2026, 2, 1))
    for statement, params in (
        ("INSERT INTO remediation_action (tenant_id, observation_id, title, due_date) "
         "VALUES (:t, :o, 'Too early', DATE '2026-01-04')", {"t": t.id, "o": finding}),
        ("UPDATE remediation_action SET due_date = DATE '2025-12-31' WHERE id = :id",
         {"id": action}),
        # Moving the identification past the action's due date is the same contradiction.
        ("UPDATE observation SET identified_on = DATE '2026-02-02' WHERE id = :o",
         {"o": finding}),
    ):
        try:
            with database.engine.begin() as c:
                c.execute(text(statement), params)
        except DBAPIError as error:
            assert error.orig.diag.constraint_name == "remediation_action_due_after_identified"
        else:
            raise AssertionError(f"accepted: {statement}")


def test_overdue_actions_are_an_index_range(database):
    t, (finding,) = _world(database, findings=1)
    with database.engine.begin() as c:
        c.execute(text(
            "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on) "
            "SELECT :t, 'OBS-9' || lpad(g::text, 5, '0'), 'Bulk ' || g, 'low', 'open', "
            "DATE '2026-01-05' FROM generate_series(1, 3000) g"), {"t": t.id})
        _add(c, t.id, finding, date(2026, 5, 1))
        c.execute(text("ANALYZE observation"))
        plan = "\n".join(c.execute(text(
            "EXPLAIN SELECT id FROM observation WHERE tenant_id = :t "
            "AND open_action_due_min < DATE '2026-06-01'"), {"t": t.id}).scalars())
    assert "ix_observation_tenant_id_open_action_due_min" in plan, plan
    assert "open_action_due_min <" in plan.split("Index Cond:")[1].split("\n")[0], plan


def test_the_policy_is_seeded_by_the_migration_for_existing_tenants(create_database):
    from auditdesk.db import migrate
    from auditdesk.db.engine import make_engine

    engine = make_engine(create_database())
    try:
        migrate.upgrade(engine, "0010")
        with engine.begin() as c:
            c.execute(text("INSERT INTO tenant (slug, name) VALUES ('acme', 'Acme')"))
        migrate.upgrade(engine)
        with engine.connect() as c:
            rows = c.execute(text("SELECT severity, days FROM due_date_policy ORDER BY days"))
            assert [tuple(r) for r in rows] == [
                ("critical", 30), ("high", 90), ("medium", 180), ("low", 365)
            ]
    finally:
        engine.dispose()


OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "status", "due", "delete", "delete_finding"]),
        st.integers(0, 3),
        st.sampled_from(["planned", "in_progress", "done", "cancelled"]),
        st.integers(0, 90),
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_counts_stay_true_through_any_sequence_and_recompute_agrees(database, ops):
    with database.engine.begin() as c:
        c.execute(text("DELETE FROM remediation_action"))
        c.execute(text("DELETE FROM observation"))
    t, findings = _world(database, findings=3)
    actions: list[int] = []
    gone: set[int] = set()
    with database.engine.begin() as c:
        for op, index, status, days in ops:
            due = date(2026, 2, 1) + timedelta(days=days)
            alive = c.execute(text("SELECT id FROM remediation_action ORDER BY id")).scalars().all()
            finding = findings[index % len(findings)]
            if op == "add" and finding not in gone:
                actions.append(_add(c, t.id, finding, due, status))
            elif op == "delete_finding":
                c.execute(text("DELETE FROM observation WHERE id = :id"), {"id": finding})
                gone.add(finding)
            elif alive:
                action = alive[index % len(alive)]
                if op == "status":
                    _status(c, action, status)
                elif op == "due":
                    c.execute(text("UPDATE remediation_action SET due_date = :d WHERE id = :id"),
                              {"d": due, "id": action})
                else:
                    c.execute(text("DELETE FROM remediation_action WHERE id = :id"),
                              {"id": action})
            assert _wrong(c) == []
        # The bulk loader's recomputation finds the same values (and fixes wrong ones).
        c.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
        c.execute(text("UPDATE observation SET actions_total = 7, open_action_due_min = NULL"))
        c.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
        recompute_derived(c, t.id)
        assert _wrong(c) == []
