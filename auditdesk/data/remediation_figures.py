"""What the dashboard and the board report show about remediation: actions still open
after their due date, risk acceptances that expire soon, and due dates moved later.

Reads only; "today" is the tenant's day, passed in by the caller (docs/architecture.md,
"One clock"). The open action statuses come from ``domain.enums.ActionStatus``.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from auditdesk.db.models import (
    EngagementRow,
    ObservationRowModel,
    RemediationActionRow,
    UserRow,
)
from auditdesk.domain.enums import ActionStatus, ObservationStatus, Severity
from auditdesk.domain.reports import DueDateExtensions, ExpiringAcceptance, LateActionFinding

O = ObservationRowModel
A = RemediationActionRow
E = EngagementRow
Accepter = aliased(UserRow)
OPEN_ACTIONS = [s.value for s in ActionStatus if s.is_open]


def overdue_action_count(session: Session, tenant_id: int, today: date) -> int:
    """Actions still planned or in progress after their due date."""
    query = select(func.count()).select_from(A).where(
        A.tenant_id == tenant_id, A.status.in_(OPEN_ACTIONS), A.due_date < today
    )
    return int(session.scalar(query) or 0)


def _expiring(tenant_id: int, today: date, days: int):
    return (
        O.tenant_id == tenant_id,
        O.status == ObservationStatus.RISK_ACCEPTED.value,
        O.risk_accepted_until >= today,
        O.risk_accepted_until <= today + timedelta(days=days),
    )


def expiring_acceptance_count(session: Session, tenant_id: int, today: date, days: int) -> int:
    """Accepted risks whose acceptance ends within ``days`` from today (today included)."""
    query = select(func.count()).select_from(O).where(*_expiring(tenant_id, today, days))
    return int(session.scalar(query) or 0)


def expiring_acceptances(
    session: Session, tenant_id: int, today: date, days: int, limit: int = 200
) -> list[ExpiringAcceptance]:
    """The accepted risks that end soonest first, with who accepted them and why."""
    query = (
        select(O.ref, O.title, O.severity, E.code, O.risk_accepted_until, Accepter.display_name,
               O.risk_acceptance_reason)
        .outerjoin(E, and_(E.tenant_id == O.tenant_id, E.id == O.engagement_id))
        .outerjoin(Accepter, and_(Accepter.tenant_id == O.tenant_id, Accepter.id == O.risk_accepted_by))
        .where(*_expiring(tenant_id, today, days))
        .order_by(O.risk_accepted_until, O.ref)
        .limit(limit)
    )
    found = []
    for ref, title, severity, code, until, accepter, reason in session.execute(query):
        assert until is not None  # the query asks for a date
        found.append(ExpiringAcceptance(ref, title, Severity(severity), code, until,
                                        (until - today).days, accepter or "", reason or ""))
    return found


def findings_with_overdue_actions(
    session: Session, tenant_id: int, today: date, limit: int = 200
) -> list[LateActionFinding]:
    """Findings with an action still open after its due date, the longest late first
    (through the stored earliest due date of their open actions)."""
    late = (
        select(func.count()).select_from(A)
        .where(A.tenant_id == O.tenant_id, A.observation_id == O.id, A.status.in_(OPEN_ACTIONS),
               A.due_date < today)
        .correlate(O).scalar_subquery()
    )
    query = (
        select(O.ref, O.title, O.severity, E.code, O.owner_name, O.open_action_due_min, late,
               O.actions_done, O.actions_total)
        .outerjoin(E, and_(E.tenant_id == O.tenant_id, E.id == O.engagement_id))
        .where(O.tenant_id == tenant_id, O.open_action_due_min < today)
        .order_by(O.open_action_due_min, O.ref)
        .limit(limit)
    )
    return [
        LateActionFinding(ref, title, Severity(severity), code, owner or "", earliest, (today - earliest).days,
                          late_count, done, total)
        for ref, title, severity, code, owner, earliest, late_count, done, total in session.execute(query)
    ]


def due_date_extensions(session: Session, tenant_id: int) -> DueDateExtensions:
    """Findings whose due date is later than first set: how many, and by how many days
    (median and longest)."""
    days = O.due_date - O.original_due_date
    query = select(
        func.count(),
        func.percentile_cont(0.5).within_group(days),
        func.max(days),
    ).where(O.tenant_id == tenant_id, O.due_date > O.original_due_date)
    count, median, longest = session.execute(query).one()
    return DueDateExtensions(int(count or 0), float(median or 0), int(longest or 0))
