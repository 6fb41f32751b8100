"""Database-side rules: audit trail, lineage guard, row versions, text search index.

These live in the database so that they hold whatever a client sends: a raw SQL
session cannot create a repeat cycle, link across tenants, or change a row
without an audit record naming its login.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AUDITED_TABLES = (
    "tenant",
    "app_user",
    "audit_engagement",
    "engagement_member",
    "observation",
    "dashboard_snapshot",
)

AUDIT_FUNCTION = r"""
CREATE FUNCTION audit_row_change() RETURNS trigger
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

AUDIT_LOG_READ_ONLY = r"""
CREATE FUNCTION audit_log_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log rows cannot be changed or deleted'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TOUCH_FUNCTION = r"""
CREATE FUNCTION touch_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
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

LINEAGE_GUARD = r"""
CREATE FUNCTION observation_lineage_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    earlier_ref text;
    earlier_identified date;
    makes_cycle boolean;
    later_ref text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.identified_on IS DISTINCT FROM OLD.identified_on THEN
        SELECT ref INTO later_ref FROM observation
         WHERE tenant_id = NEW.tenant_id AND repeat_of_id = NEW.id
           AND identified_on < NEW.identified_on
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'observation % cannot be identified after its repeat %',
                NEW.ref, later_ref
                USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
        END IF;
    END IF;
    IF NEW.repeat_of_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id
       AND NEW.identified_on IS NOT DISTINCT FROM OLD.identified_on THEN
        RETURN NEW;
    END IF;
    IF NEW.repeat_of_id = NEW.id THEN
        RAISE EXCEPTION 'observation % cannot be a repeat of itself', NEW.ref
            USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
    END IF;
    -- Serialise link changes within a tenant so two concurrent links cannot close a cycle.
    PERFORM pg_advisory_xact_lock(hashtextextended('auditdesk.lineage.' || NEW.tenant_id, 0));
    SELECT ref, identified_on INTO earlier_ref, earlier_identified FROM observation
     WHERE tenant_id = NEW.tenant_id AND id = NEW.repeat_of_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- the composite foreign key reports the missing or foreign row
    END IF;
    IF earlier_identified > NEW.identified_on THEN
        RAISE EXCEPTION 'observation % (identified %) cannot repeat % (identified later, %)',
            NEW.ref, NEW.identified_on, earlier_ref, earlier_identified
            USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        WITH RECURSIVE ancestor(id, repeat_of_id) AS (
            SELECT o.id, o.repeat_of_id FROM observation o
             WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.repeat_of_id
            UNION
            SELECT o.id, o.repeat_of_id FROM observation o
              JOIN ancestor a ON o.tenant_id = NEW.tenant_id AND o.id = a.repeat_of_id
        )
        SELECT EXISTS (SELECT 1 FROM ancestor WHERE id = NEW.id) INTO makes_cycle;
        IF makes_cycle THEN
            RAISE EXCEPTION 'linking % to % would make a cycle of repeats', NEW.ref, earlier_ref
                USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
"""

# These expressions must match auditdesk/data/expressions.py exactly, or the indexes go unused.
SEARCH_EXPRESSION = "(ref || ' ' || title || ' ' || condition)"
ENGAGEMENT_SEARCH_EXPRESSION = "(code || ' ' || title || ' ' || auditee)"
SEVERITY_RANK = (
    "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
)
STATUS_RANK = (
    "CASE status WHEN 'draft' THEN 0 WHEN 'open' THEN 1 WHEN 'in_remediation' THEN 2 "
    "WHEN 'pending_validation' THEN 3 WHEN 'closed' THEN 4 ELSE 5 END"
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(AUDIT_FUNCTION)
    op.execute(AUDIT_LOG_READ_ONLY)
    op.execute(TOUCH_FUNCTION)
    op.execute(LINEAGE_GUARD)
    for table in AUDITED_TABLES:
        op.execute(
            f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_row_change()"
        )
    op.execute(
        "CREATE TRIGGER audit_log_read_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_read_only()"
    )
    for table in ("observation", "audit_engagement"):
        op.execute(
            f"CREATE TRIGGER touch_{table} BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION touch_row_version()"
        )
    op.execute(
        "CREATE TRIGGER observation_lineage_guard "
        "BEFORE INSERT OR UPDATE OF repeat_of_id, identified_on ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_lineage_guard()"
    )
    op.execute(
        f"CREATE INDEX expr_observation_search ON observation "
        f"USING gin ({SEARCH_EXPRESSION} gin_trgm_ops)"
    )
    op.execute(
        f"CREATE INDEX expr_observation_severity_rank ON observation "
        f"(tenant_id, ({SEVERITY_RANK}), id)"
    )
    op.execute(
        f"CREATE INDEX expr_observation_status_rank ON observation "
        f"(tenant_id, ({STATUS_RANK}), id)"
    )
    op.execute(
        "CREATE INDEX expr_audit_engagement_search ON audit_engagement "
        f"USING gin ({ENGAGEMENT_SEARCH_EXPRESSION} gin_trgm_ops)"
    )


def downgrade() -> None:
    for index in (
        "expr_audit_engagement_search",
        "expr_observation_status_rank",
        "expr_observation_severity_rank",
        "expr_observation_search",
    ):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DROP TRIGGER IF EXISTS observation_lineage_guard ON observation")
    for table in ("observation", "audit_engagement"):
        op.execute(f"DROP TRIGGER IF EXISTS touch_{table} ON {table}")
    op.execute("DROP TRIGGER IF EXISTS audit_log_read_only ON audit_log")
    for table in AUDITED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS audit_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS observation_lineage_guard()")
    op.execute("DROP FUNCTION IF EXISTS touch_row_version()")
    op.execute("DROP FUNCTION IF EXISTS audit_log_read_only()")
    op.execute("DROP FUNCTION IF EXISTS audit_row_change()")
