"""The stored recurrence (depth from the root) stays true through every kind of change."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.data import observations as obs
from auditdesk.db import migrate
from auditdesk.db.engine import make_engine
from auditdesk.db.recurrence import recompute_recurrence
from auditdesk.domain.errors import LineageError
from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.services import lineage as lineage_service
from auditdesk.services.demo import load_demo

TRUE_DEPTHS = """
WITH RECURSIVE chain(id, depth) AS (
    SELECT id, 0 FROM observation WHERE repeat_of_id IS NULL
  UNION ALL
    SELECT o.id, chain.depth + 1 FROM observation o JOIN chain ON o.repeat_of_id = chain.id
)
SELECT o.id, o.recurrence, chain.depth FROM observation o JOIN chain ON chain.id = o.id
"""


def _mismatches(database) -> list:
    with database.engine.connect() as c:
        return [r for r in c.execute(text(TRUE_DEPTHS)) if r.recurrence != r.depth]


def test_links_moves_and_deletes_keep_depths_and_leave_versions_alone(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        day = date(2025, 1, 1)
        root = f.observation(s, a, identified_on=day)
        mid = f.observation(s, a, identified_on=day, repeat_of_id=root.id)
        leaf = f.observation(s, a, identified_on=day, repeat_of_id=mid.id)
        other = f.observation(s, a, identified_on=day - timedelta(days=1))
    with database.sessions() as s:
        assert [r.recurrence for r in obs.list_observations(s, t.id)] == [0, 1, 2, 0]
    with database.sessions.begin() as s:
        lineage_service.set_repeat_of(s, a, root.id, other.id)  # the whole chain moves down one
    assert _mismatches(database) == []
    with database.sessions() as s:
        depths = obs.recurrence_counts(s, t.id, [root.id, mid.id, leaf.id])
        assert depths == {root.id: 1, mid.id: 2, leaf.id: 3}
        # Derived data: the descendants kept their version and got no audit entry.
        assert obs.get_observation(s, t.id, leaf.id).version == leaf.version
        logged = s.execute(
            text("SELECT count(*) FROM audit_log WHERE table_name = 'observation' AND row_id = :id"),
            {"id": leaf.id},
        ).scalar_one()
        assert logged == 1  # its insert only
    with database.engine.begin() as c:  # deleting the original: ON DELETE SET NULL
        c.execute(text("DELETE FROM observation WHERE id = :id"), {"id": other.id})
    assert _mismatches(database) == []
    with database.sessions() as s:
        by_depth = obs.list_observations(
            s, t.id, ObservationFilter(), ObservationSort.RECURRENCE, True
        )
        assert [r.id for r in by_depth] == [leaf.id, mid.id, root.id]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 7), st.one_of(st.none(), st.integers(0, 7))), max_size=20))
def test_any_sequence_of_link_changes_keeps_true_depths(database, steps):
    with database.engine.begin() as c:
        f.empty_tables(c, "audit_log, observation, tenant_counter, tenant")
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        ids = [f.observation(s, a, identified_on=date(2025, 1, 1)).id for _ in range(8)]
    for later, earlier in steps:
        try:
            with database.sessions.begin() as s:
                lineage_service.set_repeat_of(s, a, ids[later], None if earlier is None else ids[earlier])
        except LineageError:
            pass
    assert _mismatches(database) == []


def test_bulk_demo_load_computes_depths(database):
    load_demo(database.engine, observations=12_000, seed=5)
    assert _mismatches(database) == []
    with database.engine.connect() as c:
        assert c.execute(text("SELECT max(recurrence) FROM observation")).scalar_one() >= 2


def _chain_per_tenant(connection, slugs, length=3) -> None:
    for slug in slugs:
        tenant_id = connection.execute(
            text("INSERT INTO tenant (slug, name) VALUES (:s, :s) RETURNING id"), {"s": slug}
        ).scalar_one()
        parent = None
        for n in range(length):
            parent = connection.execute(
                text(
                    "INSERT INTO observation (tenant_id, ref, title, severity, status, "
                    "identified_on, repeat_of_id) VALUES (:t, :ref, 'Chain', 'low', 'open', "
                    "DATE '2026-01-01' + :n, :p) RETURNING id"
                ),
                {"t": tenant_id, "ref": f"OBS-{n + 1:06d}", "n": n, "p": parent},
            ).scalar_one()


def test_migration_0004_derives_depths_of_existing_chains(create_database):
    """Findings linked before the column existed get their depth from the shared statement."""
    engine = make_engine(create_database())
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as c:
            _chain_per_tenant(c, ("alpha", "beta"))
        migrate.upgrade(engine)
        with engine.connect() as c:
            depths = c.execute(
                text("SELECT recurrence FROM observation ORDER BY tenant_id, identified_on")
            ).scalars().all()
        assert depths == [0, 1, 2, 0, 1, 2]
    finally:
        engine.dispose()


def test_recompute_of_one_tenant_leaves_the_others_alone(database):
    with database.engine.begin() as c:
        _chain_per_tenant(c, ("alpha", "beta"))
        c.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
        c.execute(text("UPDATE observation SET recurrence = 7"))
        alpha = c.execute(text("SELECT id FROM tenant WHERE slug = 'alpha'")).scalar_one()
        # With the triggers on, recurrence is the database's own (migration 0006 ignores a
        # direct write); the recomputation runs with them paused, as the demo loader does.
        assert recompute_recurrence(c, alpha) == 3
        rows = c.execute(
            text(
                "SELECT t.slug, o.recurrence FROM observation o JOIN tenant t ON t.id = o.tenant_id "
                "ORDER BY t.slug, o.identified_on"
            )
        ).all()
        assert rows == [("alpha", 0), ("alpha", 1), ("alpha", 2), ("beta", 7), ("beta", 7), ("beta", 7)]
        assert recompute_recurrence(c, alpha) == 0  # nothing left to change
        assert recompute_recurrence(c) == 3
        c.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
