"""Migration 0016: the partial indexes of the board report's repeat lists exist after
migrating, hold the rows they are meant to, and keep the text of the report's queries
(the planner uses a partial or expression index only for the same expressions)."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import factories as f
from sqlalchemy import text

from auditdesk.data import expressions
from auditdesk.domain.enums import ObservationStatus

MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0016_report_repeats_index.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0016", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _indexes(database) -> dict[str, str]:
    with database.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public' AND tablename = 'observation'"
            )
        ).all()
    return {name: definition for name, definition in rows}


def test_the_report_indexes_exist_with_their_predicates(database):
    indexes = _indexes(database)
    repeats = indexes["expr_observation_open_repeats_report"]
    assert "(tenant_id, recurrence DESC" in repeats and "ref) INCLUDE (identified_on)" in repeats
    assert "repeat_of_id IS NOT NULL" in repeats and "status <> ALL" in repeats
    identified = indexes["expr_observation_repeats_identified"]
    assert "(tenant_id, identified_on DESC, ref)" in identified
    assert "repeat_of_id IS NOT NULL" in identified and "status <> 'draft'" in identified
    figures = indexes["expr_observation_report_figures"]
    assert "(tenant_id, identified_on) INCLUDE (id, status, severity, due_date" in figures


def test_the_open_repeat_index_holds_exactly_the_open_repeats(database):
    with database.sessions.begin() as s:
        tenant = f.tenant(s)
        who = f.actor(tenant)
        first = f.observation(s, who, identified_on=date(2025, 1, 10))
        second = f.observation(s, who, identified_on=date(2025, 3, 10), repeat_of_id=first.id)
        third = f.observation(
            s, who, identified_on=date(2025, 3, 10) + timedelta(days=60), repeat_of_id=second.id
        )
        f.walk(s, who, second.id, ObservationStatus.CLOSED.value)
    with database.engine.connect() as c:
        c.execute(text("SET enable_seqscan = off"))
        c.execute(text("SET enable_bitmapscan = off"))
        rows = c.execute(
            text(
                "SELECT id FROM observation o WHERE o.tenant_id = :t AND o.repeat_of_id IS NOT NULL "
                f"AND o.{expressions.open_sql()} ORDER BY o.recurrence DESC, "
                f"{expressions.severity_rank_sql('o.severity')}, o.ref"
            ),
            {"t": tenant.id},
        ).scalars().all()
    assert rows == [third.id]


def test_the_frozen_expressions_are_the_queries_expressions():
    migration = _migration()
    assert expressions.severity_rank_sql() == migration.SEVERITY_RANK
    assert expressions.open_sql() == migration.OPEN
    assert migration.revision == "0016"
