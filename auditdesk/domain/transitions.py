"""The status workflow of an observation: which step leads from one status to the next,
what each step is called, and who may take it.

A finding is raised as a draft, opened, remediated by its owner, submitted for
validation and closed once the auditor has validated the fix; a validation that fails
sends it back to remediation. A manager may accept the risk instead of remediating (from
open or in remediation). A closed or risk-accepted finding can be reopened, to open or
straight into remediation. Nothing else is a step: a finding is never closed without
being validated. The service layer checks every change against this table
(``check_transition``); the editor offers ``next_steps`` by their names.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditdesk.domain.enums import ObservationStatus as S
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied, TransitionError


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the workflow: its name as the user sees it, and where it leads."""

    action: str
    target: S


#: From each status, the steps in the order the editor offers them.
WORKFLOW: dict[S, tuple[Step, ...]] = {
    S.DRAFT: (Step("Open finding", S.OPEN),),
    S.OPEN: (
        Step("Start remediation", S.IN_REMEDIATION),
        Step("Accept risk", S.RISK_ACCEPTED),
    ),
    S.IN_REMEDIATION: (
        Step("Submit for validation", S.PENDING_VALIDATION),
        Step("Accept risk", S.RISK_ACCEPTED),
    ),
    S.PENDING_VALIDATION: (
        Step("Close", S.CLOSED),
        Step("Return to remediation", S.IN_REMEDIATION),
    ),
    S.CLOSED: (
        Step("Reopen", S.OPEN),
        Step("Reopen into remediation", S.IN_REMEDIATION),
    ),
    S.RISK_ACCEPTED: (
        Step("Reopen", S.OPEN),
        Step("Reopen into remediation", S.IN_REMEDIATION),
    ),
}

ALLOWED: dict[S, frozenset[S]] = {
    status: frozenset(step.target for step in steps) for status, steps in WORKFLOW.items()
}

#: The statuses a finding may be created in (risk acceptance only by a manager).
INITIAL: tuple[S, ...] = (S.DRAFT, S.OPEN)


def next_steps(current: S, role: Role | None) -> list[Step]:
    """The steps a user of ``role`` may take from ``current``, in workflow order."""
    # Accepting a risk, and closing without a passed validation (everyone else closes
    # by recording one), are a manager's or an admin's steps.
    return [
        step
        for step in WORKFLOW[S(current)]
        if step.target not in (S.RISK_ACCEPTED, S.CLOSED) or _may_accept(role)
    ]


def allowed_targets(current: S, role: Role | None) -> list[S]:
    """Statuses reachable in one step from ``current`` for a user of ``role``."""
    return [step.target for step in next_steps(current, role)]


def step_name(current: S, target: S) -> str | None:
    """What the step from ``current`` to ``target`` is called; None when it is no step."""
    return next((s.action for s in WORKFLOW[S(current)] if s.target is S(target)), None)


def check_transition(current: S, target: S, role: Role | None) -> None:
    """Raise ``TransitionError`` (in words, naming the steps there are) unless ``target``
    is one step from ``current``, and ``PermissionDenied`` for a risk acceptance by
    someone who may not accept risks."""
    current, target = S(current), S(target)
    if current == target:
        return
    if target not in ALLOWED[current]:
        offered = " or ".join(
            f"“{step.action}” ({step.target.label.lower()})" for step in WORKFLOW[current]
        )
        raise TransitionError(
            f"An observation cannot move from {current.label.lower()} to "
            f"{target.label.lower()}; from {current.label.lower()} the next step is {offered}."
        )
    if target is S.RISK_ACCEPTED and not _may_accept(role):
        raise PermissionDenied("Only a manager or an admin may accept a risk.")
    if current is S.RISK_ACCEPTED and not _may_accept(role):
        raise PermissionDenied("Only a manager or an admin may reopen an accepted risk.")


def check_close_without_validation(role: Role | None) -> None:
    """Raise ``PermissionDenied`` unless ``role`` may close a finding without a passed
    validation (a manager or an admin, who also gives a reason)."""
    if not _may_accept(role):
        raise PermissionDenied(
            "Only a manager or an admin may close a finding without a passed validation; "
            "record the validation instead. Nothing was changed."
        )


def check_repeat_link_change(current: int | None, new: int | None, role: Role | None) -> None:
    """Raise ``PermissionDenied`` when someone who is not a manager or an admin changes or
    clears an existing repeat link; linking a finding that has none is for everyone."""
    if current is None or new == current:
        return
    if role is not None and not Role(role).may_change_repeat_links:
        raise PermissionDenied(
            "Only a manager or an admin may change or clear a repeat link. Nothing was changed."
        )


def _may_accept(role: Role | None) -> bool:
    # None means the embedded workspace's owner, who holds every right.
    return role is None or Role(role).may_accept_risk
