"""Roles enforced by PostgreSQL: per-database group roles, exact grants, policies by role.

Group roles are cluster-wide objects, and several AuditDesk databases may share a
cluster, so each database gets its own three: ``<database>_auditor``, ``_manager`` and
``_admin`` (``auditdesk_<database oid>_<role>`` when the name is not plain lowercase),
tagged with a comment naming the database's oid (a tagged role whose database was
dropped, e.g. before a restore under the same name, is taken over; any other role of
that name is refused). They are created only when the schema owner may create roles
(CREATEROLE); without them the database still works for its owner (the embedded
workspace) and ``auditdesk_create_user`` says what is missing.

Grants: every group may read the tables; writes are column-level (never ``id``,
``version``, ``created_at``, ``updated_at``, ``recurrence``, nor a row's tenant after
insert), so no login holds a table-level UPDATE or DELETE privilege and ``LOCK TABLE``
beyond ROW EXCLUSIVE is refused. Deletes and users go through the functions of 0007.
Logins may not create temporary tables.

Row-level security is enabled on every table with a tenant and not forced: the table's
owner (and the SECURITY DEFINER functions it owns) is not bound by it, everyone else
reads their tenant and writes what their role allows there (see
``docs/architecture.md``). Each command has exactly one permissive policy per table,
and each begins with ``tenant_id = (SELECT auditdesk_login_tenant())``: the planner
then puts the tenant into every index condition (or stops at a one-time filter), so
``EXPLAIN ANALYZE`` with another tenant's values in the WHERE clause fetches none of
their rows and its "Rows Removed by Filter" tells nothing. A second permissive policy
(an OR) would make the tenant a mere filter after the index scan, and the removed rows
would count another tenant's matches.

The database's CONNECT privilege is taken from PUBLIC: only the group roles (and the
owner) connect.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ROLES = ("auditor", "manager", "admin")
# Columns no client may write: the database sets them.
DATABASE_COLUMNS = (
    "id", "version", "created_at", "updated_at", "recurrence", "root_id", "tree_size",
    "tree_depth", "tree_open", "tree_reopened", "tree_auditees", "search_vector",
    "decided_by", "decided_at",
)
# After insert, a row keeps its tenant, reference and key columns.
FIXED_AFTER_INSERT = ("tenant_id", "ref", "snapshot_date")
# Tables nobody but the owner (and the functions of 0007) writes.
READ_ONLY = ("app_user", "audit_log", "tenant")
NOT_READABLE = ("tenant_counter",)
NOT_AUDITED = ("tenant_counter",)  # written only by the functions of 0007

# Scalar subqueries: each becomes an InitPlan, run once per statement rather than per
# row, and never called by the planner while it estimates.
TENANT = "(SELECT public.auditdesk_login_tenant())"
ROLE = "(SELECT public.auditdesk_login_role())"
FINDING = (
    f"tenant_id = {TENANT} AND "
    "public.auditdesk_may_edit_finding(tenant_id, engagement_id, owner_id)"
)
ADMIN = f"tenant_id = {TENANT} AND {ROLE} = 'admin'"
OWN_TENANT = f"tenant_id = {TENANT}"
MANAGER = f"tenant_id = {TENANT} AND {ROLE} IN ('manager', 'admin')"

# table -> (roles that insert, roles that update, insert condition, update condition)
WRITES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "observation": (ROLES, ROLES, FINDING, FINDING),
    "audit_engagement": (("admin",), ("admin",), ADMIN, ADMIN),
    "engagement_member": (("admin",), (), ADMIN, ADMIN),
    "dashboard_snapshot": (("manager", "admin"), ("manager", "admin"), MANAGER, MANAGER),
    # Everyone proposes repeat links (always as pending); managers and admins decide.
    "repeat_suggestion": (ROLES, ("manager", "admin"), OWN_TENANT, MANAGER),
}
# A tenant-owned table this migration does not know (added later): managers and admins.
DEFAULT_WRITES = (("manager", "admin"), ("manager", "admin"), MANAGER, MANAGER)

GROUPS = r"""
DO $$
DECLARE
    app_role text;
    grp name;
    tag text;
    may_create boolean;
BEGIN
    SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_catalog.pg_roles
     WHERE rolname = current_user;
    IF NOT may_create THEN
        RAISE NOTICE 'AuditDesk group roles not created: % may not create roles', current_user;
        RETURN;
    END IF;
    FOREACH app_role IN ARRAY ARRAY['auditor', 'manager', 'admin'] LOOP
        grp := public.auditdesk_group_role_name(app_role);
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = grp) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', grp);
            EXECUTE format('COMMENT ON ROLE %I IS %L', grp,
                           public.auditdesk_group_role_tag(app_role));
        ELSIF public.auditdesk_group_role(app_role) IS DISTINCT FROM grp THEN
            SELECT pg_catalog.shobj_description(oid, 'pg_authid') INTO tag
              FROM pg_catalog.pg_roles WHERE rolname = grp;
            -- Left by a dropped database of the same name (restored, or made again):
            -- its tag names a database that no longer exists, so this one takes it over.
            IF tag ~ ('^auditdesk:[0-9]+:' || app_role || '$') AND NOT EXISTS (
                   SELECT 1 FROM pg_catalog.pg_database
                    WHERE oid = pg_catalog.split_part(tag, ':', 2)::oid) THEN
                EXECUTE format('COMMENT ON ROLE %I IS %L', grp,
                               public.auditdesk_group_role_tag(app_role));
            ELSE
                RAISE EXCEPTION 'a role named % exists and is not this database''s AuditDesk %',
                    grp, app_role;
            END IF;
        END IF;
    END LOOP;
END
$$;
"""

DROP_GROUPS = r"""
DO $$
DECLARE
    app_role text;
    grp name;
BEGIN
    FOREACH app_role IN ARRAY ARRAY['auditor', 'manager', 'admin'] LOOP
        grp := public.auditdesk_group_role(app_role);
        CONTINUE WHEN grp IS NULL;
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', grp);
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), grp);
        EXECUTE format('DROP ROLE %I', grp);
    END LOOP;
END
$$;
"""

# Temporary tables are the one object a login could otherwise create; the app's logins
# need none (only the owner's demo load does, and an owner keeps its own privilege).
TEMP = r"""
DO $$
BEGIN
    IF pg_catalog.pg_has_role(current_user, (SELECT datdba FROM pg_catalog.pg_database
                                             WHERE datname = current_database()), 'MEMBER')
    THEN
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
        EXECUTE format('{action} TEMPORARY ON DATABASE %I {direction} PUBLIC', current_database());
        EXECUTE format('{action} CONNECT ON DATABASE %I {direction} PUBLIC', current_database());
    END IF;
END
$$;
"""


def _tenant_tables() -> dict[str, str]:
    """Every table with a tenant (table -> column holding the tenant id)."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
        "AND NOT a.attisdropped ORDER BY c.relname"
    )
    return {"tenant": "id", **{name: "tenant_id" for (name,) in rows}}


def _columns(table: str) -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT attname FROM pg_catalog.pg_attribute "
        f"WHERE attrelid = 'public.{table}'::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum"
    )
    return [name for (name,) in rows]


def _grant(privilege: str, table: str, columns: list[str], roles: tuple[str, ...]) -> None:
    if not roles or not columns:
        return
    listed = ", ".join(f'"{c}"' for c in columns)
    for app_role in roles:
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            f"EXECUTE format('GRANT {privilege} ({listed}) ON public.{table} TO %I', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )


def _grant_whole(statement: str) -> None:
    """GRANT/REVOKE ``statement`` (with ``{role}``) to each existing group role."""
    for app_role in ROLES:
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            f"EXECUTE format('{statement.format(role='%I')}', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )


def upgrade() -> None:
    op.execute(GROUPS)
    op.execute(TEMP.format(action="REVOKE", direction="FROM"))
    op.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC")
    for app_role in ROLES:
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            "EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )
    tables = _tenant_tables()
    for table in ["alembic_version", *tables]:
        if table not in NOT_READABLE:
            _grant_whole(f"GRANT SELECT ON public.{table} TO {{role}}")
    for table, column in tables.items():
        # Not forced: whoever owns the table (ownership may move, e.g. to the embedded
        # owner role) bypasses it as owners do, without a policy of its own to OR in.
        op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"DROP POLICY IF EXISTS {table}_tenant_isolation ON public.{table}")
        if table not in NOT_READABLE:
            op.execute(
                f"CREATE POLICY {table}_read ON public.{table} FOR SELECT "
                f"USING ({column} = {TENANT})"
            )
        if table not in NOT_AUDITED and table != "audit_log":
            op.execute(f"DROP TRIGGER IF EXISTS audit_{table} ON public.{table}")
            op.execute(
                f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"ON public.{table} FOR EACH ROW EXECUTE FUNCTION public.audit_row_change()"
            )
        if table in READ_ONLY or table in NOT_READABLE:
            continue
        inserters, updaters, may_insert, may_update = WRITES.get(table, DEFAULT_WRITES)
        columns = [c for c in _columns(table) if c not in DATABASE_COLUMNS]
        _grant("INSERT", table, columns, inserters)
        _grant("UPDATE", table, [c for c in columns if c not in FIXED_AFTER_INSERT], updaters)
        if inserters:
            op.execute(
                f"CREATE POLICY {table}_insert ON public.{table} FOR INSERT "
                f"WITH CHECK ({may_insert})"
            )
        if updaters:
            op.execute(
                f"CREATE POLICY {table}_update ON public.{table} FOR UPDATE "
                f"USING ({may_update}) WITH CHECK ({may_update})"
            )
    if "time_zone" in _columns("tenant"):
        # The tenant's time zone is the one thing about a tenant an admin changes.
        _grant("UPDATE", "tenant", ["time_zone"], ("admin",))
        op.execute(
            f"CREATE POLICY tenant_update ON public.tenant FOR UPDATE "
            f"USING (id = {TENANT} AND {ROLE} = 'admin') "
            f"WITH CHECK (id = {TENANT} AND {ROLE} = 'admin')"
        )


def downgrade() -> None:
    op.execute(DROP_GROUPS)
    op.execute(TEMP.format(action="GRANT", direction="TO"))
    tables = _tenant_tables()
    for table, column in tables.items():
        for suffix in ("read", "insert", "update"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON public.{table}")
        op.execute(
            f"CREATE POLICY {table}_tenant_isolation ON public.{table} "
            f"USING ({column} = auditdesk_login_tenant()) "
            f"WITH CHECK ({column} = auditdesk_login_tenant())"
        )
