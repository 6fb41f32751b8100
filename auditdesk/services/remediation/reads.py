"""What the observations table, the dashboard, engagement progress and the board report
read about remediation, all on the tenant's clock: overdue actions, risk acceptances
expiring soon, and how many findings had their due date extended and by how long."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import remediation as data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain.dashboard import EXPIRY_WINDOW_DAYS
from auditdesk.domain.remediation_records import (
    DueDateExtensions,
    ExpiringAcceptance,
    OverdueAction,
)


def overdue_actions(
    session: Session, tenant_id: int, today: date | None = None, limit: int = 500
) -> list[OverdueAction]:
    """Open actions past their due date, most overdue first."""
    return data.overdue_actions(session, tenant_id, today or tenant_today(session, tenant_id),
                                limit=limit)


def overdue_action_counts(
    session: Session, tenant_id: int, today: date | None = None,
    engagement_id: int | None = None,
) -> tuple[int, int]:
    """(overdue open actions, findings with at least one) — for a tile or a progress row."""
    return data.count_overdue_actions(session, tenant_id,
                                      today or tenant_today(session, tenant_id), engagement_id)


def expiring_acceptances(
    session: Session, tenant_id: int, today: date | None = None,
    within_days: int = EXPIRY_WINDOW_DAYS,
) -> list[ExpiringAcceptance]:
    """Risk acceptances ending within ``within_days`` (30 by default), soonest first."""
    return data.expiring_acceptances(session, tenant_id,
                                     today or tenant_today(session, tenant_id), within_days)


def count_expiring_acceptances(
    session: Session, tenant_id: int, today: date | None = None,
    within_days: int = EXPIRY_WINDOW_DAYS,
) -> int:
    """How many risk acceptances end within ``within_days`` (30 by default)."""
    return data.count_expiring_acceptances(session, tenant_id,
                                           today or tenant_today(session, tenant_id), within_days)


def due_date_extensions(
    session: Session, tenant_id: int, engagement_id: int | None = None
) -> DueDateExtensions:
    """Findings whose due date was moved later than their original one, and by how long."""
    return data.due_date_extensions(session, tenant_id, engagement_id)


showcase_findings = data.showcase_findings
