"""The attack suite's cast: two tenants, and in each an auditor, a manager and an admin,
every person on their own PostgreSQL login created by ``auditdesk.services.admin`` (the
way an administrator creates them), attacking with raw SQL through psycopg.

Logins are cluster-wide: each carries a per-run suffix and is dropped after the test.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import factories as f
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from auditdesk.domain.records import Actor, Tenant, User
from auditdesk.services import admin

ROLES = ("auditor", "manager", "admin")


@dataclass
class Person:
    login: str
    password: str
    tenant: Tenant
    user: User
    conninfo: str

    @property
    def actor(self) -> Actor:
        return Actor(self.tenant.id, self.user.id, self.user.role, self.user.display_name)

    def connect(self, **options) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, **options)

    def run(self, sql: str, params=None) -> list[tuple]:
        """Run one statement in its own transaction and commit; the rows it returned."""
        with self.connect() as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def rowcount(self, sql: str, params=None) -> int:
        with self.connect() as connection:
            return connection.execute(sql, params).rowcount

    def refused(self, sql: str, params=None) -> psycopg.Error:
        """The error PostgreSQL answered ``sql`` with (the test fails if it was accepted)."""
        with self.connect() as connection:
            try:
                connection.execute(sql, params)
            except psycopg.Error as error:
                return error
        raise AssertionError(f"{self.login} was allowed: {sql}")


@dataclass
class Organisation:
    tenant: Tenant
    people: dict[str, Person]
    engagement_id: int  # led by nobody; the auditor is a member
    other_engagement_id: int  # the auditor is not on it
    finding_id: int  # in the auditor's engagement
    other_finding_id: int  # in the other engagement

    @property
    def auditor(self) -> Person:
        return self.people["auditor"]

    @property
    def manager(self) -> Person:
        return self.people["manager"]

    @property
    def admin(self) -> Person:
        return self.people["admin"]


@dataclass
class Cast:
    alpha: Organisation
    beta: Organisation
    logins: list[str]


def _conninfo(database_url: str, login: str, password: str) -> str:
    url = make_url(database_url).set(drivername="postgresql", username=login, password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def cast(database, database_url) -> Cast:
    suffix = uuid.uuid4().hex[:8]
    logins: list[str] = []
    organisations = {}
    try:
        for slug in ("alpha", "beta"):
            with database.sessions.begin() as s:
                tenant = f.tenant(s, slug)
                people = {}
                for role in ROLES:
                    login = f"ad{suffix}_{slug}_{role}"
                    password = hashlib.sha256(f"{login}-secret".encode()).hexdigest()[:20]
                    user = admin.create_user(
                        s, tenant.id, f"{role}@{slug}.example", f"{slug.title()} {role.title()}",
                        role, password, login,
                    ).value
                    logins.append(login)
                    people[role] = Person(
                        login, password, tenant, user, _conninfo(database_url, login, password)
                    )
                owner = f.actor(tenant)
                mine = f.engagement(s, owner, member_ids=[people["auditor"].user.id])
                theirs = f.engagement(s, owner)
                finding = f.observation(s, owner, engagement_id=mine.id)
                other = f.observation(s, owner, engagement_id=theirs.id)
            organisations[slug] = Organisation(
                tenant, people, mine.id, theirs.id, finding.id, other.id
            )
        yield Cast(organisations["alpha"], organisations["beta"], logins)
    finally:
        with database.engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT")
            for login in logins:
                c.execute(text(f'DROP ROLE IF EXISTS "{login}"'))


@pytest.fixture
def fingerprint(database):
    """A function giving a digest of every row of every table (as the owner sees them):
    equal before and after an attack means the attack wrote nothing."""

    def digest() -> dict[str, str]:
        with database.engine.connect() as c:
            tables = c.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            ).scalars().all()
            return {
                t: c.execute(
                    text(f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                         f"FROM public.{t} x")
                ).scalar_one()
                for t in tables
            }

    return digest


@pytest.fixture
def owner_sql(database):
    """Run SQL as the schema owner (setting up what an attack needs, or reading back)."""

    def run(sql: str | tuple[str, ...], params=None):
        """One statement, or a tuple of statements run in one transaction (the last
        one's rows or row count)."""
        with database.engine.begin() as c:
            for statement in (sql,) if isinstance(sql, str) else sql:
                result = c.execute(text(statement), params or {})
            return result.all() if result.returns_rows else result.rowcount

    return run


def days_ago(n: int) -> date:
    return date.today() - timedelta(days=n)
