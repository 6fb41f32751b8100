"""The tenant's due-date policy: days from identification to the due date per severity
(defaults: critical 30, high 90, medium 180, low 365), read by everyone, changed by an
admin; a new finding's due date is proposed from it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import remediation as data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.enums import Role, Severity
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.records import Actor
from auditdesk.domain.remediation import DueDatePolicy, validated_policy_days

due_date_policy = data.due_date_policy


def proposed_due_date(
    session: Session, tenant_id: int, severity: Severity | str, identified_on: date
) -> date:
    """The due date the tenant's policy gives a finding of ``severity`` identified then."""
    return data.due_date_policy(session, tenant_id).proposed_due_date(severity, identified_on)


def may_edit_policy(role: Role | None) -> bool:
    """Admins (and the workspace owner) edit the policy."""
    return role is None or Role(role) is Role.ADMIN


def update_due_date_policy(
    session: Session, actor: Actor, changes: Mapping[str, object] | Mapping[Severity, int]
) -> Outcome[DueDatePolicy]:
    """Set the days of the severities named (``{"high": 60}``); the whole policy after."""
    if not may_edit_policy(actor.role):
        raise PermissionDenied("Only an admin may change the due-date policy. Nothing was changed.")
    days = validated_policy_days({str(k): v for k, v in changes.items()})
    data.write_due_date_policy(session, actor, days)
    return Outcome(data.due_date_policy(session, actor.tenant_id),
                   Changes.tables(Table.DUE_DATE_POLICY))
