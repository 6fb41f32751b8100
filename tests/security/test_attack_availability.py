"""Attack 6: one tenant stopping the others (table locks, lock keys, the schema version)."""

from __future__ import annotations

import pytest

MODES = ("SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE")
TABLES = ("observation", "audit_engagement", "engagement_member", "app_user", "tenant",
          "dashboard_snapshot", "audit_log", "tenant_counter", "alembic_version")


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_no_login_can_lock_a_table_against_other_tenants(cast, role):
    person = cast.alpha.people[role]
    for table in TABLES:
        for mode in MODES:
            with person.connect() as c:
                c.execute("SET lock_timeout = '1s'")
                try:
                    c.execute(f"LOCK TABLE {table} IN {mode} MODE")
                except Exception as error:  # noqa: BLE001 - inspected below
                    assert getattr(error, "sqlstate", None) == "42501", (table, mode, error)
                else:
                    raise AssertionError(f"{person.login} locked {table} in {mode} mode")


def test_holding_lock_keys_does_not_block_another_tenants_links(cast, owner_sql):
    """The lineage guard queues on the tenant's own counter row, which no login can lock;
    advisory lock keys (the old guard's included) block nobody."""
    beta = cast.beta
    blocker = cast.alpha.manager.connect()
    try:
        blocker.execute(
            "SELECT pg_advisory_lock(hashtextextended('auditdesk.lineage.' || %s, 0))",
            (beta.tenant.id,),
        )
        blocker.execute("SELECT pg_advisory_lock(k) FROM generate_series(1, 50) k")
        error = cast.alpha.manager.refused(
            "SELECT * FROM tenant_counter WHERE tenant_id = %s FOR UPDATE", (beta.tenant.id,)
        )
        assert error.sqlstate == "42501"
        with beta.manager.connect() as c:
            c.execute("SET lock_timeout = '2s'")
            c.execute(
                "UPDATE observation SET repeat_of_id = %s WHERE id = %s",
                (beta.finding_id, beta.other_finding_id),
            )
    finally:
        blocker.close()
    links = owner_sql("SELECT repeat_of_id FROM observation WHERE id = :id",
                      {"id": beta.other_finding_id})
    assert links == [(beta.finding_id,)]


def test_every_login_has_timeouts_so_that_a_held_lock_ends(cast, owner_sql):
    settings = owner_sql(
        "SELECT r.rolname, s.setconfig FROM pg_db_role_setting s "
        "JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = ANY(:logins)",
        {"logins": cast.logins},
    )
    assert {name for name, _ in settings} == set(cast.logins)
    for _, config in settings:
        keys = {item.split("=")[0] for item in config}
        assert {"lock_timeout", "idle_in_transaction_session_timeout",
                "statement_timeout"} <= keys
    with cast.alpha.auditor.connect() as c:
        assert c.execute("SHOW lock_timeout").fetchone() == ("5s",)
        assert c.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("30s",)


def test_nobody_changes_the_schema_version(cast, fingerprint):
    before = fingerprint()
    for person in [*cast.alpha.people.values(), *cast.beta.people.values()]:
        for sql in ("UPDATE alembic_version SET version_num = '9999'",
                    "DELETE FROM alembic_version",
                    "INSERT INTO alembic_version VALUES ('9999')",
                    "TRUNCATE alembic_version"):
            assert person.refused(sql).sqlstate == "42501", sql
    assert fingerprint() == before


def test_a_schema_upgrade_gives_way_to_a_held_lock_and_changes_nothing(create_database):
    """A session sitting on a table (ACCESS SHARE, idle in its transaction) would make a
    waiting ALTER TABLE queue every tenant's queries: the upgrade gives up instead."""
    from sqlalchemy import text

    from auditdesk.db import migrate
    from auditdesk.db.engine import make_engine
    from auditdesk.domain.errors import SchemaError

    url = create_database()
    engine = make_engine(url)
    holder = make_engine(url)
    try:
        migrate.upgrade(engine, "0007")
        with holder.connect() as sitting:
            sitting.execute(text("SELECT count(*) FROM observation"))  # and stays open
            with pytest.raises(SchemaError, match="busy"):
                migrate.upgrade(engine)
            with engine.connect() as c:
                assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                    "0007"
                )
                assert c.execute(text("SHOW lock_timeout")).scalar() == "0"
        migrate.upgrade(engine)
        with engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() != "0007"
    finally:
        holder.dispose()
        engine.dispose()
