"""The board report's list of findings whose actions are overdue, one row per finding
(the counts, expiring acceptances and extensions are ``data.remediation``'s).

Reads only; "today" is the tenant's day, passed in by the caller (docs/architecture.md,
"One clock"). The open action statuses come from ``domain.enums.ActionStatus``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from auditdesk.db.models import EngagementRow, ObservationRowModel, RemediationActionRow
from auditdesk.domain.enums import ActionStatus, Severity
from auditdesk.domain.reports import LateActionFinding

O = ObservationRowModel
A = RemediationActionRow
E = EngagementRow
OPEN_ACTIONS = [s.value for s in ActionStatus if s.is_open]


def findings_with_overdue_actions_count(session: Session, tenant_id: int, today: date) -> int:
    """How many findings ``findings_with_overdue_actions`` lists without a limit."""
    query = select(func.count()).select_from(O).where(
        O.tenant_id == tenant_id, O.open_action_due_min < today
    )
    return int(session.execute(query).scalar_one())


def findings_with_overdue_actions(
    session: Session, tenant_id: int, today: date, limit: int | None = 200
) -> list[LateActionFinding]:
    """Findings with an action still open after its due date, the longest late first
    (through the stored earliest due date of their open actions); the first ``limit``
    (all when None)."""
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

