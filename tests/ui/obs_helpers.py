"""Helpers and fixtures for the observations, editor, lineage and audit view tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import factories
import pytest
from sqlalchemy import text

from auditdesk.domain.enums import Role
from auditdesk.domain.records import Tenant, User
from auditdesk.ui.context import AppContext


@dataclass
class ObsWorld:
    context: AppContext
    tenant: Tenant
    manager: User
    auditor: User


@pytest.fixture
def obs_world(qtbot, database) -> ObsWorld:
    """An AppContext bound to the test database, a tenant and two users (manager signed in)."""
    with database.sessions() as session, session.begin():
        tenant = factories.tenant(session)
        manager = factories.user(session, tenant.id, Role.MANAGER, "Maria Manager")
        auditor = factories.user(session, tenant.id, Role.AUDITOR, "Alex Auditor")
    context = AppContext()
    context.set_database(database)
    context.set_tenant(tenant, manager)
    qtbot.waitUntil(lambda: not context.worker.busy)  # the start-up warm-up has run
    yield ObsWorld(context, tenant, manager, auditor)
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)


@pytest.fixture
def obs_context(obs_world) -> AppContext:
    return obs_world.context


def bulk_observations(database, tenant_id: int, count: int, start: int = 1) -> None:
    """Insert ``count`` observations in one statement (the triggers run as for any insert:
    switching them off needs a superuser, which the PostgreSQL 15 test role is not)."""
    with database.engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on,
                                         due_date, original_due_date)
                SELECT :tenant, 'OBS-' || lpad(g::text, 6, '0'), 'Bulk finding ' || g,
                       (ARRAY['critical','high','medium','low'])[1 + g % 4],
                       (ARRAY['open','in_remediation','pending_validation','draft'])[1 + g % 4],
                       CAST(:base AS date) + (g % 300), CAST(:base AS date) + (g % 300) + 60,
                       CAST(:base AS date) + (g % 300) + 60
                  FROM generate_series(CAST(:start AS int), CAST(:stop AS int)) g
                """
            ),
            {
                "tenant": tenant_id,
                "start": start,
                "stop": start + count - 1,
                "base": date.today() - timedelta(days=400),
            },
        )
        connection.execute(
            text(
                "INSERT INTO tenant_counter (tenant_id, name, last_value) "
                "VALUES (:tenant, 'observation', :last) "
                "ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = EXCLUDED.last_value"
            ),
            {"tenant": tenant_id, "last": start + count - 1},
        )
