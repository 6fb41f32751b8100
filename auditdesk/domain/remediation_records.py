"""Frozen remediation records that cross layers and threads: a finding's actions, its
validations, an overdue action, a risk acceptance expiring soon, due-date extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from auditdesk.domain.enums import ActionStatus, Severity, ValidationResult


@dataclass(frozen=True, slots=True)
class RemediationAction:
    tenant_id: int
    id: int
    observation_id: int
    title: str
    description: str
    owner_id: int | None
    owner_name: str | None
    due_date: date
    status: ActionStatus
    percent_complete: int
    completed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    def is_overdue(self, today: date) -> bool:
        return self.status.is_open and self.due_date < today


@dataclass(frozen=True, slots=True)
class ObservationValidation:
    tenant_id: int
    id: int
    observation_id: int
    validated_on: date
    result: ValidationResult
    notes: str
    validated_by: int | None
    validated_by_name: str | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class OverdueAction:
    """An open action past its due date, with its finding (dashboard, board report)."""

    action_id: int
    observation_id: int
    observation_ref: str
    observation_title: str
    title: str
    due_date: date
    owner_name: str | None
    status: ActionStatus
    percent_complete: int
    days_overdue: int


@dataclass(frozen=True, slots=True)
class ExpiringAcceptance:
    """A risk-accepted finding and the day its acceptance ends."""

    observation_id: int
    ref: str
    title: str
    severity: Severity
    risk_accepted_until: date
    accepted_by_name: str | None
    reason: str
    days_left: int


@dataclass(frozen=True, slots=True)
class DueDateExtensions:
    """How many findings had their due date moved later, and by how long (days)."""

    findings: int
    total_days: int
    longest_days: int

    @property
    def average_days(self) -> float:
        return self.total_days / self.findings if self.findings else 0.0
