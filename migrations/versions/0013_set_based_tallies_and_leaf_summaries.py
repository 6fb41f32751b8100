"""Tallies per statement for inserts and deletes; a lone root's summary set with the row.

Two costs grew faster than the rows a statement wrote (measured with EXPLAIN ANALYZE,
see docs/architecture.md, "Speed at a million findings"):

* ``observation_tally`` ran once per inserted or deleted finding and updated the same
  ``tenant_tally`` row (and its engagement's ``engagement_tally`` row) each time. In one
  transaction every such update leaves a row version the next one must step over, so a
  4,000-row insert spent 3.4 s there (0.24 s for 1,000 rows: quadratic). Inserts and
  deletes are now counted by statement triggers with transition tables: one upsert per
  tenant and one per engagement, engagements locked in the order of their ids (the rule
  of the row trigger, so that two writers cannot deadlock). Updates keep the row trigger,
  which already skips a finding whose share did not change.
* A finding that is the root of its own tree (inserted without a link, or set free when
  the finding it repeated is deleted) got its summary from the statement trigger's
  ``observation_summarise_roots``: a second update of the same row, through every row
  trigger and every index, for each such finding. ``observation_set_recurrence`` now
  sets a lone root's summary itself (size 1, depth 0, open if it is open, no reopening,
  its engagement's auditee); the summary pass then finds nothing to change for it. A
  freed finding that has repeats of its own keeps the summary pass as before. New roots
  of an insert are left out of that pass (nothing else of the statement can be in their
  tree but rows that link to them, and those bring their root along).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

from auditdesk.db.derived import OPEN_SQL

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
OPEN_N = OPEN_SQL.format(alias="n")

TALLY_STATEMENTS = rf"""
CREATE FUNCTION public.observation_tally_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    INSERT INTO public.tenant_tally AS t (tenant_id, observations, overdue_as_of)
    SELECT n.tenant_id, count(*),
           (SELECT (now() AT TIME ZONE x.time_zone)::date FROM public.tenant x
             WHERE x.id = n.tenant_id)
      FROM new_rows n GROUP BY n.tenant_id ORDER BY n.tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET observations = t.observations + excluded.observations;
    INSERT INTO public.engagement_tally AS t
           (tenant_id, engagement_id, total, open, closed, overdue)
    SELECT s.tenant_id, s.engagement_id, count(*), count(*) FILTER (WHERE s.open),
           count(*) FILTER (WHERE s.closed),
           count(*) FILTER (WHERE s.open AND s.due_date < s.as_of)
      FROM (SELECT n.tenant_id, n.engagement_id, n.due_date, {OPEN_N} AS open,
                   n.status = 'closed' AS closed, a.overdue_as_of AS as_of
              FROM new_rows n JOIN public.tenant_tally a ON a.tenant_id = n.tenant_id
             WHERE n.engagement_id IS NOT NULL AND n.status <> 'draft') s
     GROUP BY s.tenant_id, s.engagement_id
     ORDER BY s.tenant_id, s.engagement_id  -- the lock order of the row trigger
    ON CONFLICT (tenant_id, engagement_id) DO UPDATE
       SET total = t.total + excluded.total, open = t.open + excluded.open,
           closed = t.closed + excluded.closed, overdue = t.overdue + excluded.overdue;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.observation_tally_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.tenant_tally t SET observations = t.observations - d.removed
      FROM (SELECT o.tenant_id, count(*) AS removed FROM old_rows o GROUP BY o.tenant_id) d
     WHERE t.tenant_id = d.tenant_id;
    -- lock the engagements' rows in the order of their ids first (no deadlock); a
    -- deleted engagement's tally may be gone already (ON DELETE CASCADE)
    PERFORM 1 FROM public.engagement_tally t
     WHERE (t.tenant_id, t.engagement_id) IN
           (SELECT o.tenant_id, o.engagement_id FROM old_rows o
             WHERE o.engagement_id IS NOT NULL AND o.status <> 'draft')
     ORDER BY t.tenant_id, t.engagement_id FOR UPDATE;
    UPDATE public.engagement_tally t
       SET total = t.total - s.total, open = t.open - s.open, closed = t.closed - s.closed,
           overdue = t.overdue - s.overdue
      FROM (SELECT n.tenant_id, n.engagement_id, count(*) AS total,
                   count(*) FILTER (WHERE {OPEN_N}) AS open,
                   count(*) FILTER (WHERE n.status = 'closed') AS closed,
                   count(*) FILTER (WHERE {OPEN_N} AND n.due_date < a.overdue_as_of) AS overdue
              FROM old_rows n JOIN public.tenant_tally a ON a.tenant_id = n.tenant_id
             WHERE n.engagement_id IS NOT NULL AND n.status <> 'draft'
             GROUP BY n.tenant_id, n.engagement_id) s
     WHERE t.tenant_id = s.tenant_id AND t.engagement_id = s.engagement_id;
    RETURN NULL;
END
$$;
"""

_RECURRENCE_HEAD = rf"""
CREATE OR REPLACE FUNCTION public.observation_set_recurrence() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id THEN
        IF pg_trigger_depth() = 1 THEN
            -- a client writing derived columns directly: the stored values stand
            NEW.recurrence := OLD.recurrence;
            NEW.root_id := OLD.root_id;
            NEW.tree_size := OLD.tree_size;
            NEW.tree_depth := OLD.tree_depth;
            NEW.tree_open := OLD.tree_open;
            NEW.tree_reopened := OLD.tree_reopened;
            NEW.tree_auditees := OLD.tree_auditees;
        END IF;
        RETURN NEW;  -- otherwise the tree triggers below are moving them
    END IF;
    IF NEW.repeat_of_id IS NULL THEN
        NEW.recurrence := 0;
        NEW.root_id := NEW.id;  -- its summary follows from the members
"""

_RECURRENCE_TAIL = r"""
    ELSE
        SELECT o.recurrence + 1, o.root_id INTO NEW.recurrence, NEW.root_id
          FROM public.observation o
         WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.repeat_of_id;
        NEW.recurrence := coalesce(NEW.recurrence, 0);
        NEW.tree_size := 0;
        NEW.tree_depth := 0;
        NEW.tree_open := 0;
        NEW.tree_reopened := false;
        NEW.tree_auditees := '{}';
    END IF;
    RETURN NEW;
END
$$;
"""

# A root with no repeats: its summary is its own (observation_summarise_roots over one
# member gives the same values, so that pass finds nothing to change).
_LONE_ROOT = rf"""
        IF TG_OP = 'INSERT' OR NOT EXISTS (
               SELECT 1 FROM public.observation c
                WHERE c.tenant_id = NEW.tenant_id AND c.repeat_of_id = NEW.id) THEN
            NEW.tree_size := 1;
            NEW.tree_depth := 0;
            NEW.tree_open := ({OPEN_SQL.format(alias="NEW")})::int;
            NEW.tree_reopened := false;
            NEW.tree_auditees := coalesce(
                (SELECT ARRAY[e.auditee] FROM public.audit_engagement e
                  WHERE e.tenant_id = NEW.tenant_id AND e.id = NEW.engagement_id
                    AND e.auditee IS NOT NULL), '{{}}');
        END IF;"""

SET_RECURRENCE = _RECURRENCE_HEAD + _LONE_ROOT + _RECURRENCE_TAIL
SET_RECURRENCE_0007 = _RECURRENCE_HEAD + _RECURRENCE_TAIL


def _summarise_inserted(new_roots_too: bool) -> str:
    which = "n.root_id IS NOT NULL" if new_roots_too else (
        "n.root_id IS NOT NULL AND n.repeat_of_id IS NOT NULL")
    return rf"""
CREATE OR REPLACE FUNCTION public.observation_summarise_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    roots bigint[];
BEGIN
    SELECT array_agg(ARRAY[n.tenant_id, n.root_id]) INTO roots FROM new_rows n
     WHERE {which};
    IF roots IS NOT NULL THEN
        PERFORM public.observation_summarise_roots(roots);
    END IF;
    RETURN NULL;
END
$$;
"""


# The audit entries of a statement's findings, one per finding it changed, written in one
# INSERT from the transition tables: the same entries as audit_row_change writes (the
# same changed columns, derived columns left out, the same acting person).
# (0011 added the action counts; a later change of audit_row_change's derived columns or
# of its acting person is made here too)
DERIVED = ("recurrence", "engagement_code", "owner_name", "repeat_of_ref", "actions_total",
           "actions_done", "open_action_due_min", "root_id", "tree_size", "tree_depth",
           "tree_open", "tree_reopened", "tree_auditees")
_ACTING = """
    -- the database's own scheduled changes (0011) are the system's, not a person's
    system := public.auditdesk_is_system_change();
    -- A person's login names the person; only the schema owner may name someone else.
    SELECT u.id INTO acting FROM public.app_user u WHERE u.db_login = session_user;
    IF acting IS NULL AND public.auditdesk_is_owner() THEN
        hint := current_setting('auditdesk.app_user_id', true);
        IF hint ~ '^[0-9]{1,18}$' THEN
            named := hint::bigint;
        END IF;
    END IF;"""
_ENTRY = """
    INSERT INTO public.audit_log (table_name, row_id, tenant_id, action, old_values,
                                  new_values, changed_columns, db_login, app_user_id,
                                  changed_at)
    SELECT 'observation', x.id, x.tenant_id, lower(TG_OP), x.old_row, x.new_row, x.columns,
           CASE WHEN system THEN 'system' ELSE session_user END,
           CASE WHEN system THEN NULL ELSE coalesce(acting, h.id) END, clock_timestamp()
      FROM ({rows}) x
      LEFT JOIN public.app_user h ON h.tenant_id = x.tenant_id AND h.id = named
     {where}ORDER BY x.id;"""
_ALL_KEYS = "(SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys({row}) AS k)"
_CHANGED = ("(SELECT array_agg(c.key ORDER BY c.key) FROM jsonb_each(n.new_row) AS c "
            "WHERE c.value IS DISTINCT FROM o.old_row -> c.key AND c.key NOT IN ("
            + ", ".join(f"'{c}'" for c in DERIVED) + "))")
_IMAGE = ("SELECT r.tenant_id, r.id, to_jsonb(r) - 'search_vector' AS {name} FROM {table} r"
          " OFFSET 0")
_INSERTED = _ENTRY.format(
    rows="SELECT n.tenant_id, n.id, NULL::jsonb AS old_row, n.new_row, "
         + _ALL_KEYS.format(row="n.new_row") + " AS columns FROM ("
         + _IMAGE.format(name="new_row", table="new_rows") + ") n",
    where="")
_DELETED = _ENTRY.format(
    rows="SELECT o.tenant_id, o.id, o.old_row, NULL::jsonb AS new_row, "
         + _ALL_KEYS.format(row="o.old_row") + " AS columns FROM ("
         + _IMAGE.format(name="old_row", table="old_rows") + ") o",
    where="")
# OFFSET 0 keeps each image a value made once per row: inlined, the planner made it again
# for every key compared (31 times a row)
_PAIRS = ("SELECT n.tenant_id, n.id, to_jsonb(o) - 'search_vector' AS old_row,"
          " to_jsonb(n) - 'search_vector' AS new_row FROM old_rows o JOIN new_rows n"
          " ON n.tenant_id = o.tenant_id AND n.id = o.id OFFSET 0")
_UPDATED = _ENTRY.format(
    rows="SELECT j.tenant_id, j.id, j.old_row, j.new_row, "
         + _CHANGED.replace("n.new_row", "j.new_row").replace("o.old_row", "j.old_row")
         + f" AS columns FROM ({_PAIRS}) j OFFSET 0",
    where="WHERE x.columns IS NOT NULL  -- an update that changed nothing leaves no trace\n     ")
AUDIT_STATEMENTS = rf"""
CREATE FUNCTION public.audit_observation_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    acting bigint;
    hint text;
    named bigint;
    system boolean;
BEGIN{_ACTING}
    IF TG_OP = 'INSERT' THEN{_INSERTED}
    ELSIF TG_OP = 'DELETE' THEN{_DELETED}
    ELSE{_UPDATED}
    END IF;
    RETURN NULL;
END
$$;
"""
AUDIT_ROW_TRIGGER = (
    "CREATE TRIGGER audit_observation AFTER INSERT OR UPDATE OR DELETE ON public.observation "
    "FOR EACH ROW EXECUTE FUNCTION public.audit_row_change()"
)
AUDIT_STATEMENT_TRIGGERS = {
    "audit_observation": ("INSERT", "NEW TABLE AS new_rows"),
    "audit_observation_updated": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "audit_observation_deleted": ("DELETE", "OLD TABLE AS old_rows"),
}


_SORT_KEYS_HEAD = rf"""
CREATE OR REPLACE FUNCTION public.observation_sort_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN"""
_SORT_KEYS_TAIL = """
    RETURN NEW;
END
$$;
"""
_ENGAGEMENT_CODE = ("(SELECT e.code FROM public.audit_engagement e\n"
                    "      WHERE e.tenant_id = NEW.tenant_id AND e.id = NEW.engagement_id)")
_OWNER_NAME = ("(SELECT u.display_name FROM public.app_user u\n"
               "      WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.owner_id)")
_REPEAT_OF_REF = ("(SELECT p.ref FROM public.observation p\n"
                  "      WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.repeat_of_id)")
# one statement for the three copies (each statement of a trigger costs its own executor
# start, once per row)
SORT_KEYS = (_SORT_KEYS_HEAD + f"""
    SELECT {_ENGAGEMENT_CODE},
           {_OWNER_NAME},
           {_REPEAT_OF_REF}
      INTO NEW.engagement_code, NEW.owner_name, NEW.repeat_of_ref;""" + _SORT_KEYS_TAIL)
SORT_KEYS_0009 = (_SORT_KEYS_HEAD + f"""
    NEW.engagement_code := {_ENGAGEMENT_CODE};
    NEW.owner_name := {_OWNER_NAME};
    NEW.repeat_of_ref := {_REPEAT_OF_REF};""" + _SORT_KEYS_TAIL)


TALLY_ROW_TRIGGER = (
    "CREATE TRIGGER observation_tally AFTER {events} ON public.observation "
    "FOR EACH ROW EXECUTE FUNCTION public.observation_tally()"
)
TALLY_UPDATE = "UPDATE OF status, due_date, engagement_id"


def upgrade() -> None:
    op.execute(SORT_KEYS)
    op.execute(SET_RECURRENCE)
    op.execute(_summarise_inserted(new_roots_too=False))
    op.execute(TALLY_STATEMENTS)
    op.execute(AUDIT_STATEMENTS)
    op.execute("DROP TRIGGER audit_observation ON public.observation")
    for name, (event, table) in AUDIT_STATEMENT_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON public.observation "
            f"REFERENCING {table} FOR EACH STATEMENT EXECUTE FUNCTION public.audit_observation_rows()"
        )
    op.execute("DROP TRIGGER observation_tally ON public.observation")
    op.execute(TALLY_ROW_TRIGGER.format(events=TALLY_UPDATE))
    for event, table, function in (
        ("INSERT", "NEW TABLE AS new_rows", "observation_tally_inserted"),
        ("DELETE", "OLD TABLE AS old_rows", "observation_tally_deleted"),
    ):
        op.execute(
            f"CREATE TRIGGER {function} AFTER {event} ON public.observation "
            f"REFERENCING {table} FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()"
        )


def downgrade() -> None:
    for name in AUDIT_STATEMENT_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON public.observation")
    op.execute("DROP FUNCTION public.audit_observation_rows()")
    op.execute(AUDIT_ROW_TRIGGER)
    for function in ("observation_tally_inserted", "observation_tally_deleted"):
        op.execute(f"DROP TRIGGER {function} ON public.observation")
        op.execute(f"DROP FUNCTION public.{function}()")
    op.execute("DROP TRIGGER observation_tally ON public.observation")
    op.execute(TALLY_ROW_TRIGGER.format(events="INSERT OR DELETE OR " + TALLY_UPDATE))
    op.execute(_summarise_inserted(new_roots_too=True))
    op.execute(SET_RECURRENCE_0007)
    op.execute(SORT_KEYS_0009)
