"""Enumerations stored in the database as their lowercase names."""

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
        """0 for the most severe; sorting by rank puts critical first."""
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
        return self in (ObservationStatus.CLOSED, ObservationStatus.RISK_ACCEPTED)


class SnapshotSource(StrEnum):
    CAPTURED = "captured"
    BACKFILLED = "backfilled"


class AuditAction(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
