"""Which status changes an observation may make, and who may make them."""

from __future__ import annotations

from auditdesk.domain.enums import ObservationStatus as S
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied, TransitionError

ALLOWED: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.OPEN}),
    S.OPEN: frozenset({S.IN_REMEDIATION, S.PENDING_VALIDATION, S.CLOSED, S.RISK_ACCEPTED}),
    S.IN_REMEDIATION: frozenset({S.OPEN, S.PENDING_VALIDATION, S.CLOSED, S.RISK_ACCEPTED}),
    S.PENDING_VALIDATION: frozenset({S.IN_REMEDIATION, S.CLOSED, S.RISK_ACCEPTED}),
    S.CLOSED: frozenset({S.OPEN}),
    S.RISK_ACCEPTED: frozenset({S.OPEN}),
}


def allowed_targets(current: S, role: Role | None) -> list[S]:
    """Statuses reachable from ``current`` for a user of ``role``, in workflow order."""
    targets = ALLOWED[S(current)]
    return [
        status
        for status in S
        if status in targets and (status is not S.RISK_ACCEPTED or _may_accept(role))
    ]


def check_transition(current: S, target: S, role: Role | None) -> None:
    current, target = S(current), S(target)
    if current == target:
        return
    if target not in ALLOWED[current]:
        raise TransitionError(
            f"An observation cannot move from {current.label.lower()} to {target.label.lower()}."
        )
    if target is S.RISK_ACCEPTED and not _may_accept(role):
        raise PermissionDenied("Only a manager or an admin may accept a risk.")


def _may_accept(role: Role | None) -> bool:
    # None means the embedded workspace's owner, who holds every right.
    return role is None or Role(role).may_accept_risk
