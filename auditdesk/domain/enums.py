"""Enumerations stored in the database as their lowercase names, and the rules defined
on them once: which statuses are open or resolved, and the order of severities (its
rank). The SQL forms of these rules are derived from here (``auditdesk.data.expressions``).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AUDITOR = "auditor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def may_accept_risk(self) -> bool:
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def may_change_repeat_links(self) -> bool:
        """Change or clear an existing repeat link (anyone may add one)."""
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def may_delete_findings(self) -> bool:
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def may_manage_engagements(self) -> bool:
        """Create, change and delete engagements and their teams."""
        return self is Role.ADMIN


class EngagementStatus(StrEnum):
    PLANNED = "planned"
    FIELDWORK = "fieldwork"
    REPORTING = "reporting"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe; sorting by rank puts critical first (declaration order)."""
        return list(Severity).index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def default_due_days(self) -> int:
        return {"critical": 30, "high": 90, "medium": 180, "low": 365}[self.value]


class ObservationStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    IN_REMEDIATION = "in_remediation"
    PENDING_VALIDATION = "pending_validation"
    CLOSED = "closed"
    RISK_ACCEPTED = "risk_accepted"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_resolved(self) -> bool:
        """Closed and risk-accepted findings are no longer open; both carry ``closed_at``."""
        return self in RESOLVED_STATUSES

    @property
    def is_open(self) -> bool:
        """Counted as open: not a draft, neither closed nor risk-accepted."""
        return self in OPEN_STATUSES


#: Resolved: no longer open, and carrying ``closed_at``.
RESOLVED_STATUSES = frozenset({ObservationStatus.CLOSED, ObservationStatus.RISK_ACCEPTED})
#: Open: every status that is neither a draft nor resolved.
OPEN_STATUSES = frozenset(
    s for s in ObservationStatus if s is not ObservationStatus.DRAFT and s not in RESOLVED_STATUSES
)
#: Not open: the draft and the resolved statuses.
NOT_OPEN_STATUSES = frozenset(ObservationStatus) - OPEN_STATUSES


class ActionStatus(StrEnum):
    """Where one action of a finding's action plan stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Still to be done: planned or in progress (a finding waits for these)."""
        return self in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class ValidationResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SnapshotSource(StrEnum):
    CAPTURED = "captured"
    BACKFILLED = "backfilled"


class AuditAction(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
