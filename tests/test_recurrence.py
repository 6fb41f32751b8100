"""The stored recurrence (depth from the root) stays true through every kind of change."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.data import observations as obs
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
