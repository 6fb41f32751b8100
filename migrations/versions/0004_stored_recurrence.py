"""Store each finding's recurrence (its depth from the root of its repeat tree).

Sorting a million findings by recurrence needs an indexed column, not a recursive walk
per row. Triggers keep it true whatever a client sends: a new or re-linked finding takes
its original's recurrence + 1, and a change moves the whole subtree below it in one
statement. It is derived data: it does not bump a row's version, and a change of it alone
leaves no audit entry (the link change that caused it does).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditdesk.db.recurrence import recompute_recurrence

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SET_OWN = r"""
CREATE FUNCTION observation_set_recurrence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.repeat_of_id IS NULL THEN
        NEW.recurrence := 0;
    ELSE
        SELECT recurrence + 1 INTO NEW.recurrence FROM observation
         WHERE tenant_id = NEW.tenant_id AND id = NEW.repeat_of_id;
        NEW.recurrence := coalesce(NEW.recurrence, 0);
    END IF;
    RETURN NEW;
END
$$;
"""

MOVE_SUBTREE = r"""
CREATE FUNCTION observation_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH RECURSIVE below(id, depth) AS (
        SELECT id, NEW.recurrence + 1 FROM observation
         WHERE tenant_id = NEW.tenant_id AND repeat_of_id = NEW.id
      UNION ALL
        SELECT o.id, below.depth + 1 FROM observation o
          JOIN below ON o.tenant_id = NEW.tenant_id AND o.repeat_of_id = below.id
    )
    UPDATE observation o SET recurrence = below.depth
      FROM below
     WHERE o.tenant_id = NEW.tenant_id AND o.id = below.id AND o.recurrence <> below.depth;
    RETURN NULL;
END
$$;
"""

# touch_row_version and audit_row_change from 0002, taught that recurrence is derived.
TOUCH_IGNORING_RECURRENCE = r"""
CREATE OR REPLACE FUNCTION touch_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'updated_at' - 'version' - 'recurrence' IS DISTINCT FROM
       to_jsonb(OLD) - 'updated_at' - 'version' - 'recurrence' THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;
"""


# The 0002 versions, restored by downgrade.
AUDIT_0002 = r"""
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    columns_changed text[];
    acting_user text;
    row_key bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.key ORDER BY n.key) INTO columns_changed
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key;
        IF columns_changed IS NULL THEN
            RETURN NULL;  -- an update that changed nothing leaves no trace
        END IF;
    ELSE
        SELECT array_agg(k ORDER BY k) INTO columns_changed
          FROM jsonb_object_keys(coalesce(new_row, old_row)) AS k;
    END IF;
    row_key := coalesce(new_row, old_row) ->> 'id';
    acting_user := nullif(current_setting('auditdesk.app_user_id', true), '');
    INSERT INTO audit_log (table_name, row_id, tenant_id, action, old_values, new_values,
                           changed_columns, db_login, app_user_id, changed_at)
    VALUES (TG_TABLE_NAME,
            coalesce(row_key, (coalesce(new_row, old_row) ->> 'engagement_id')::bigint),
            CASE WHEN TG_TABLE_NAME = 'tenant' THEN row_key
                 ELSE (coalesce(new_row, old_row) ->> 'tenant_id')::bigint END,
            lower(TG_OP), old_row, new_row, columns_changed, session_user,
            acting_user::bigint, clock_timestamp());
    RETURN NULL;
END
$$;
"""

TOUCH_0002 = r"""
CREATE OR REPLACE FUNCTION touch_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'updated_at' - 'version' IS DISTINCT FROM
       to_jsonb(OLD) - 'updated_at' - 'version' THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;
"""

# The same function, but a change of the derived recurrence alone is not a change.
_CHANGED_COLUMNS_0002 = "WHERE n.value IS DISTINCT FROM old_row -> n.key;"
assert _CHANGED_COLUMNS_0002 in AUDIT_0002
AUDIT_IGNORING_RECURRENCE = AUDIT_0002.replace(
    _CHANGED_COLUMNS_0002,
    "WHERE n.value IS DISTINCT FROM old_row -> n.key\n"
    "           AND n.key <> 'recurrence';  -- derived: follows the link change",
)



def upgrade() -> None:
    op.add_column(
        "observation",
        sa.Column("recurrence", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_index(
        op.f("ix_observation_tenant_id_recurrence_id"),
        "observation",
        ["tenant_id", "recurrence", "id"],
        unique=False,
    )
    op.create_check_constraint(
        op.f("observation_recurrence_non_negative_check"), "observation", "recurrence >= 0"
    )
    op.execute("ALTER TABLE observation DISABLE TRIGGER USER")
    recompute_recurrence(op.get_bind())  # every tenant
    op.execute("ALTER TABLE observation ENABLE TRIGGER USER")
    op.execute(SET_OWN)
    op.execute(MOVE_SUBTREE)
    op.execute(
        "CREATE TRIGGER observation_set_recurrence "
        "BEFORE INSERT OR UPDATE OF repeat_of_id ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_set_recurrence()"
    )
    op.execute(
        "CREATE TRIGGER observation_move_subtree "
        "AFTER UPDATE OF repeat_of_id ON observation "
        "FOR EACH ROW WHEN (OLD.recurrence IS DISTINCT FROM NEW.recurrence) "
        "EXECUTE FUNCTION observation_move_subtree()"
    )
    op.execute(TOUCH_IGNORING_RECURRENCE)
    op.execute(AUDIT_IGNORING_RECURRENCE)


def downgrade() -> None:
    op.execute(AUDIT_0002)
    op.execute(TOUCH_0002)
    op.execute("DROP TRIGGER IF EXISTS observation_move_subtree ON observation")
    op.execute("DROP TRIGGER IF EXISTS observation_set_recurrence ON observation")
    op.execute("DROP FUNCTION IF EXISTS observation_move_subtree()")
    op.execute("DROP FUNCTION IF EXISTS observation_set_recurrence()")
    op.drop_constraint(
        op.f("observation_recurrence_non_negative_check"), "observation", type_="check"
    )
    op.drop_index(op.f("ix_observation_tenant_id_recurrence_id"), table_name="observation")
    op.drop_column("observation", "recurrence")
