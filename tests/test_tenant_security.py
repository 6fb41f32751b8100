"""Tenant isolation enforced by PostgreSQL itself: row-level security for every login that
is not the owner of the tables, and an audit log that cannot be emptied."""

from __future__ import annotations

import uuid
from datetime import date

import factories as f
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from auditdesk.cli import main
from auditdesk.data import observations, tenants
from auditdesk.db.engine import make_engine, make_session_factory
from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.records import Actor
from auditdesk.services import observations as observation_service
from auditdesk.services import tenants as tenant_service


@pytest.fixture
def login(database, database_url):
    """A PostgreSQL login that is not the owner, with the grants an administrator gives."""
    name = f"ad_login_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with database.engine.begin() as c:
        c.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
        c.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}")
        )
        c.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"))
        # Only the database's group roles may connect (migration 0008 took CONNECT
        # from PUBLIC); this login is given it directly.
        database_name = c.execute(text("SELECT current_database()")).scalar_one()
        c.execute(text(f'GRANT CONNECT ON DATABASE "{database_name}" TO {name}'))
    url = make_url(database_url).set(username=name, password=password)
    yield name, url.render_as_string(hide_password=False)
    with database.engine.begin() as c:
        # REVOKE rather than DROP OWNED: PostgreSQL 15 lets a CREATEROLE role drop the
        # login but not its grants.
        c.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}"))
        c.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}"))
        c.execute(text(f'REVOKE CONNECT ON DATABASE "{database_name}" FROM {name}'))
        c.execute(text(f"DROP ROLE {name}"))


@pytest.fixture
def two_tenants(database, login):
    name, _ = login
    with database.sessions.begin() as s:
        alpha, beta = f.tenant(s, "alpha"), f.tenant(s, "beta")
        alice = tenant_service.create_user(s, alpha.id, "alice@alpha.example", "Alice", db_login=name).value
        mine = f.observation(s, f.actor(alpha))
        theirs = f.observation(s, f.actor(beta))
    return alpha, beta, alice, mine, theirs


def test_a_login_reads_and_writes_only_its_tenant(database, login, two_tenants):
    name, url = login
    alpha, beta, alice, mine, theirs = two_tenants
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as s:
            assert [t.slug for t in tenants.list_tenants(s)] == ["alpha"]
            assert tenant_service.user_for_login(s).id == alice.id
            assert observations.count_observations(s, alpha.id) == 1
            assert observations.count_observations(s, beta.id) == 0
            with pytest.raises(NotFoundError):
                observations.get_observation(s, beta.id, theirs.id)
            tenants_in_audit = s.execute(text("SELECT DISTINCT tenant_id FROM audit_log")).scalars()
            assert set(tenants_in_audit) == {alpha.id}
            # An update aimed at the other tenant touches nothing.
            touched = s.execute(
                text("UPDATE observation SET title = 'hijacked' WHERE id = :id"), {"id": theirs.id}
            ).rowcount
            assert touched == 0
            s.rollback()
        with pytest.raises(DBAPIError, match="row-level security"), sessions.begin() as s:
            s.execute(
                text(
                    "INSERT INTO observation (tenant_id, ref, title, severity, identified_on) "
                    "VALUES (:t, 'OBS-999999', 'Planted', 'low', current_date)"
                ),
                {"t": beta.id},
            )
        with sessions.begin() as s:
            actor = Actor(alpha.id, alice.id, alice.role, alice.display_name)
            created = observation_service.create(
                s, actor, ObservationDraft(title="Mine", severity="low", identified_on=date.today())
            ).value
        with database.engine.connect() as c:
            logged = c.execute(
                text(
                    "SELECT db_login, app_user_id FROM audit_log "
                    "WHERE table_name = 'observation' AND row_id = :id"
                ),
                {"id": created.id},
            ).one()
        assert (logged.db_login, logged.app_user_id) == (name, alice.id)
    finally:
        engine.dispose()


def test_unmapped_or_deactivated_logins_see_nothing(database, login, two_tenants):
    _, url = login
    alpha, _, alice, _, _ = two_tenants
    with database.engine.begin() as c:
        c.execute(text("UPDATE app_user SET active = false WHERE id = :id"), {"id": alice.id})
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            for table in ("tenant", "app_user", "observation", "audit_log"):
                assert c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
    finally:
        engine.dispose()


def test_cli_cannot_reach_another_tenant(database, login, two_tenants, capsys):
    _, url = login
    _, _, _, mine, theirs = two_tenants
    assert main(["--database-url", url, "lineage", mine.ref, "--json"]) == 0
    capsys.readouterr()
    code = main(["--database-url", url, "--tenant", "beta", "lineage", theirs.ref])
    _, err = capsys.readouterr()
    assert code == 1 and "No tenant 'beta'" in err


def test_the_audit_log_cannot_be_truncated(database, two_tenants):
    with pytest.raises(DBAPIError, match="cannot be truncated"), database.engine.begin() as c:
        c.execute(text("TRUNCATE audit_log"))
