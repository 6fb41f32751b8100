"""Observation use cases: list and read, create, edit, change status, delete.

Each function takes the caller's session (one transaction per user action, never
committed here) and, for writes, the acting user; it applies the rules — field
validation, the status workflow, the version check against a concurrent save — and
then calls the row writes of ``auditdesk.data.observations``. Writes return an
``Outcome`` naming the rows they changed (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from auditdesk.data import observation_writes as writes
from auditdesk.data import observations as data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain import clock
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.records import Actor, Observation
from auditdesk.domain.remediation import RiskAcceptance
from auditdesk.domain.transitions import check_repeat_link_change, check_transition
from auditdesk.services.editing import check_version, editable_copy
from auditdesk.services.remediation import policy as remediation_policy
from auditdesk.services.remediation import workflow as remediation_rules

# -- reads ------------------------------------------------------------------------------------


# The queries need no rule of their own: the service offers them as they are, so that the
# UI and the CLI have one boundary to call.
list_page = data.list_observations
count = data.count_observations
count_at_once = data.count_at_once
position_of = data.position_of
sort_value = data.sort_value
get = data.get_observation
get_by_ref = data.get_by_ref
repeats_of = data.repeats_of
warm_up = data.warm_up


def draft_of(observation: Observation) -> ObservationDraft:
    """An editable copy of a stored observation."""
    return editable_copy(observation, ObservationDraft)


# -- writes -----------------------------------------------------------------------------------


def _closed_at_for(status: ObservationStatus, at: datetime | None = None) -> datetime | None:
    """Resolved findings carry the time they were resolved; every other status none."""
    return (at or clock.utc_now()) if status.is_resolved else None


def _check_version(session: Session, current: Observation, expected_version: int | None) -> None:
    check_version(
        session, current.tenant_id, Table.OBSERVATION, current.id,
        f"Observation {current.ref}", current.version, expected_version,
    )


def create(
    session: Session, actor: Actor, draft: ObservationDraft, today: date | None = None
) -> Outcome[Observation]:
    """Validate, assign the next ref, and insert ("today" on the tenant's clock)."""
    today = today or tenant_today(session, actor.tenant_id)
    if draft.due_date is None and draft.severity in set(Severity) and isinstance(
        draft.identified_on, date
    ):
        draft = replace(draft, due_date=remediation_policy.proposed_due_date(
            session, actor.tenant_id, draft.severity, draft.identified_on))
    draft = draft.validated(today)
    status = ObservationStatus(draft.status)
    if status is ObservationStatus.RISK_ACCEPTED:
        check_transition(ObservationStatus.OPEN, status, actor.role)
        accepted = RiskAcceptance(draft.risk_accepted_until,
                                  draft.risk_acceptance_reason or "").validated(today)
        draft = replace(draft, risk_accepted_until=accepted.until,
                        risk_acceptance_reason=accepted.reason)
    new_id = writes.insert_observation(session, actor, draft, _closed_at_for(status))
    return Outcome(
        data.get_observation(session, actor.tenant_id, new_id),
        Changes.of(Table.OBSERVATION, [new_id]),
    )


def update(
    session: Session,
    actor: Actor,
    observation_id: int,
    draft: ObservationDraft,
    expected_version: int | None,
    today: date | None = None,
) -> Outcome[Observation]:
    """Save every field of ``draft``. ``expected_version=None`` overwrites deliberately.

    A stale ``expected_version`` raises ``ConflictError`` naming who saved last and when.
    """
    current = writes.lock_observation(session, actor.tenant_id, observation_id)
    _check_version(session, current, expected_version)
    draft = replace(draft, original_due_date=draft.original_due_date or current.original_due_date)
    today = today or max(tenant_today(session, actor.tenant_id), current.identified_on)
    draft = draft.validated(today)
    status = ObservationStatus(draft.status)
    check_transition(current.status, status, actor.role)
    check_repeat_link_change(current.repeat_of_id, draft.repeat_of_id, actor.role)
    draft = remediation_rules.checked_draft(session, actor, current, draft, today)
    closed_at = current.closed_at if status is current.status else _closed_at_for(status)
    writes.write_observation(session, actor, observation_id, draft, closed_at)
    changed = [observation_id]
    if draft.repeat_of_id != current.repeat_of_id:
        # The depth from the root changes for everything below the moved finding.
        changed = data.subtree_ids(session, actor.tenant_id, observation_id)
    return Outcome(
        data.get_observation(session, actor.tenant_id, observation_id),
        Changes.of(Table.OBSERVATION, changed),
    )


def change_status(
    session: Session,
    actor: Actor,
    observation_id: int,
    status: ObservationStatus | str,
    expected_version: int | None = None,
    at: datetime | None = None,
    *,
    closure_reason: str | None = None,
    acceptance: RiskAcceptance | None = None,
) -> Outcome[Observation]:
    """Move to ``status`` if the rules allow; closing sets ``closed_at``, reopening clears it.

    Closing here is a manager's close without a passed validation (``closure_reason``
    required; a validation closes through ``services.remediation.validation``); accepting
    a risk needs ``acceptance`` (justification and expiry)."""
    status = ObservationStatus(status)
    current = writes.lock_observation(session, actor.tenant_id, observation_id)
    _check_version(session, current, expected_version)
    check_transition(current.status, status, actor.role)
    if status is current.status:
        return Outcome(current)
    draft = remediation_rules.checked_draft(
        session, actor, current,
        replace(draft_of(current), status=status, closure_reason=closure_reason,
                risk_accepted_until=acceptance.until if acceptance else None,
                risk_acceptance_reason=acceptance.reason if acceptance else None),
        tenant_today(session, actor.tenant_id),
    )
    writes.write_status(
        session, actor, observation_id, status, _closed_at_for(status, at),
        **{name: getattr(draft, name) for name in writes.REMEDIATION_FIELDS},
    )
    return Outcome(
        data.get_observation(session, actor.tenant_id, observation_id),
        Changes.of(Table.OBSERVATION, [observation_id]),
    )


@dataclass(frozen=True)
class DeletedObservation:
    id: int
    ref: str
    detached_repeats: tuple[str, ...]


def delete(
    session: Session, actor: Actor, observation_id: int, expected_version: int | None = None
) -> Outcome[DeletedObservation]:
    """Delete one observation; its repeats are kept and lose their link."""
    current = writes.lock_observation(session, actor.tenant_id, observation_id)
    _check_version(session, current, expected_version)
    detached = tuple(data.repeats_of(session, actor.tenant_id, observation_id))
    writes.remove_observation(session, actor, observation_id)
    # A row gone moves every row after it in any list, and the repeats below it change
    # depth: the table changed as a whole.
    return Outcome(
        DeletedObservation(observation_id, current.ref, detached), Changes.tables(Table.OBSERVATION)
    )
