"""Risk acceptance that expires, and due-date extensions.

A manager or an admin accepts a finding's risk until a date (tomorrow to three years
ahead on the tenant's clock) with a justification; the database records who. Lapsed
acceptances return to open when the daily capture runs ``expire_risk_acceptances``
(the GUI's and the scheduled CLI's capture alike). Moving a raised finding's due date
later asks for a reason and keeps its original due date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import observation_writes as writes
from auditdesk.data import remediation as data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain import clock
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import Actor, Observation
from auditdesk.domain.remediation import RiskAcceptance, check_extension
from auditdesk.domain.transitions import check_transition
from auditdesk.services.remediation.access import (
    check_finding_version,
    require_may_edit,
    saved_finding,
)


def accept_risk(
    session: Session, actor: Actor, observation_id: int, acceptance: RiskAcceptance,
    expected_version: int | None = None, today: date | None = None,
) -> Outcome[Observation]:
    """Accept the finding's risk until ``acceptance.until`` (or change an acceptance's
    expiry or justification); the finding afterwards."""
    finding = writes.lock_observation(session, actor.tenant_id, observation_id)
    check_finding_version(session, finding, expected_version)
    check_transition(finding.status, ObservationStatus.RISK_ACCEPTED, actor.role)
    if finding.status is ObservationStatus.RISK_ACCEPTED:
        # Changing an acceptance is a manager's decision as much as making one.
        check_transition(ObservationStatus.OPEN, ObservationStatus.RISK_ACCEPTED, actor.role)
    acceptance = acceptance.validated(today or tenant_today(session, actor.tenant_id))
    data.write_remediation(
        session, actor, observation_id, status=ObservationStatus.RISK_ACCEPTED,
        closed_at=finding.closed_at or clock.utc_now(),
        risk_accepted_until=acceptance.until, risk_acceptance_reason=acceptance.reason,
    )
    return saved_finding(session, actor, observation_id)


def extend_due_date(
    session: Session, actor: Actor, observation_id: int, due_date: date | None,
    reason: str | None, expected_version: int | None = None,
) -> Outcome[Observation]:
    """Move the finding's due date; a later date on a raised finding needs ``reason``
    and keeps the original due date."""
    finding = writes.lock_observation(session, actor.tenant_id, observation_id)
    check_finding_version(session, finding, expected_version)
    require_may_edit(session, actor, finding)
    if due_date is None:
        raise ValidationError({"due_date": "is required"})
    if due_date < finding.identified_on:
        raise ValidationError({"due_date": "must not be before identified on"})
    text = check_extension(finding.due_date, due_date,
                           reason, raised=finding.status is not ObservationStatus.DRAFT)
    values: dict[str, object] = {"due_date": due_date}
    if text is not None:
        values["due_date_extension_reason"] = text
        values["original_due_date"] = finding.original_due_date or finding.due_date
    data.write_remediation(session, actor, observation_id, **values)
    return saved_finding(session, actor, observation_id)


def expire_risk_acceptances(session: Session, tenant_id: int) -> Outcome[int]:
    """Return the tenant's lapsed acceptances to open; how many. Any person of the
    tenant may run it (the daily capture does); the trail names the system."""
    expired = data.expire_risk_acceptances(session, tenant_id)
    return Outcome(expired, Changes.tables(Table.OBSERVATION) if expired else Changes())

