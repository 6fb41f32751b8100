"""Tenant isolation in the database: row-level security, an append-only audit log,
and the engagement code rule.

Row-level security is enabled (not forced) on every tenant-owned table: the owner of
the tables — the embedded workspace's user, or the role that runs migrations on a
server — is unrestricted, and every other login sees and writes only the rows of the
tenant its ``app_user`` row (``db_login`` = the login, active) belongs to. A login
mapped to no active user sees nothing.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# table -> the column holding the tenant id
TENANT_TABLES = {
    "tenant": "id",
    "tenant_counter": "tenant_id",
    "app_user": "tenant_id",
    "audit_engagement": "tenant_id",
    "engagement_member": "tenant_id",
    "observation": "tenant_id",
    "dashboard_snapshot": "tenant_id",
    "audit_log": "tenant_id",
}

LOGIN_TENANT = r"""
CREATE FUNCTION auditdesk_login_tenant() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT tenant_id FROM app_user WHERE db_login = session_user AND active
$$;
"""

NO_TRUNCATE = r"""
CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log cannot be truncated'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

CODE_FORMAT = "code ~ '^[A-Z0-9][A-Z0-9._/-]{1,31}$'"


def upgrade() -> None:
    op.execute(LOGIN_TENANT)
    op.execute("REVOKE ALL ON FUNCTION auditdesk_login_tenant() FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION auditdesk_login_tenant() TO PUBLIC")
    for table, column in TENANT_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_tenant_isolation ON {table} "
            f"USING ({column} = auditdesk_login_tenant()) "
            f"WITH CHECK ({column} = auditdesk_login_tenant())"
        )
    op.execute(NO_TRUNCATE)
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC")
    op.execute(
        f"ALTER TABLE audit_engagement ADD CONSTRAINT audit_engagement_code_format_check "
        f"CHECK ({CODE_FORMAT})"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE audit_engagement DROP CONSTRAINT IF EXISTS audit_engagement_code_format_check"
    )
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_no_truncate()")
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {table}_tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS auditdesk_login_tenant()")
