"""The indexes on mostly empty columns hold only the rows with a value (migration 0029),
and the queries that walk them still do."""

from __future__ import annotations

from datetime import date

import factories as f
from sqlalchemy import text

SPARSE = {
    "ix_observation_tenant_id_repeat_of_id_id": "repeat_of_id",
    "ix_observation_tenant_id_open_action_due_min": "open_action_due_min",
    "ix_observation_tenant_id_risk_accepted_until": "risk_accepted_until",
}


def _entries(database) -> dict[str, tuple[float, int]]:
    """Each index's entries (as VACUUM counts them) beside the rows with a value."""
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM observation"))
        counted = {}
        for index, column in SPARSE.items():
            entries = c.execute(text("SELECT reltuples FROM pg_class WHERE relname = :i"),
                                {"i": index}).scalar_one()
            valued = c.execute(text(
                f"SELECT count(*) FROM observation WHERE {column} IS NOT NULL")).scalar_one()
            counted[index] = (entries, valued)
    return counted


def test_a_finding_set_free_leaves_the_repeat_index_and_the_children_are_still_found(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        original = f.observation(s, who, identified_on=date(2026, 1, 5)).id
        repeats = [f.observation(s, who, identified_on=date(2026, 2, 5)).id for _ in range(3)]
    with database.engine.begin() as c:
        c.execute(text(
            "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on) "
            "SELECT :t, 'OBS-9' || lpad(g::text, 5, '0'), 'Bulk ' || g, 'low', 'open', "
            "DATE '2026-01-05' FROM generate_series(1, 3000) g"), {"t": t.id})
        c.execute(text("UPDATE observation SET repeat_of_id = :o WHERE tenant_id = :t "
                       "AND id = ANY(:r)"), {"o": original, "t": t.id, "r": repeats})
        c.execute(text("ANALYZE observation"))
        plan = "\n".join(c.execute(text(
            "EXPLAIN SELECT id FROM observation WHERE tenant_id = :t AND repeat_of_id = :o"),
            {"t": t.id, "o": original}).scalars())
    assert "ix_observation_tenant_id_repeat_of_id_id" in plan, plan

    linked = _entries(database)
    assert linked["ix_observation_tenant_id_repeat_of_id_id"] == (3, 3)
    for entries, valued in linked.values():
        assert entries == valued

    with database.engine.begin() as c:
        c.execute(text("DELETE FROM observation WHERE tenant_id = :t AND id = :o"),
                  {"t": t.id, "o": original})
        freed = c.execute(text("SELECT count(*) FROM observation WHERE tenant_id = :t "
                               "AND id = ANY(:r) AND repeat_of_id IS NULL"),
                          {"t": t.id, "r": repeats}).scalar_one()
    assert freed == 3
    assert _entries(database)["ix_observation_tenant_id_repeat_of_id_id"] == (0, 0)
