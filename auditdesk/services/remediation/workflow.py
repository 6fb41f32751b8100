"""The remediation rules of a status change or a save of the whole finding, applied by
``auditdesk.services.observations`` before it writes: no submission for validation while
an action is open (naming them), closing from the form is a manager's close without
validation (with a reason), a risk acceptance needs a justification and an expiry, a
later due date on a raised finding needs a reason. Returns the draft with the
remediation fields that belong to its status (the others cleared)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import remediation as data
from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.errors import TransitionError
from auditdesk.domain.records import Actor, Observation
from auditdesk.domain.remediation import RiskAcceptance, check_closure_reason, check_extension
from auditdesk.domain.transitions import check_close_without_validation

S = ObservationStatus


def check_open_actions(session: Session, current: Observation) -> None:
    """Raise ``TransitionError`` naming the open actions, if any."""
    still_open = [a.title for a in data.list_actions(session, current.tenant_id, current.id)
                  if a.status.is_open]
    if still_open:
        listed = ", ".join(f"“{title}”" for title in still_open)
        raise TransitionError(
            f"Finding {current.ref} cannot be submitted for validation while actions are "
            f"open: {listed}. Mark them done or cancel them first. Nothing was changed."
        )


def checked_draft(
    session: Session, actor: Actor, current: Observation, draft: ObservationDraft, today: date
) -> ObservationDraft:
    """``draft`` (validated, its status one step from ``current``'s) held to the
    remediation rules; raises a domain error in words."""
    status = S(draft.status)
    entering = status is not current.status
    if status is S.PENDING_VALIDATION and entering:
        check_open_actions(session, current)
    closure = None
    if status is S.CLOSED:
        closure = current.closure_reason
        if entering:
            check_close_without_validation(actor.role)
            closure = check_closure_reason(draft.closure_reason)
    until, reason = None, None
    if status is S.RISK_ACCEPTED:
        # A form that does not show them keeps the stored ones.
        until = draft.risk_accepted_until or (None if entering else current.risk_accepted_until)
        reason = draft.risk_acceptance_reason or (
            None if entering else current.risk_acceptance_reason)
        if entering or (until, reason) != (current.risk_accepted_until,
                                           current.risk_acceptance_reason):
            accepted = RiskAcceptance(until, reason or "").validated(today)
            until, reason = accepted.until, accepted.reason
    extension = check_extension(current.due_date, draft.due_date, draft.due_date_extension_reason,
                                raised=current.status is not S.DRAFT)
    return replace(
        draft, closure_reason=closure, risk_accepted_until=until, risk_acceptance_reason=reason,
        due_date_extension_reason=extension if extension is not None
        else current.due_date_extension_reason,
    )
