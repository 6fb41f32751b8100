"""Stored roots and tree sizes (migration 0005) stay true through every kind of change,
and the list of trees uses them."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.domain.errors import LineageError, NotFoundError
from auditdesk.domain.queries import TreeFilter
from auditdesk.services import lineage

TRUE_TREES = """
WITH RECURSIVE chain(id, root_id, depth) AS (
    SELECT id, id, 0 FROM observation WHERE repeat_of_id IS NULL
  UNION ALL
    SELECT o.id, chain.root_id, chain.depth + 1 FROM observation o
      JOIN chain ON o.repeat_of_id = chain.id
),
summary AS (
    SELECT c.root_id, count(*) AS size, max(c.depth) AS depth,
           count(*) FILTER (WHERE m.status IN ('open', 'in_remediation', 'pending_validation')) AS open,
           coalesce(bool_or(p.closed_at IS NOT NULL AND m.identified_on > p.closed_at), false) AS reopened,
           coalesce(array_agg(DISTINCT e.auditee ORDER BY e.auditee)
                    FILTER (WHERE e.auditee IS NOT NULL), '{}') AS auditees
      FROM chain c JOIN observation m ON m.id = c.id
      LEFT JOIN observation p ON p.id = m.repeat_of_id
      LEFT JOIN audit_engagement e ON e.id = m.engagement_id
     GROUP BY c.root_id
)
SELECT o.id, (o.root_id, o.recurrence, o.tree_size, o.tree_depth, o.tree_open, o.tree_reopened,
              o.tree_auditees) AS stored,
       (chain.root_id, chain.depth,
        coalesce(s.size, 0), coalesce(s.depth, 0), coalesce(s.open, 0), coalesce(s.reopened, false),
        coalesce(s.auditees, '{}')) AS truth
  FROM observation o JOIN chain ON chain.id = o.id
  LEFT JOIN summary s ON s.root_id = o.id AND o.repeat_of_id IS NULL
"""


def _wrong(database) -> list:
    with database.engine.connect() as c:
        return [r for r in c.execute(text(TRUE_TREES)) if r.stored != r.truth]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("link"), st.integers(0, 7), st.one_of(st.none(), st.integers(0, 7))),
            st.tuples(st.just("delete"), st.integers(0, 7), st.none()),
            st.tuples(st.just("insert"), st.integers(0, 7), st.none()),
            st.tuples(st.just("close"), st.integers(0, 7), st.none()),
            st.tuples(st.just("engagement"), st.integers(0, 7), st.integers(0, 1)),
            # one statement for many rows (the set-based triggers of migration 0013)
            st.tuples(st.just("insert many"), st.integers(0, 7), st.integers(0, 1)),
            st.tuples(st.just("delete many"), st.integers(0, 7), st.integers(1, 4)),
        ),
        max_size=20,
    )
)
def test_any_sequence_of_links_inserts_and_deletes_keeps_roots_and_sizes(database, steps):
    with database.engine.begin() as c:
        f.empty_tables(c, "audit_log, observation, audit_engagement, tenant_counter, tenant")
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        ids = [f.observation(s, a, identified_on=date(2025, 1, 1)).id for _ in range(8)]
        units = [f.engagement(s, a, auditee=name).id for name in ("Treasury", "Payroll")]
    for action, x, y in steps:
        try:
            with database.sessions.begin() as s:
                if action == "link":
                    lineage.set_repeat_of(s, a, ids[x], None if y is None else ids[y])
                elif action == "close":
                    s.execute(text("UPDATE observation SET status = 'closed', "
                                   "closed_at = TIMESTAMPTZ '2024-12-01' WHERE id = :id"), {"id": ids[x]})
                elif action == "engagement":
                    s.execute(text("UPDATE observation SET engagement_id = :e WHERE id = :id"),
                              {"e": units[y], "id": ids[x]})
                elif action == "delete":
                    s.execute(text("DELETE FROM observation WHERE id = :id"), {"id": ids[x]})
                elif action == "insert many":  # lone roots (open or closed, with an
                    # auditee or none) and repeats of an existing finding, one INSERT
                    s.execute(text(
                        "INSERT INTO observation (tenant_id, ref, title, severity, status, "
                        "closed_at, identified_on, engagement_id, repeat_of_id) "
                        "SELECT :t, 'OBS-M' || nextval(pg_get_serial_sequence('observation', 'id')), "
                        "'Many', 'low', CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'open' END, "
                        "CASE WHEN g % 3 = 0 THEN TIMESTAMPTZ '2025-01-05' END, "
                        "DATE '2025-01-03', CASE WHEN g % 2 = 0 THEN :e END, "
                        "CASE WHEN g > 2 THEN (SELECT id FROM observation WHERE id = :r) END "
                        "FROM generate_series(1, 5) g"), {"t": t.id, "e": units[y], "r": ids[x]})
                elif action == "delete many":
                    s.execute(text("DELETE FROM observation WHERE id = ANY(:ids)"),
                              {"ids": [ids[(x + k * y) % 8] for k in range(3)]})
                else:
                    exists = s.execute(
                        text("SELECT count(*) FROM observation WHERE id = :id"), {"id": ids[x]}
                    ).scalar_one()
                    if exists:
                        f.observation(s, a, identified_on=date(2025, 1, 2), repeat_of_id=ids[x])
        except (LineageError, NotFoundError):
            pass  # refused (or a deleted finding): nothing changed
    assert _wrong(database) == []


def test_derived_columns_cannot_be_written_and_leave_versions_and_audit_alone(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        day = date(2025, 1, 1)
        root = f.observation(s, a, identified_on=day)
        child = f.observation(s, a, identified_on=day, repeat_of_id=root.id)
        other = f.observation(s, a, identified_on=day - timedelta(days=3))
    with database.engine.begin() as c:  # a client trying to forge the derived values
        c.execute(
            text("UPDATE observation SET root_id = :x, tree_size = 99, recurrence = 7 WHERE id = :id"),
            {"x": other.id, "id": child.id},
        )
        c.execute(
            text("INSERT INTO observation (tenant_id, ref, title, severity, identified_on, "
                 "root_id, tree_size, recurrence) "
                 "VALUES (:t, 'OBS-X', 'Forged', 'low', DATE '2025-02-01', :x, 50, 4)"),
            {"t": t.id, "x": root.id},
        )
    assert _wrong(database) == []
    with database.sessions.begin() as s:
        lineage.set_repeat_of(s, a, root.id, other.id)  # the tree moves under `other`
    assert _wrong(database) == []
    with database.engine.connect() as c:
        row = c.execute(
            text("SELECT version, root_id FROM observation WHERE id = :id"), {"id": child.id}
        ).one()
        assert (row.version, row.root_id) == (1, other.id)
        sizes = dict(c.execute(text("SELECT id, tree_size FROM observation")).all())
        assert sizes[other.id] == 3 and sizes[root.id] == 0
        logged = c.execute(
            text("SELECT count(*), bool_or(new_values ? 'search_vector') FROM audit_log "
                 "WHERE table_name = 'observation' AND row_id = :id"),
            {"id": child.id},
        ).one()
        assert tuple(logged) == (1, False)  # its insert only, without the text-search vector


@pytest.fixture
def forest(database):
    """Three trees: Treasury chain of 4 (one recurred after close), a Payroll pair that
    is all closed, and a lone finding."""
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        treasury = f.engagement(s, a, auditee="Treasury")
        payroll = f.engagement(s, a, auditee="Payroll")
        day = date(2024, 1, 10)
        r1 = f.observation(s, a, identified_on=day, engagement_id=treasury.id, status="closed")
        c1 = f.observation(s, a, identified_on=day + timedelta(days=400), repeat_of_id=r1.id,
                           engagement_id=treasury.id)
        f.observation(s, a, identified_on=day + timedelta(days=500), repeat_of_id=c1.id)
        f.observation(s, a, identified_on=day + timedelta(days=450), repeat_of_id=r1.id)
        r2 = f.observation(s, a, identified_on=day, engagement_id=payroll.id, status="closed")
        # closed 10 days after identification, and (the pair) long after its repeat
        s.execute(text("UPDATE observation SET closed_at = TIMESTAMPTZ '2024-01-20 12:00' "
                       "WHERE id = :id"), {"id": r1.id})
        s.execute(text("UPDATE observation SET closed_at = TIMESTAMPTZ '2024-06-01 12:00' "
                       "WHERE id = :id"), {"id": r2.id})
        f.observation(s, a, identified_on=day + timedelta(days=1), repeat_of_id=r2.id,
                      engagement_id=payroll.id, status="closed")
        f.observation(s, a, identified_on=day)
    return t, r1, r2


def test_trees_largest_first_with_filters(database, forest):
    t, r1, r2 = forest
    with database.sessions() as s:
        every = lineage.roots(s, t.id)
        assert [(r.id, r.tree_size, r.max_depth) for r in every] == [(r1.id, 4, 2), (r2.id, 2, 1)]
        assert [r.id for r in lineage.roots(s, t.id, filters=TreeFilter(auditee="Payroll"))] == [r2.id]
        assert [r.id for r in lineage.roots(s, t.id, filters=TreeFilter(open_only=True))] == [r1.id]
        after_close = lineage.roots(s, t.id, filters=TreeFilter(recurred_after_close=True))
        assert [r.id for r in after_close] == [r1.id]
        assert lineage.roots(s, t.id, filters=TreeFilter(auditee="Nobody")) == []
    with database.engine.begin() as c:  # an auditee renamed: the trees follow
        c.execute(text("UPDATE audit_engagement SET auditee = 'Payroll Services' "
                       "WHERE auditee = 'Payroll'"))
    with database.sessions() as s:
        renamed = lineage.roots(s, t.id, filters=TreeFilter(auditee="Payroll Services"))
        assert [r.id for r in renamed] == [r2.id]
    assert _wrong(database) == []


def test_a_bulk_demo_load_computes_roots_and_summaries(database, monkeypatch):
    from auditdesk.services import demo
    from auditdesk.services.demo import bulk

    monkeypatch.setattr(bulk, "BULK_THRESHOLD", 100)  # the paused-trigger path
    demo.load_demo(database.engine, observations=600, seed=9)
    assert _wrong(database) == []
    with database.engine.connect() as c:
        assert c.execute(text("SELECT max(tree_size) FROM observation")).scalar_one() >= 3
