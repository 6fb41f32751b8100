"""Stored sort keys on findings, and tallies per engagement and per tenant.

At a million findings, sorting by a column of another table (engagement code, owner
name, the ref a finding repeats) joins and sorts every row, and counting findings per
engagement reads every finding. So what those queries need is stored where an index
serves it, and kept by triggers in the database, never by the client:

* ``observation.engagement_code``, ``owner_name``, ``repeat_of_ref``: copies of the
  engagement's code, the owner's display name and the earlier finding's ref, each
  indexed with the tenant and id. A BEFORE trigger sets all three from their sources on
  every insert and on every change of a link (or of the copies themselves: a client
  that writes them directly gets the true values back); renaming an engagement code,
  an owner or a ref rewrites the copies of the findings that point at it. Deleting
  the source sets the link to NULL (the foreign keys), which the BEFORE trigger follows.
* ``engagement_tally``: per engagement, its findings (drafts excluded), open, closed and
  overdue — overdue counted as of the tenant's ``tenant_tally.overdue_as_of`` day.
  "Overdue" depends on today, so readers add the open findings whose due date lies
  between that day and their own today (an index range on the due date, a few rows per
  day) and the daily capture moves the day forward (``public.tally_advance``).
* ``tenant_tally``: per tenant, all its findings (drafts included), for the table's
  unfiltered count.

The copies never make a new version and are left out of the audit entries' changed
columns (the change of their source is audited where it happens).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditdesk.db.derived import OPEN_SQL, recompute_derived

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
SORT_KEYS = ("engagement_code", "owner_name", "repeat_of_ref")
OPEN_NEW = OPEN_SQL.format(alias="NEW")

SET_SORT_KEYS = rf"""
CREATE FUNCTION public.observation_sort_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    NEW.engagement_code := (SELECT e.code FROM public.audit_engagement e
                             WHERE e.tenant_id = NEW.tenant_id AND e.id = NEW.engagement_id);
    NEW.owner_name := (SELECT u.display_name FROM public.app_user u
                        WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.owner_id);
    NEW.repeat_of_ref := (SELECT p.ref FROM public.observation p
                           WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.repeat_of_id);
    RETURN NEW;
END
$$;
"""

# Renamed sources: rewrite the copies of the findings pointing at them.
FOLLOW_RENAMES = rf"""
CREATE FUNCTION public.audit_engagement_code_copies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.observation o SET engagement_code = NEW.code
     WHERE o.tenant_id = NEW.tenant_id AND o.engagement_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.app_user_name_copies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.observation o SET owner_name = NEW.display_name
     WHERE o.tenant_id = NEW.tenant_id AND o.owner_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION public.observation_ref_copies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.observation o SET repeat_of_ref = NEW.ref
     WHERE o.tenant_id = NEW.tenant_id AND o.repeat_of_id = NEW.id;
    RETURN NULL;
END
$$;
"""

# One finding's share of its engagement's tally, added (sign 1) or taken away (-1).
TALLY_ADD = rf"""
CREATE FUNCTION public.engagement_tally_add(p_tenant bigint, p_engagement bigint,
                                            p_sign integer, p_open boolean,
                                            p_closed boolean, p_overdue boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF p_sign > 0 THEN
        INSERT INTO public.engagement_tally AS t
               (tenant_id, engagement_id, total, open, closed, overdue)
        VALUES (p_tenant, p_engagement, 1, p_open::int, p_closed::int, p_overdue::int)
        ON CONFLICT (tenant_id, engagement_id) DO UPDATE
           SET total = t.total + 1, open = t.open + p_open::int,
               closed = t.closed + p_closed::int, overdue = t.overdue + p_overdue::int;
    ELSE
        -- a deleted engagement's tally may be gone already (ON DELETE CASCADE)
        UPDATE public.engagement_tally t
           SET total = t.total - 1, open = t.open - p_open::int,
               closed = t.closed - p_closed::int, overdue = t.overdue - p_overdue::int
         WHERE t.tenant_id = p_tenant AND t.engagement_id = p_engagement;
    END IF;
END
$$;
"""

TALLY = rf"""
CREATE FUNCTION public.observation_tally() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    as_of date;
    old_in boolean := false;
    new_in boolean := false;
    old_open boolean; old_closed boolean; old_overdue boolean;
    new_open boolean; new_closed boolean; new_overdue boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO public.tenant_tally AS t (tenant_id, observations, overdue_as_of)
        VALUES (NEW.tenant_id, 1,
                (SELECT (now() AT TIME ZONE n.time_zone)::date FROM public.tenant n
                  WHERE n.id = NEW.tenant_id))
        ON CONFLICT (tenant_id) DO UPDATE SET observations = t.observations + 1
        RETURNING t.overdue_as_of INTO as_of;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE public.tenant_tally t SET observations = t.observations - 1
         WHERE t.tenant_id = OLD.tenant_id RETURNING t.overdue_as_of INTO as_of;
    ELSE
        -- KEY SHARE: tally_advance (FOR UPDATE) waits for this transaction, and this one
        -- for it, so no share is counted against the wrong day
        SELECT t.overdue_as_of INTO as_of FROM public.tenant_tally t
         WHERE t.tenant_id = NEW.tenant_id FOR KEY SHARE;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.engagement_id IS NOT NULL AND OLD.status <> 'draft' THEN
        old_in := true;
        old_open := {OPEN_SQL.format(alias="OLD")};
        old_closed := OLD.status = 'closed';
        old_overdue := coalesce(old_open AND OLD.due_date < as_of, false);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.engagement_id IS NOT NULL AND NEW.status <> 'draft' THEN
        new_in := true;
        new_open := {OPEN_NEW};
        new_closed := NEW.status = 'closed';
        new_overdue := coalesce(new_open AND NEW.due_date < as_of, false);
    END IF;
    IF old_in AND new_in AND OLD.engagement_id = NEW.engagement_id
       AND old_open = new_open AND old_closed = new_closed
       AND old_overdue = new_overdue THEN
        RETURN NULL;  -- its share did not change
    END IF;
    -- two engagements' rows are always locked in the order of their ids (no deadlock)
    IF old_in AND (NOT new_in OR OLD.engagement_id <= NEW.engagement_id) THEN
        PERFORM public.engagement_tally_add(OLD.tenant_id, OLD.engagement_id, -1,
                                            old_open, old_closed, old_overdue);
        old_in := false;
    END IF;
    IF new_in THEN
        PERFORM public.engagement_tally_add(NEW.tenant_id, NEW.engagement_id, 1,
                                            new_open, new_closed, new_overdue);
    END IF;
    IF old_in THEN
        PERFORM public.engagement_tally_add(OLD.tenant_id, OLD.engagement_id, -1,
                                            old_open, old_closed, old_overdue);
    END IF;
    RETURN NULL;
END
$$;
"""

# Readers and tally_advance: how the overdue counts of day ``as_of`` become those of
# ``today`` (open findings due in between, per engagement, +1 or -1).
OVERDUE_CORRECTION = f"""
SELECT o.engagement_id,
       (count(*) FILTER (WHERE o.due_date >= p_as_of)
        - count(*) FILTER (WHERE o.due_date < p_as_of))::integer AS delta
  FROM public.observation o
 WHERE o.tenant_id = p_tenant AND o.engagement_id IS NOT NULL AND {OPEN_SQL.format(alias="o")}
   AND o.due_date >= least(p_as_of, p_today) AND o.due_date < greatest(p_as_of, p_today)
 GROUP BY o.engagement_id
"""

ADVANCE = rf"""
CREATE FUNCTION public.tally_advance(p_tenant bigint, p_today date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    p_as_of date;
BEGIN
    SELECT t.overdue_as_of INTO p_as_of FROM public.tenant_tally t
     WHERE t.tenant_id = p_tenant FOR UPDATE;
    IF p_as_of IS NULL OR p_as_of = p_today THEN
        RETURN;
    END IF;
    UPDATE public.engagement_tally t SET overdue = t.overdue + d.delta
      FROM ({OVERDUE_CORRECTION}) d
     WHERE t.tenant_id = p_tenant AND t.engagement_id = d.engagement_id AND d.delta <> 0;
    UPDATE public.tenant_tally t SET overdue_as_of = p_today WHERE t.tenant_id = p_tenant;
END
$$;
"""

# The audit and row-version functions are edited where they stand, as 0006 does.
AUDIT_EDITS = (
    ("n.key NOT IN ('recurrence',", "n.key NOT IN ('recurrence', " + ", ".join(
        f"'{c}'" for c in SORT_KEYS) + ","),
)
TOUCH_EDITS = (
    ("- 'recurrence'", "- 'recurrence' " + " ".join(f"- '{c}'" for c in SORT_KEYS)),
)


def _edit_function(name: str, edits, *, reverse: bool = False) -> None:
    connection = op.get_bind()
    definition = connection.execute(
        sa.text("SELECT pg_get_functiondef(CAST(:name AS regprocedure))"), {"name": f"{name}()"}
    ).scalar_one()
    for old, new in edits:
        if reverse:
            old, new = new, old
        if old not in definition:
            raise RuntimeError(f"{name}() does not hold the expected text: {old!r}")
        definition = definition.replace(old, new)
    connection.exec_driver_sql(definition)


def _tally_table(name: str, *columns, keys, foreign) -> None:
    """A tally: read by the tenant's logins, written only by the SECURITY DEFINER trigger
    functions above (no login holds a write grant, and no policy lets one write), and not
    audited — it follows the audited changes."""
    op.create_table(
        name,
        *columns,
        sa.PrimaryKeyConstraint(*keys, name=op.f(f"{name}_pkey")),
        foreign,
    )
    # As every tenant table (migration 0008): row-level security that the owner (and its
    # SECURITY DEFINER functions) bypasses, one policy per command, led by the tenant.
    op.execute(f"ALTER TABLE public.{name} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {name}_read ON public.{name} FOR SELECT "
        "USING (tenant_id = (SELECT public.auditdesk_login_tenant()))"
    )
    op.execute(f"REVOKE ALL ON public.{name} FROM PUBLIC")
    for app_role in ("auditor", "manager", "admin"):
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            f"EXECUTE format('GRANT SELECT ON public.{name} TO %I', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )


def upgrade() -> None:
    for column in SORT_KEYS:
        op.add_column("observation", sa.Column(column, sa.Text(), nullable=True))
    _tally_table(
        "tenant_tally",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("observations", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("overdue_as_of", sa.Date(), nullable=False),
        keys=("tenant_id",),
        foreign=sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("tenant_tally_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
    )
    _tally_table(
        "engagement_tally",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("engagement_id", sa.BigInteger(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for name in ("total", "open", "closed", "overdue")
        ),
        keys=("tenant_id", "engagement_id"),
        foreign=sa.ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            name=op.f("engagement_tally_tenant_id_engagement_id_fkey"),
            ondelete="CASCADE",
        ),
    )
    op.execute("ALTER TABLE observation DISABLE TRIGGER USER")
    recompute_derived(op.get_bind())  # every tenant
    op.execute("ALTER TABLE observation ENABLE TRIGGER USER")
    for column in SORT_KEYS:
        op.create_index(
            op.f(f"ix_observation_tenant_id_{column}_id"), "observation",
            ["tenant_id", column, "id"], unique=False,
        )
    op.execute(SET_SORT_KEYS)
    op.execute(
        "CREATE TRIGGER observation_sort_keys BEFORE INSERT OR UPDATE OF "
        "engagement_id, owner_id, repeat_of_id, " + ", ".join(SORT_KEYS)
        + " ON public.observation FOR EACH ROW EXECUTE FUNCTION public.observation_sort_keys()"
    )
    op.execute(FOLLOW_RENAMES)
    for table, column, function in (
        ("audit_engagement", "code", "audit_engagement_code_copies"),
        ("app_user", "display_name", "app_user_name_copies"),
        ("observation", "ref", "observation_ref_copies"),
    ):
        op.execute(
            f"CREATE TRIGGER {function} AFTER UPDATE OF {column} ON public.{table} "
            f"FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) "
            f"EXECUTE FUNCTION public.{function}()"
        )
    op.execute(TALLY_ADD)
    op.execute(TALLY)
    op.execute(
        "CREATE TRIGGER observation_tally AFTER INSERT OR DELETE OR UPDATE OF "
        "status, due_date, engagement_id ON public.observation "
        "FOR EACH ROW EXECUTE FUNCTION public.observation_tally()"
    )
    op.execute(ADVANCE)
    _edit_function("audit_row_change", AUDIT_EDITS)
    _edit_function("touch_row_version", TOUCH_EDITS)


def downgrade() -> None:
    _edit_function("touch_row_version", TOUCH_EDITS, reverse=True)
    _edit_function("audit_row_change", AUDIT_EDITS, reverse=True)
    op.execute("DROP FUNCTION public.tally_advance(bigint, date)")
    op.execute("DROP TRIGGER observation_tally ON public.observation")
    op.execute("DROP FUNCTION public.observation_tally()")
    op.execute(
        "DROP FUNCTION public.engagement_tally_add(bigint, bigint, integer, boolean, boolean, "
        "boolean)"
    )
    for table, function in (
        ("audit_engagement", "audit_engagement_code_copies"),
        ("app_user", "app_user_name_copies"),
        ("observation", "observation_ref_copies"),
    ):
        op.execute(f"DROP TRIGGER {function} ON public.{table}")
        op.execute(f"DROP FUNCTION public.{function}()")
    op.execute("DROP TRIGGER observation_sort_keys ON public.observation")
    op.execute("DROP FUNCTION public.observation_sort_keys()")
    op.drop_table("engagement_tally")
    op.drop_table("tenant_tally")
    for column in SORT_KEYS:
        op.drop_index(op.f(f"ix_observation_tenant_id_{column}_id"), table_name="observation")
        op.drop_column("observation", column)
