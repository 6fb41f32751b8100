"""Set-based recomputation of the stored sort keys and tallies (see docs/architecture.md).

Triggers keep these true row by row: each finding's ``engagement_code``, ``owner_name``
and ``repeat_of_ref`` (copies of what its links point at, so that the table sorts by
them through an index), each engagement's ``engagement_tally`` (findings, open, closed,
overdue as of the tenant's ``overdue_as_of`` day), each tenant's ``tenant_tally``
(all its findings) and each finding's action counts (``actions_total``,
``actions_done``, ``open_action_due_min``) and each action's ``finding_engagement_id``. When a bulk write pauses those triggers (the demo loader) or when
the columns are first filled (their migration), these statements compute them for one
tenant, or for every tenant when ``tenant_id`` is NULL. There is one definition of how
they are derived outside the triggers, and the migration runs the same text.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from auditdesk.domain.enums import OPEN_STATUSES, ActionStatus, ObservationStatus

_TENANT = "(CAST(:tenant_id AS bigint) IS NULL OR {alias}.tenant_id = :tenant_id)"

RECOMPUTE_SORT_KEYS = f"""
UPDATE public.observation o
   SET engagement_code = e.code, owner_name = u.display_name, repeat_of_ref = p.ref
  FROM public.observation s
  LEFT JOIN public.audit_engagement e ON e.tenant_id = s.tenant_id AND e.id = s.engagement_id
  LEFT JOIN public.app_user u ON u.tenant_id = s.tenant_id AND u.id = s.owner_id
  LEFT JOIN public.observation p ON p.tenant_id = s.tenant_id AND p.id = s.repeat_of_id
 WHERE s.tenant_id = o.tenant_id AND s.id = o.id AND {_TENANT.format(alias="o")}
   AND (o.engagement_code, o.owner_name, o.repeat_of_ref)
       IS DISTINCT FROM (e.code, u.display_name, p.ref)
"""

#: Open in the metrics' sense (``OPEN_STATUSES`` of the domain), over a table alias.
OPEN_SQL = "{alias}.status IN (" + ", ".join(
    f"'{s.value}'" for s in ObservationStatus if s in OPEN_STATUSES
) + ")"

OPEN_ACTION_STATUSES = ", ".join(f"'{s.value}'" for s in ActionStatus if s.is_open)

RECOMPUTE_TENANT_TALLIES = [
    f"DELETE FROM public.tenant_tally t WHERE {_TENANT.format(alias='t')}",
    """
    INSERT INTO public.tenant_tally (tenant_id, observations, overdue_as_of)
    SELECT n.id, (SELECT count(*) FROM public.observation o WHERE o.tenant_id = n.id),
           (now() AT TIME ZONE n.time_zone)::date
      FROM public.tenant n
     WHERE CAST(:tenant_id AS bigint) IS NULL OR n.id = :tenant_id
    """,
]

RECOMPUTE_ENGAGEMENT_TALLIES = [
    f"DELETE FROM public.engagement_tally t WHERE {_TENANT.format(alias='t')}",
    f"""
    INSERT INTO public.engagement_tally (tenant_id, engagement_id, total, open, closed, overdue)
    SELECT o.tenant_id, o.engagement_id, count(*),
           count(*) FILTER (WHERE {OPEN_SQL.format(alias="o")}),
           count(*) FILTER (WHERE o.status = 'closed'),
           count(*) FILTER (WHERE {OPEN_SQL.format(alias="o")} AND o.due_date < a.overdue_as_of)
      FROM public.observation o
      JOIN public.tenant_tally a ON a.tenant_id = o.tenant_id
     WHERE o.engagement_id IS NOT NULL AND o.status <> 'draft' AND {_TENANT.format(alias="o")}
     GROUP BY o.tenant_id, o.engagement_id
    """,
]


#: Each finding's action counts (migration 0011): first the findings that have actions,
#: then those whose stored counts say they have some but have none.
RECOMPUTE_ACTION_COUNTS = [
    f"""
    UPDATE public.observation o
       SET actions_total = c.total, actions_done = c.done, open_action_due_min = c.due_min
      FROM (SELECT a.tenant_id, a.observation_id, count(*)::integer AS total,
                   (count(*) FILTER (WHERE a.status = 'done'))::integer AS done,
                   min(a.due_date) FILTER (WHERE a.status IN ({OPEN_ACTION_STATUSES})) AS due_min
              FROM public.remediation_action a
             WHERE {_TENANT.format(alias="a")}
             GROUP BY a.tenant_id, a.observation_id) c
     WHERE o.tenant_id = c.tenant_id AND o.id = c.observation_id
       AND (o.actions_total, o.actions_done, o.open_action_due_min)
           IS DISTINCT FROM (c.total, c.done, c.due_min)
    """,
    f"""
    UPDATE public.observation o
       SET actions_total = 0, actions_done = 0, open_action_due_min = NULL
     WHERE {_TENANT.format(alias="o")}
       AND (o.actions_total <> 0 OR o.actions_done <> 0 OR o.open_action_due_min IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM public.remediation_action a
                        WHERE a.tenant_id = o.tenant_id AND a.observation_id = o.id)
    """,
]


#: Each action's copy of its finding's engagement (migration 0015).
RECOMPUTE_ACTION_ENGAGEMENTS = f"""
UPDATE public.remediation_action a SET finding_engagement_id = o.engagement_id
  FROM public.observation o
 WHERE o.tenant_id = a.tenant_id AND o.id = a.observation_id AND {_TENANT.format(alias="a")}
   AND a.finding_engagement_id IS DISTINCT FROM o.engagement_id
"""


def recompute_derived(connection: Connection, tenant_id: int | None = None) -> None:
    """Recompute the sort keys and tallies of one tenant (every tenant when None). The
    caller pauses the row triggers around it when it must (a bulk load does)."""
    params = {"tenant_id": tenant_id}
    connection.execute(text(RECOMPUTE_SORT_KEYS), params)
    for statement in (*RECOMPUTE_TENANT_TALLIES, *RECOMPUTE_ENGAGEMENT_TALLIES):
        connection.execute(text(statement), params)
    if connection.execute(text("SELECT to_regclass('public.remediation_action')")).scalar():
        for statement in RECOMPUTE_ACTION_COUNTS:
            connection.execute(text(statement), params)
        engagement_copy = connection.execute(text(
            "SELECT 1 FROM pg_attribute WHERE attrelid = 'public.remediation_action'::regclass "
            "AND attname = 'finding_engagement_id' AND NOT attisdropped")).scalar()
        if engagement_copy:
            connection.execute(text(RECOMPUTE_ACTION_ENGAGEMENTS), params)
