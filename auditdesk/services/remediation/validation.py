"""Validating a finding's fix, and closing without one.

An auditor other than the finding's owner records the validation of a finding pending
validation; recording it moves the finding in the database (passed: closed; failed:
back to remediation, the notes saying why). A manager or an admin may close a finding
pending validation without one, giving a reason.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import observation_writes as writes
from auditdesk.data import observations as observation_data
from auditdesk.data import remediation as data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain import clock
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.errors import TransitionError, ValidationError
from auditdesk.domain.records import Actor, Observation
from auditdesk.domain.remediation import ValidationDraft, check_closure_reason
from auditdesk.domain.transitions import check_close_without_validation
from auditdesk.services.remediation.access import (
    check_finding_version,
    require_may_edit,
    saved_finding,
)

list_validations = data.list_validations


def check_may_validate(actor: Actor, finding: Observation) -> None:
    """Raise unless ``finding`` waits for a validation that ``actor`` may record."""
    if finding.status is not ObservationStatus.PENDING_VALIDATION:
        raise TransitionError(
            f"Finding {finding.ref} is {finding.status.label.lower()}: only a finding "
            "pending validation is validated. Nothing was recorded."
        )
    if actor.user_id is not None and actor.user_id == finding.owner_id:
        raise ValidationError({
            "validated_by": f"you own finding {finding.ref}: another auditor validates it"
        })


def record_validation(
    session: Session, actor: Actor, observation_id: int, draft: ValidationDraft,
    expected_version: int | None = None, today: date | None = None,
) -> Outcome[Observation]:
    """Record the validation; the finding as it is afterwards (closed, or in remediation)."""
    finding = writes.lock_observation(session, actor.tenant_id, observation_id)
    check_finding_version(session, finding, expected_version)
    check_may_validate(actor, finding)
    require_may_edit(session, actor, finding)
    draft = draft.validated(finding.identified_on, today or tenant_today(session, actor.tenant_id))
    new_id = data.insert_validation(session, actor, observation_id, draft)
    return Outcome(
        observation_data.get_observation(session, actor.tenant_id, observation_id),
        Changes.of(Table.OBSERVATION, [observation_id])
        | Changes.of(Table.OBSERVATION_VALIDATION, [new_id]),
    )


def close_without_validation(
    session: Session, actor: Actor, observation_id: int, reason: str | None,
    expected_version: int | None = None,
) -> Outcome[Observation]:
    """A manager's or an admin's close of a finding pending validation, with a reason."""
    finding = writes.lock_observation(session, actor.tenant_id, observation_id)
    check_finding_version(session, finding, expected_version)
    if finding.status is not ObservationStatus.PENDING_VALIDATION:
        raise TransitionError(
            f"Finding {finding.ref} is {finding.status.label.lower()}: only a finding pending "
            "validation is closed. Nothing was changed."
        )
    check_close_without_validation(actor.role)
    text = check_closure_reason(reason)
    data.write_remediation(session, actor, observation_id, status=ObservationStatus.CLOSED,
                           closed_at=clock.utc_now(), closure_reason=text)
    return saved_finding(session, actor, observation_id)
