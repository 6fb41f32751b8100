"""Attack 1: temporary objects shadowing the tables that policies and triggers read."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

SHADOW_USERS = (
    "CREATE TEMP TABLE app_user (tenant_id bigint, id bigint, email text, display_name text,"
    " role text, db_login text, active boolean)",
    "INSERT INTO app_user VALUES (%(beta)s, 1, 'x@x', 'X', 'admin', session_user, true)",
)


def test_logins_cannot_create_temporary_tables(cast, fingerprint):
    before = fingerprint()
    for person in [*cast.alpha.people.values(), *cast.beta.people.values()]:
        error = person.refused("CREATE TEMP TABLE app_user (tenant_id bigint)")
        assert error.sqlstate == "42501"  # insufficient_privilege
    assert fingerprint() == before


def test_a_shadow_table_changes_nothing_even_where_temp_is_allowed(
    cast, database, fingerprint, owner_sql
):
    """Were TEMP granted again by mistake, the pinned search paths still resolve only the
    real tables: the shadow tenant mapping, audit log and lineage are ignored."""
    auditor = cast.alpha.auditor
    owner_sql(f'GRANT TEMPORARY ON DATABASE "{database.engine.url.database}" TO "{auditor.login}"')
    try:
        with auditor.connect() as c:
            c.execute(SHADOW_USERS[0])
            c.execute(SHADOW_USERS[1], {"beta": cast.beta.tenant.id})
            c.execute("CREATE TEMP TABLE audit_log (LIKE public.audit_log)")
            c.execute(
                "CREATE TEMP TABLE observation (tenant_id bigint, id bigint, repeat_of_id bigint,"
                " ref text, identified_on date, recurrence int)"
            )
            # Unqualified names in the session resolve to pg_temp first for the attacker
            # alone; the functions used by policies do not.
            seen = c.execute("SELECT DISTINCT tenant_id FROM public.observation").fetchall()
            assert seen == [(cast.alpha.tenant.id,)]
            assert c.execute("SELECT public.auditdesk_login_tenant()").fetchone() == (
                cast.alpha.tenant.id,
            )
            touched = c.execute(
                "UPDATE public.observation SET title = 'hijacked' WHERE id = %s",
                (cast.beta.finding_id,),
            ).rowcount
            assert touched == 0
            c.execute(
                "UPDATE public.observation SET title = 'Legit edit' WHERE id = %s",
                (cast.alpha.finding_id,),
            )
            c.commit()
        logged = owner_sql(
            "SELECT db_login, app_user_id FROM audit_log WHERE table_name = 'observation' "
            "AND row_id = :id AND action = 'update'",
            {"id": cast.alpha.finding_id},
        )
        assert [tuple(r) for r in logged] == [(auditor.login, auditor.user.id)]
        beta_title = owner_sql(
            "SELECT title FROM observation WHERE id = :id", {"id": cast.beta.finding_id}
        )[0][0]
        assert beta_title != "hijacked"
    finally:
        owner_sql(
            f'REVOKE TEMPORARY ON DATABASE "{database.engine.url.database}" FROM "{auditor.login}"'
        )


def test_unmapped_and_deactivated_logins_see_and_write_nothing(cast, database, fingerprint):
    admin_beta = cast.beta.admin
    with database.sessions.begin() as s:
        from auditdesk.services import admin

        admin.disable_user(s, cast.alpha.tenant.id, cast.alpha.manager.user.email)
    # The login is NOLOGIN now: it cannot even connect.
    with pytest.raises(psycopg.OperationalError):
        cast.alpha.manager.connect()
    # A login in a group role but mapped to nobody: give one by hand.
    with database.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT")
        c.execute(text(f'ALTER ROLE "{cast.alpha.manager.login}" LOGIN'))
    before = fingerprint()
    manager = cast.alpha.manager  # deactivated in app_user, but able to connect again
    for table in ("tenant", "app_user", "observation", "audit_log", "audit_engagement"):
        assert manager.run(f"SELECT count(*) FROM {table}") == [(0,)]
    assert manager.rowcount("UPDATE observation SET title = 'x'") == 0
    error = manager.refused(
        "INSERT INTO observation (tenant_id, ref, title, severity, identified_on) "
        "VALUES (%s, 'OBS-9', 'x', 'low', current_date)",
        (cast.alpha.tenant.id,),
    )
    assert "row-level security" in str(error)
    assert "permission denied" in str(
        manager.refused(
            "SELECT auditdesk_set_user_role(%s, %s, 'admin')",
            (cast.alpha.tenant.id, manager.user.id),
        )
    )
    assert admin_beta.run("SELECT count(*) FROM app_user WHERE active") == [(3,)]
    assert fingerprint() == before
