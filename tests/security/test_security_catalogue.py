"""The rules as PostgreSQL stores them, for every table — including tables added by later
migrations: forced row-level security, the audit trigger, exactly the role matrix's
grants, and functions that resolve only what they mean."""

from __future__ import annotations

from sqlalchemy import text

# Columns the database owns; a client may never write them.
DATABASE_COLUMNS = {
    "id", "version", "created_at", "updated_at", "recurrence", "root_id", "tree_size",
    "tree_depth", "tree_open", "tree_reopened", "tree_auditees", "search_vector", "search_text",
    "decided_by", "decided_at", "engagement_code", "owner_name", "repeat_of_ref",
    # remediation (0011)
    "actions_total", "actions_done", "open_action_due_min", "risk_accepted_by",
    "validation_requested_at", "validated_by", "recorded_at",
    "uploaded_by", "uploaded_at",
    # an action's copy of its finding's engagement (0015)
    "finding_engagement_id",
}
FIXED_AFTER_INSERT = {"tenant_id", "ref", "snapshot_date"}
# table -> further columns a row keeps after insert
FIXED_IN_TABLE = {"remediation_action": {"observation_id"}, "due_date_policy": {"severity"}}
# Written only by SECURITY DEFINER functions, so neither audited nor readable.
COUNTERS = {"tenant_counter"}
# Kept by SECURITY DEFINER trigger functions: readable by the tenant, never written by a
# login, not audited (they follow audited changes).
TALLIES = {"tenant_tally", "engagement_tally", "tenant_figure_day", "observation_words"}
# The bytes of an audited attachment: the audit trail records the file, never its bytes.
CONTENT = {"attachment_chunk"}
ROLES = ("auditor", "manager", "admin")
# table -> (roles that insert, roles that update); a table not listed: managers and admins.
WRITES = {
    "observation": (ROLES, ROLES),
    "audit_engagement": (("admin",), ("admin",)),
    "engagement_member": (("admin",), ()),
    "dashboard_snapshot": (("manager", "admin"), ("manager", "admin")),
    "repeat_suggestion": (ROLES, ("manager", "admin")),  # all propose, managers decide
    "app_user": ((), ()),
    "audit_log": ((), ()),
    "tenant": ((), ("admin",)),  # its time zone only, when the column exists
    "tenant_counter": ((), ()),
    "tenant_tally": ((), ()),
    "engagement_tally": ((), ()),
    "tenant_figure_day": ((), ()),
    "observation_words": ((), ()),
    # Whoever may edit the finding plans its actions and records its validations (never
    # changed afterwards); admins alone set the due-date policy.
    "remediation_action": (ROLES, ROLES),
    "observation_validation": (ROLES, ()),
    "due_date_policy": (("admin",), ("admin",)),
    # Who may edit the finding uploads (the policy); nothing is updated, removal goes
    # through auditdesk_remove_attachment.
    "attachment": (ROLES, ()),
    "attachment_chunk": (ROLES, ()),
}


def _tenant_tables(c) -> list[str]:
    return c.execute(
        text(
            "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
            "AND a.attname IN ('tenant_id') OR c.oid = 'public.tenant'::regclass ORDER BY 1"
        )
    ).scalars().all()


def test_every_tenant_table_has_rls_one_policy_per_command_and_the_audit_trigger(database):
    with database.engine.connect() as c:
        tables = _tenant_tables(c)
        assert {"observation", "app_user", "tenant", "audit_log"} <= set(tables)
        for table in tables:
            enabled, forced = c.execute(
                text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                     "WHERE oid = CAST(:t AS regclass)"),
                {"t": f"public.{table}"},
            ).one()
            # Not forced: the owner bypasses it, with no policy of its own to OR in.
            assert enabled and not forced, table
            policies = c.execute(
                text("SELECT policyname, cmd, permissive, qual, with_check FROM pg_policies "
                     "WHERE tablename = :t"), {"t": table}
            ).all()
            assert (f"{table}_read" in {p.policyname for p in policies}) == (
                table not in COUNTERS
            ), table
            # One permissive policy per command, each led by the tenant equality: an OR
            # of two would turn the tenant into a filter after another tenant's rows
            # were fetched (tests/security/test_attack_explain.py).
            commands = [p.cmd for p in policies]
            assert len(commands) == len(set(commands)) and "ALL" not in commands, table
            tenant_column = "id" if table == "tenant" else "tenant_id"
            for policy in policies:
                assert policy.permissive == "PERMISSIVE", policy
                for condition in (policy.qual, policy.with_check):
                    if condition is not None:
                        assert condition.lstrip("(").startswith(
                            f"{tenant_column} = ( SELECT auditdesk_login_tenant()"
                        ), (table, policy.policyname, condition)
            triggers = set(c.execute(
                text("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) "
                     "AND NOT tgisinternal"),
                {"t": f"public.{table}"},
            ).scalars())
            if table not in COUNTERS | TALLIES | CONTENT and table != "audit_log":
                assert f"audit_{table}" in triggers, table
            if table in CONTENT:
                assert f"audit_{table}" not in triggers, table


def test_grants_are_exactly_the_role_matrix(database):
    db = database.engine.url.database
    groups = {f"{db}_{r}": r for r in ROLES}
    with database.engine.connect() as c:
        tables = [*_tenant_tables(c), "alembic_version"]
        table_grants = c.execute(
            text(
                "SELECT grantee, table_name, privilege_type FROM information_schema.table_privileges "
                "WHERE table_schema = 'public' AND grantee <> CAST(current_user AS text)"
            )
        ).all()
        expected_tables = {
            (group, t, "SELECT") for group in groups for t in tables if t not in COUNTERS
        }
        assert set(map(tuple, table_grants)) == expected_tables
        column_grants = c.execute(
            text(
                "SELECT grantee, table_name, column_name, privilege_type "
                "FROM information_schema.column_privileges "
                "WHERE table_schema = 'public' AND grantee <> CAST(current_user AS text) "
                "AND privilege_type IN ('INSERT', 'UPDATE')"
            )
        ).all()
        expected_columns = set()
        for table in tables:
            if table == "alembic_version":
                continue
            columns = set(c.execute(
                text("SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                     "AND attnum > 0 AND NOT attisdropped"),
                {"t": f"public.{table}"},
            ).scalars())
            inserters, updaters = WRITES.get(table, (("manager", "admin"), ("manager", "admin")))
            writable = columns - DATABASE_COLUMNS
            if table == "tenant":
                writable = writable & {"time_zone"}
            for group, role in groups.items():
                if role in inserters:
                    expected_columns |= {(group, table, col, "INSERT") for col in writable}
                if role in updaters:
                    fixed = FIXED_AFTER_INSERT | FIXED_IN_TABLE.get(table, set())
                    expected_columns |= {
                        (group, table, col, "UPDATE") for col in writable - fixed
                    }
        assert set(map(tuple, column_grants)) == expected_columns
        # Nothing for PUBLIC, nothing that would allow LOCK TABLE or a table-wide write.
        assert not [g for g in table_grants if g.grantee == "PUBLIC"]
        assert not [g for g in table_grants if g.privilege_type in
                    ("UPDATE", "DELETE", "TRUNCATE", "INSERT", "REFERENCES", "TRIGGER")]


def test_logins_cannot_create_temporary_tables(database):
    with database.engine.connect() as c:
        public_temp = c.execute(
            text("SELECT has_database_privilege('public', current_database(), 'TEMP')")
        ).scalar_one()
    assert not public_temp


def test_functions_used_by_policies_and_triggers_pin_the_search_path_with_pg_temp_last(database):
    with database.engine.connect() as c:
        functions = c.execute(
            text(
                "SELECT p.proname, p.proconfig, p.prosecdef FROM pg_proc p "
                "WHERE p.pronamespace = 'public'::regnamespace AND p.prolang IN "
                "(SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql')) "
                "AND (p.proname LIKE 'auditdesk_%' OR p.prorettype = 'trigger'::regtype)"
            )
        ).all()
        assert len(functions) >= 20
        for name, config, _ in functions:
            assert config and "search_path=pg_catalog, public, pg_temp" in config, name
        # Every table a SECURITY DEFINER function names is schema-qualified.
        bodies = c.execute(
            text("SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                 "AND prosecdef")
        ).all()
        import re

        for name, body in bodies:
            for table in ("app_user", "audit_log", "observation", "tenant_counter",
                          "audit_engagement", "engagement_member"):
                bare = re.findall(rf"(?:FROM|JOIN|INTO|UPDATE)\s+(?!public\.){table}\b", body)
                assert not bare, (name, table)


def test_a_foreign_role_with_a_group_name_is_refused_and_an_orphan_taken_over(create_database):
    from sqlalchemy.engine import make_url

    from auditdesk.db import migrate
    from auditdesk.db.engine import make_engine
    from auditdesk.domain.errors import SchemaError

    url = create_database()
    name = make_url(url).database
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT")
            c.execute(text(f'CREATE ROLE "{name}_auditor" NOLOGIN'))
        try:
            migrate.upgrade(engine)
        except (SchemaError, Exception) as error:  # noqa: BLE001 - the message is checked
            assert "is not this database's AuditDesk auditor" in str(error)
        else:
            raise AssertionError("a role that is not AuditDesk's was taken over")
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT")
            # As a dropped database of the same name would have left it.
            c.execute(text(f"COMMENT ON ROLE \"{name}_auditor\" IS 'auditdesk:4000000000:auditor'"))
        migrate.upgrade(engine)
        with engine.connect() as c:
            assert c.execute(
                text("SELECT public.auditdesk_group_role('auditor')")
            ).scalar_one() == f"{name}_auditor"
    finally:
        engine.dispose()
