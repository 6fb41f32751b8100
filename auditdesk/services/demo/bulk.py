"""The demo's bulk loader: one tenant's observations in one set-based insert.

Above ``BULK_THRESHOLD`` findings the user triggers of ``observation`` (audit trail,
lineage guard, version touch, stored recurrence) are disabled for the length of that one
insert, inside the transaction, and the indexes that back no constraint are dropped and
created again from their own definitions right after it. The stored recurrence that the
paused triggers would have kept is then computed by ``auditdesk.db.recurrence``, the
same statement migration 0004 runs, and the sort keys and tallies by
``auditdesk.db.derived``, as their migration does.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import Connection, insert, text

from auditdesk.data.figure_days import recompute_figure_days
from auditdesk.data.lineage import recompute_trees
from auditdesk.data.observation_words import recompute_observation_words
from auditdesk.db.derived import recompute_derived
from auditdesk.db.models import TenantCounterRow
from auditdesk.db.recurrence import recompute_recurrence
from auditdesk.domain.errors import AuditDeskError
from auditdesk.services.demo.bulk_sql import (
    ENGAGEMENTS_SQL,
    FAMILIES_SQL,
    INSERT_SQL,
    MEMBERS_SQL,
)
from auditdesk.services.demo.fixtures import (
    CAUSE_TEMPLATES,
    CONDITION_TEMPLATES,
    CRITERIA_TEMPLATES,
    EFFECT_TEMPLATES,
    RECOMMENDATION_TEMPLATES,
    RESPONSE_TEMPLATES,
    TITLE_TEMPLATES,
    TITLE_THEMES,
    Auditee,
)
from auditdesk.services.demo.records import Progress
from auditdesk.services.demo.reference import PlannedEngagement, User

BULK_THRESHOLD = 10_000
"""Above this many observations for one tenant, observation triggers are paused."""

def _seed_value(seed: int, tenant_index: int) -> float:
    """A PostgreSQL ``setseed`` argument in [-1, 1) derived from the seed and tenant."""
    mixed = random.Random(f"auditdesk-demo-sql:{seed}:{tenant_index}").random()
    return mixed * 2 - 1


def _drop_secondary_indexes(connection: Connection) -> list[str]:
    """Drop the indexes of ``observation`` that back no constraint; return the statements
    that create them again. Building an index once after a bulk insert is several times
    faster than maintaining it row by row (the trigram index above all)."""
    rows = connection.execute(
        text(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index AS i
             WHERE i.indrelid = 'observation'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """
        )
    ).all()
    for name, _ in rows:
        connection.execute(text(f"DROP INDEX {name}"))  # regclass text is already quoted
    return [definition for _, definition in rows]


def insert_observations(
    connection: Connection,
    tenant_id: int,
    seed: int,
    tenant_index: int,
    count: int,
    users: list[User],
    auditees: list[Auditee],
    plan: list[PlannedEngagement],
    today: date,
    report: Progress,
) -> int:
    if count == 0:
        return 0
    # Only engagements that have started can hold findings; seq counts those per auditee.
    started: list[int] = []
    for a_index in range(1, len(auditees) + 1):
        started.append(
            sum(1 for e in plan if e.auditee == a_index and e.start <= today)
        )
    if min(started) == 0:
        raise AuditDeskError("Every demo auditee needs an engagement that has started.")
    owners = [u.id for u in users if u.role in ("auditor", "manager")]
    connection.execute(text("SELECT setseed(:s)"), {"s": _seed_value(seed, tenant_index)})
    connection.execute(
        text(FAMILIES_SQL),
        {
            "families": count,
            "n_titles": len(TITLE_TEMPLATES),
            "n_auditees": len(auditees),
            "started": started,
        },
    )
    connection.execute(text(MEMBERS_SQL), {"count": count})
    connection.execute(text(ENGAGEMENTS_SQL))
    connection.execute(
        text(
            "INSERT INTO demo_engagement (auditee, seq, id, start_day, window_end, status) "
            "VALUES (:auditee, :seq, :id, :start, :window_end, :status)"
        ),
        [
            {
                "auditee": e.auditee,
                "seq": e.seq,
                "id": e.id,
                "start": e.start,
                "window_end": e.window_end,
                "status": e.status,
            }
            for e in plan
            if e.start <= today
        ],
    )
    connection.execute(text("ANALYZE demo_member"))
    # Reserve a block of ids: explicit ids let repeats point to rows of the same insert.
    connection.execute(text("LOCK TABLE observation IN SHARE ROW EXCLUSIVE MODE"))
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence('observation', 'id')")
    ).scalar_one()
    base = connection.execute(
        text("SELECT greatest(nextval(CAST(:seq AS regclass)) - 1, (SELECT coalesce(max(id), 0) FROM observation))"),
        {"seq": sequence},
    ).scalar_one()
    bulk = count > BULK_THRESHOLD
    rebuild: list[str] = []
    if bulk:
        report("  (observation triggers and secondary indexes paused for the bulk insert)")
        connection.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
        rebuild = _drop_secondary_indexes(connection)
    params = {
        "tenant": tenant_id,
        "base": base,
        "today": today,
        "owners": owners,
        "n_owners": len(owners),
        "started": started,
        "auditee_names": [a.name for a in auditees],
        "systems": [a.system for a in auditees],
        "processes": [p for a in auditees for p in a.processes],
        "titles": list(TITLE_TEMPLATES),
        "title_themes": list(TITLE_THEMES),
        "criteria": list(CRITERIA_TEMPLATES),
        "conditions": list(CONDITION_TEMPLATES),
        "causes": list(CAUSE_TEMPLATES),
        "effects": list(EFFECT_TEMPLATES),
        "recommendations": list(RECOMMENDATION_TEMPLATES),
        "responses": list(RESPONSE_TEMPLATES),
    }
    inserted = connection.execute(text(INSERT_SQL), params).rowcount
    if bulk:
        # The paused triggers also keep the stored recurrence: compute it set-based here.
        recompute_recurrence(connection, tenant_id)
        recompute_trees(connection, tenant_id)  # and the stored roots and tree summaries
        recompute_derived(connection, tenant_id)  # and the sort keys and tallies
        recompute_figure_days(connection, tenant_id)  # and the dashboard's days
        recompute_observation_words(connection, tenant_id)  # and the searchable words
        connection.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
        report(f"  rebuilding {len(rebuild)} indexes")
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for definition in rebuild:
            connection.execute(text(definition))
        connection.execute(text("ANALYZE observation"))
        connection.execute(text("ANALYZE observation_words"))
    if inserted != count:
        raise AuditDeskError(f"Demo data: expected {count} observations, inserted {inserted}.")
    connection.execute(text("SELECT setval(CAST(:seq AS regclass), :last)"), {"seq": sequence, "last": base + count})
    connection.execute(
        insert(TenantCounterRow).values(tenant_id=tenant_id, name="observation", last_value=count)
    )
    for table in ("demo_family", "demo_member", "demo_engagement"):
        connection.execute(text(f"DROP TABLE {table}"))
    repeats = connection.execute(
        text(
            "SELECT count(*) FROM observation WHERE tenant_id = :tenant "
            "AND repeat_of_id IS NOT NULL"
        ),
        {"tenant": tenant_id},
    ).scalar_one()
    return int(repeats)
