"""The one set-based recomputation of ``observation.recurrence`` (depth from the root).

Triggers created by migration 0004 keep the stored recurrence true row by row. When a
bulk write pauses those triggers (the demo loader) or when the column is first filled
(migration 0004 itself), this statement computes it for a whole tenant — or for every
tenant when ``tenant_id`` is NULL — walking each repeat tree from its root. Migration
0004 and the demo loader both execute this text, so there is one definition of how
recurrence is derived outside the triggers (see ``docs/architecture.md``).

It writes only the rows whose stored depth differs. The caller decides whether the
row triggers (version touch, audit trail) are paused around it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

RECOMPUTE_RECURRENCE = """
WITH RECURSIVE chain(tenant_id, id, depth) AS (
    SELECT tenant_id, id, 0 FROM observation
     WHERE repeat_of_id IS NULL
       AND (CAST(:tenant_id AS bigint) IS NULL OR tenant_id = :tenant_id)
  UNION ALL
    SELECT o.tenant_id, o.id, chain.depth + 1 FROM observation o
      JOIN chain ON o.tenant_id = chain.tenant_id AND o.repeat_of_id = chain.id
)
UPDATE observation o SET recurrence = chain.depth
  FROM chain
 WHERE o.tenant_id = chain.tenant_id AND o.id = chain.id AND o.recurrence <> chain.depth
"""
"""Parameter ``tenant_id``: one tenant, or NULL for all of them."""


def recompute_recurrence(connection: Connection, tenant_id: int | None = None) -> int:
    """Recompute the stored recurrence of one tenant's findings (all tenants when None);
    returns how many rows changed."""
    result = connection.execute(text(RECOMPUTE_RECURRENCE), {"tenant_id": tenant_id})
    return int(result.rowcount)
