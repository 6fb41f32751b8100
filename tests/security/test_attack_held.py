"""The attacks that held before, kept: each is still refused and writes nothing."""

from __future__ import annotations

import pytest

ATTEMPTS = (
    "CREATE TABLE public.planted (x int)",
    "CREATE FUNCTION public.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA planted",
    "SET SESSION AUTHORIZATION postgres",
    "SET row_security = off; SELECT count(*) FROM observation",
    "SET session_replication_role = replica",
    "ALTER POLICY observation_read ON observation USING (true)",
    "DROP POLICY observation_read ON observation",
    "ALTER TABLE observation DISABLE TRIGGER USER",
    "ALTER TABLE observation DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE observation NO FORCE ROW LEVEL SECURITY",
    "ALTER FUNCTION auditdesk_login_tenant() SECURITY INVOKER",
    "CREATE OR REPLACE FUNCTION auditdesk_login_tenant() RETURNS bigint LANGUAGE sql "
    "AS 'SELECT 1::bigint'",
    "VACUUM FULL observation",
    "UPDATE audit_log SET db_login = 'x'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "TRUNCATE observation",
    "COPY observation FROM PROGRAM 'true'",
    "COPY observation TO '/tmp/observation.csv'",
    "SELECT pg_read_file('/etc/passwd')",
)


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_refused_for_every_role(cast, fingerprint, database, attempt):
    before = fingerprint()
    for person in cast.alpha.people.values():
        with person.connect() as c:
            try:
                for statement in attempt.split("; "):
                    c.execute(statement)
                c.commit()
            except Exception as error:  # noqa: BLE001 - any refusal will do, checked below
                assert getattr(error, "sqlstate", None) or "WARNING" in str(error), error
            else:
                if not attempt.startswith("VACUUM"):  # VACUUM skips with a warning
                    raise AssertionError(f"{person.login} was allowed: {attempt}")
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_set_role_to_a_group_or_the_owner_is_refused(cast, database, role):
    person = cast.alpha.people[role]
    owner = database.engine.url.username
    others = [f"{database.engine.url.database}_{r}" for r in ("auditor", "manager", "admin")]
    for target in [owner, *[o for o in others if not o.endswith(role)]]:
        error = person.refused(f'SET ROLE "{target}"')
        assert error.sqlstate == "42501", target


def test_foreign_keys_do_not_cross_tenants(cast, fingerprint):
    """A finding owned by another tenant's user, or repeating another tenant's finding."""
    me = cast.alpha.manager
    before = fingerprint()
    for column, value in (("owner_id", cast.beta.admin.user.id),
                          ("repeat_of_id", cast.beta.finding_id),
                          ("engagement_id", cast.beta.engagement_id)):
        error = me.refused(
            f"UPDATE observation SET {column} = %s WHERE id = %s", (value, cast.alpha.finding_id)
        )
        assert error.sqlstate == "23503", column
    assert fingerprint() == before


def test_statistics_views_hide_other_tenants_values(cast, owner_sql):
    """pg_stats shows nothing for tables under row-level security (table sizes in
    pg_class remain visible: PostgreSQL cannot hide them)."""
    owner_sql("ANALYZE observation")
    rows = cast.alpha.auditor.run(
        "SELECT count(*) FROM pg_stats WHERE tablename = 'observation'"
    )
    assert rows == [(0,)]
