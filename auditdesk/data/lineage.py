"""Repeat lineage: read ancestors, descendants and trees, and store ``repeat_of``.

Each read is one recursive query. The database's lineage guard (migrations 0002 and
0007) refuses self-links, cycles and links to later findings whatever the client sends;
``auditdesk.services.lineage`` checks the same rules first to give a precise message.
Every walk that could meet a cycle (only possible in data written with the triggers
off) carries a CYCLE clause, so it ends on corrupt data too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from auditdesk.data.errors import translated_errors
from auditdesk.data.observations import O
from auditdesk.db.engine import actor as set_actor
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.queries import TreeFilter
from auditdesk.domain.records import Actor, LineageNode, LineageRoot

_NODE_COLUMNS = """
    o.id, o.ref, o.title, o.severity, o.status, o.identified_on, o.engagement_id,
    e.code AS engagement_code, o.repeat_of_id
"""


# Each walked id looks up its finding by key, the walk driving the join: a walk's rows
# carry their CYCLE path (quadratic in a chain's depth), and a plan that rescanned
# them as the inner side of a join spilled to disk and ran for minutes at 1,000 deep.
# OFFSET 0 keeps the planner from flattening the lookup back into a plain join.
_ONE_ROW = (
    "SELECT * FROM observation x WHERE x.tenant_id = :tenant AND x.id = {walk}.id OFFSET 0"
)


def _node(row, depth: int, children: tuple[LineageNode, ...] = ()) -> LineageNode:
    return LineageNode(
        id=row.id,
        ref=row.ref,
        title=row.title,
        severity=Severity(row.severity),
        status=ObservationStatus(row.status),
        identified_on=row.identified_on,
        engagement_id=row.engagement_id,
        engagement_code=row.engagement_code,
        repeat_of_id=row.repeat_of_id,
        depth=depth,
        children=children,
    )


def ancestors(session: Session, tenant_id: int, observation_id: int) -> list[LineageNode]:
    """The chain above an observation, from its direct original up to the root."""
    rows = session.execute(
        text(
            f"""
            WITH RECURSIVE up(id, repeat_of_id, step) AS (
                SELECT id, repeat_of_id, 0 FROM observation
                 WHERE tenant_id = :tenant AND id = :id
              UNION ALL
                SELECT o.id, o.repeat_of_id, up.step + 1 FROM observation o
                  JOIN up ON o.tenant_id = :tenant AND o.id = up.repeat_of_id
            ) CYCLE id SET looped USING path
            SELECT {_NODE_COLUMNS}, up.step FROM up
              CROSS JOIN LATERAL ({_ONE_ROW.format(walk="up")}) o
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE up.step > 0 AND NOT up.looped ORDER BY up.step
            """
        ),
        {"tenant": tenant_id, "id": observation_id},
    ).all()
    total = len(rows)
    return [_node(r, total - r.step) for r in rows]


def descendants(session: Session, tenant_id: int, observation_id: int) -> list[LineageNode]:
    """Everything that repeats an observation, directly or through other repeats
    (depth relative to the given observation, breadth-first)."""
    rows = session.execute(
        text(
            f"""
            WITH RECURSIVE down(id, step) AS (
                SELECT id, 0 FROM observation WHERE tenant_id = :tenant AND id = :id
              UNION ALL
                SELECT o.id, down.step + 1 FROM observation o
                  JOIN down ON o.tenant_id = :tenant AND o.repeat_of_id = down.id
            ) CYCLE id SET looped USING path
            SELECT {_NODE_COLUMNS}, down.step FROM down
              CROSS JOIN LATERAL ({_ONE_ROW.format(walk="down")}) o
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE down.step > 0 AND NOT down.looped ORDER BY down.step, o.identified_on, o.id
            """
        ),
        {"tenant": tenant_id, "id": observation_id},
    ).all()
    return [_node(r, r.step) for r in rows]


def tree(session: Session, tenant_id: int, observation_id: int) -> LineageNode:
    """The whole tree containing an observation, from its root, in one recursive query."""
    rows = session.execute(
        text(
            f"""
            WITH RECURSIVE up(id, repeat_of_id) AS (
                SELECT id, repeat_of_id FROM observation WHERE tenant_id = :tenant AND id = :id
              UNION ALL
                SELECT o.id, o.repeat_of_id FROM observation o
                  JOIN up ON o.tenant_id = :tenant AND o.id = up.repeat_of_id
            ) CYCLE id SET looped USING path,
            root AS (SELECT id FROM up WHERE repeat_of_id IS NULL),
            down(id, depth) AS (
                SELECT id, 0 FROM root
              UNION ALL
                SELECT o.id, down.depth + 1 FROM observation o
                  JOIN down ON o.tenant_id = :tenant AND o.repeat_of_id = down.id
            )
            SELECT {_NODE_COLUMNS}, down.depth FROM down
              JOIN observation o ON o.tenant_id = :tenant AND o.id = down.id
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             ORDER BY down.depth, o.identified_on, o.id
            """
        ),
        {"tenant": tenant_id, "id": observation_id},
    ).all()
    if not rows:
        raise NotFoundError(f"Observation {observation_id} does not exist in this tenant.")
    return _assemble(rows)


def _assemble(rows) -> LineageNode:
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.repeat_of_id, []).append(row)
    root_row = rows[0]

    # Built bottom-up without recursion so that a chain thousands deep cannot overflow.
    built: dict[int, LineageNode] = {}
    for row in sorted(rows, key=lambda r: r.depth, reverse=True):
        kids = tuple(built.pop(child.id) for child in children.get(row.id, []))
        built[row.id] = _node(row, row.depth, kids)
    return built[root_row.id]


_TREE_FILTERS = {
    "auditee": " AND o.tree_auditees @> ARRAY[CAST(:auditee AS text)]",
    "open_only": " AND o.tree_open > 0",
    # a repeat identified on a later day than the finding it repeats was closed
    "recurred_after_close": " AND o.tree_reopened",
}


def roots(
    session: Session,
    tenant_id: int,
    *,
    limit: int = 100,
    offset: int = 0,
    min_size: int = 2,
    filters: TreeFilter | None = None,
) -> list[LineageRoot]:
    """Originals that have repeats, largest tree first (then oldest first).

    One scan of the index on the roots' stored tree summaries (migration 0005), the
    filters read from the same index entries.
    """
    filters = filters or TreeFilter()
    conditions = "".join(
        sql
        for name, sql in _TREE_FILTERS.items()
        if (filters.auditee if name == "auditee" else getattr(filters, name))
    )
    rows = session.execute(
        text(
            f"""
            SELECT o.id, o.ref, o.title, o.severity, o.status, o.tree_size AS size,
                   o.tree_depth AS max_depth
              FROM observation o
             WHERE o.tenant_id = :tenant AND o.repeat_of_id IS NULL
               AND o.tree_size >= greatest(:min_size, 2) {conditions}
             ORDER BY o.tree_size DESC, o.id
             LIMIT :limit OFFSET :offset
            """
        ),
        {
            "tenant": tenant_id,
            "limit": limit,
            "offset": offset,
            "min_size": min_size,
            "auditee": filters.auditee,
        },
    ).all()
    return [
        LineageRoot(
            id=r.id,
            ref=r.ref,
            title=r.title,
            severity=Severity(r.severity),
            status=ObservationStatus(r.status),
            tree_size=r.size,
            max_depth=r.max_depth or 0,
        )
        for r in rows
    ]


_RECOMPUTE_ROOTS = """
WITH RECURSIVE chain(id, root_id) AS (
    SELECT id, id FROM observation WHERE tenant_id = :tenant AND repeat_of_id IS NULL
  UNION ALL
    SELECT o.id, chain.root_id FROM observation o
      JOIN chain ON o.tenant_id = :tenant AND o.repeat_of_id = chain.id
)
UPDATE observation o SET root_id = chain.root_id
  FROM chain
 WHERE o.tenant_id = :tenant AND o.id = chain.id AND o.root_id IS DISTINCT FROM chain.root_id
"""

_RECOMPUTE_SUMMARIES = """
UPDATE observation o
   SET tree_size = CASE WHEN o.repeat_of_id IS NULL THEN s.size ELSE 0 END,
       tree_depth = CASE WHEN o.repeat_of_id IS NULL THEN s.depth ELSE 0 END,
       tree_open = CASE WHEN o.repeat_of_id IS NULL THEN s.open ELSE 0 END,
       tree_reopened = o.repeat_of_id IS NULL AND s.reopened,
       tree_auditees = CASE WHEN o.repeat_of_id IS NULL THEN s.auditees ELSE '{}' END
  FROM (SELECT m.root_id, count(*) AS size, max(m.recurrence) AS depth,
               count(*) FILTER (WHERE m.status IN ('open', 'in_remediation',
                                                   'pending_validation')) AS open,
               coalesce(bool_or(p.closed_at IS NOT NULL AND m.identified_on > p.closed_at),
                        false) AS reopened,
               coalesce(array_agg(DISTINCT e.auditee ORDER BY e.auditee)
                            FILTER (WHERE e.auditee IS NOT NULL), '{}') AS auditees
          FROM observation m
          LEFT JOIN observation p ON p.tenant_id = m.tenant_id AND p.id = m.repeat_of_id
          LEFT JOIN audit_engagement e ON e.tenant_id = m.tenant_id AND e.id = m.engagement_id
         WHERE m.tenant_id = :tenant GROUP BY m.root_id) s
 WHERE o.tenant_id = :tenant AND o.root_id = s.root_id
"""


def recompute_trees(connection: Connection, tenant_id: int) -> None:
    """Set every finding's root and every root's tree summary, set-based, for a bulk
    load that paused the triggers which keep them (they must be paused here too)."""
    connection.execute(text(_RECOMPUTE_ROOTS), {"tenant": tenant_id})
    connection.execute(text(_RECOMPUTE_SUMMARIES), {"tenant": tenant_id})


@dataclass(frozen=True)
class LinkEnd:
    """What the lineage rules need to know about one end of a repeat link."""

    id: int
    ref: str
    identified_on: date


def link_end(session: Session, tenant_id: int, observation_id: int) -> LinkEnd | None:
    found = session.execute(
        select(O.id, O.ref, O.identified_on).where(
            O.tenant_id == tenant_id, O.id == observation_id
        )
    ).first()
    return None if found is None else LinkEnd(found.id, found.ref, found.identified_on)


def write_repeat_of(
    session: Session, actor: Actor, later_id: int, earlier_id: int | None
) -> None:
    """Store ``later.repeat_of_id`` (the database's lineage guard checks it again)."""
    set_actor(session, actor.user_id)
    with translated_errors():
        updated = session.execute(
            text(
                "UPDATE observation SET repeat_of_id = :earlier "
                "WHERE tenant_id = :tenant AND id = :later RETURNING id"
            ),
            {"earlier": earlier_id, "tenant": actor.tenant_id, "later": later_id},
        ).first()
    if updated is None:
        raise NotFoundError(f"Observation {later_id} does not exist in this tenant.")


def candidates(
    session: Session,
    tenant_id: int,
    later_id: int,
    search: str = "",
    limit: int = 50,
) -> list[dict]:
    """Earlier findings the given one may repeat: same auditee first, then the newest."""
    from auditdesk.data.expressions import like_pattern

    rows = session.execute(
        text(
            """
            WITH RECURSIVE later AS (
                SELECT o.id, o.identified_on, e.auditee FROM observation o
                  LEFT JOIN audit_engagement e
                    ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
                 WHERE o.tenant_id = :tenant AND o.id = :later
            ),
            below(id) AS (
                SELECT id FROM later
              UNION ALL
                SELECT o.id FROM observation o
                  JOIN below ON o.tenant_id = :tenant AND o.repeat_of_id = below.id
            ) CYCLE id SET looped USING path
            SELECT o.id, o.ref, o.title, o.severity, o.status, o.identified_on,
                   e.code AS engagement_code, e.auditee,
                   (e.auditee IS NOT DISTINCT FROM later.auditee) AS same_auditee
              FROM observation o CROSS JOIN later
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE o.tenant_id = :tenant
               AND o.identified_on <= later.identified_on
               AND o.id NOT IN (SELECT id FROM below)
               AND (NOT :searching OR o.search_text LIKE lower(:pattern))
             ORDER BY same_auditee DESC, o.identified_on DESC, o.id DESC
             LIMIT :limit
            """
        ),
        {
            "tenant": tenant_id,
            "later": later_id,
            "searching": bool(search.strip()),
            "pattern": like_pattern(search),
            "limit": limit,
        },
    ).mappings()
    return [dict(r) for r in rows]
