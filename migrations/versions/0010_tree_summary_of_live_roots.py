"""Tree summaries: refreshed once per statement, for the trees it touched.

The row trigger of 0006/0007 summarised a tree again for every finding a statement
changed in it. Deleting an original with N repeats sets N links to NULL (one statement,
the foreign key's), and each of them summarised the tree the finding left: the tree of
a root just deleted, N times over N members (0.5 s for 100 repeats). Statement triggers
with transition tables now gather the roots the statement touched — before and after,
of the findings whose link, root, depth, status, closing, identification or engagement
changed — and summarise each of those trees once, set-based; a root that no longer
exists has nothing to summarise. The summary itself is the same as 0006's.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
TRACKED = ("repeat_of_id", "root_id", "recurrence", "status", "closed_at", "identified_on",
           "engagement_id")

SUMMARISE_ROOTS = rf"""
CREATE FUNCTION public.observation_summarise_roots(p_roots bigint[][]) RETURNS void
LANGUAGE sql SECURITY DEFINER {PINNED} AS $$
    UPDATE public.observation o
       SET tree_size = s.size, tree_depth = s.depth, tree_open = s.open,
           tree_reopened = s.reopened, tree_auditees = s.auditees
      FROM (SELECT m.tenant_id, m.root_id, count(*) AS size, max(m.recurrence) AS depth,
                   count(*) FILTER (WHERE m.status IN ('open', 'in_remediation',
                                                       'pending_validation')) AS open,
                   coalesce(bool_or(p.closed_at IS NOT NULL AND m.identified_on > p.closed_at),
                            false) AS reopened,
                   coalesce(array_agg(DISTINCT e.auditee ORDER BY e.auditee)
                                FILTER (WHERE e.auditee IS NOT NULL), '{{}}') AS auditees
              FROM (SELECT DISTINCT p_roots[i][1] AS tenant_id, p_roots[i][2] AS root_id
                      FROM generate_subscripts(p_roots, 1) AS i) r
              JOIN public.observation m ON m.tenant_id = r.tenant_id AND m.root_id = r.root_id
              LEFT JOIN public.observation p
                ON p.tenant_id = m.tenant_id AND p.id = m.repeat_of_id
              LEFT JOIN public.audit_engagement e
                ON e.tenant_id = m.tenant_id AND e.id = m.engagement_id
             GROUP BY m.tenant_id, m.root_id) s
     WHERE o.tenant_id = s.tenant_id AND o.id = s.root_id AND o.repeat_of_id IS NULL
       AND (o.tree_size, o.tree_depth, o.tree_open, o.tree_reopened, o.tree_auditees)
           IS DISTINCT FROM (s.size, s.depth, s.open, s.reopened, s.auditees)
$$;
"""

_CHANGED = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in TRACKED)

STATEMENT_TRIGGERS = rf"""
CREATE FUNCTION public.observation_summarise_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    roots bigint[];
BEGIN
    SELECT array_agg(ARRAY[n.tenant_id, n.root_id]) INTO roots FROM new_rows n
     WHERE n.root_id IS NOT NULL;
    IF roots IS NOT NULL THEN
        PERFORM public.observation_summarise_roots(roots);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.observation_summarise_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    roots bigint[];
BEGIN
    SELECT array_agg(ARRAY[o.tenant_id, o.root_id]) INTO roots FROM old_rows o
     WHERE o.root_id IS NOT NULL;
    IF roots IS NOT NULL THEN
        PERFORM public.observation_summarise_roots(roots);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.observation_summarise_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    roots bigint[];
BEGIN
    SELECT array_agg(ARRAY[x.tenant_id, x.root_id]) INTO roots
      FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id AND n.id = o.id
     CROSS JOIN LATERAL (VALUES (o.tenant_id, o.root_id), (n.tenant_id, n.root_id))
           AS x(tenant_id, root_id)
     WHERE x.root_id IS NOT NULL AND ({_CHANGED});
    IF roots IS NOT NULL THEN  -- the summaries' own update changes none of these
        PERFORM public.observation_summarise_roots(roots);
    END IF;
    RETURN NULL;
END
$$;
"""

ROW_TRIGGER_0006 = (
    "CREATE TRIGGER observation_summarise_tree AFTER INSERT OR DELETE OR UPDATE OF "
    + ", ".join(("repeat_of_id", "root_id", "recurrence", "status", "closed_at",
                 "identified_on", "engagement_id"))
    + " ON public.observation FOR EACH ROW EXECUTE FUNCTION public.observation_summarise_tree()"
)


def upgrade() -> None:
    op.execute(SUMMARISE_ROOTS)
    op.execute(STATEMENT_TRIGGERS)
    op.execute("DROP TRIGGER observation_summarise_tree ON public.observation")
    for event, table, function in (
        ("INSERT", "NEW TABLE AS new_rows", "observation_summarise_inserted"),
        ("DELETE", "OLD TABLE AS old_rows", "observation_summarise_deleted"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "observation_summarise_updated"),
    ):
        op.execute(
            f"CREATE TRIGGER {function} AFTER {event} ON public.observation "
            f"REFERENCING {table} FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()"
        )


def downgrade() -> None:
    for function in ("observation_summarise_inserted", "observation_summarise_deleted",
                     "observation_summarise_updated"):
        op.execute(f"DROP TRIGGER {function} ON public.observation")
        op.execute(f"DROP FUNCTION public.{function}()")
    op.execute("DROP FUNCTION public.observation_summarise_roots(bigint[])")
    op.execute(ROW_TRIGGER_0006)
