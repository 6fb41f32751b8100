"""Frozen records that cross layers and threads: what data functions return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from auditdesk.domain.enums import (
    AuditAction,
    EngagementStatus,
    ObservationStatus,
    Role,
    Severity,
    SnapshotSource,
)
from auditdesk.domain.trends import Metrics


@dataclass(frozen=True, slots=True)
class Tenant:
    id: int
    slug: str
    name: str
    time_zone: str = "UTC"  # IANA name: the tenant's "today" (auditdesk.domain.clock)


@dataclass(frozen=True, slots=True)
class User:
    tenant_id: int
    id: int
    email: str
    display_name: str
    role: Role
    db_login: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Engagement:
    tenant_id: int
    id: int
    code: str
    title: str
    auditee: str
    lead_auditor_id: int | None
    lead_auditor_name: str | None
    status: EngagementStatus
    period_start: date | None
    period_end: date | None
    planned_start: date | None
    planned_end: date | None
    version: int
    member_ids: tuple[int, ...] = ()
    total: int = 0
    open: int = 0
    closed: int = 0
    overdue: int = 0


@dataclass(frozen=True, slots=True)
class EngagementProgress:
    id: int
    code: str
    title: str
    auditee: str
    status: EngagementStatus
    planned_end: date | None
    total: int
    open: int
    closed: int
    overdue: int
    overdue_actions: int = 0  # its findings' actions still open after their due date

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "total": self.total,
            "open": self.open,
            "closed": self.closed,
            "overdue": self.overdue,
        }



@dataclass(frozen=True, slots=True)
class MyEngagementsPage:
    """A page of a user's engagements: its rows, whether more follow, how many in all."""

    rows: list[EngagementProgress]
    more: bool
    total: int


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """One line of the observations table (no long text fields)."""

    id: int
    ref: str
    title: str
    engagement_id: int | None
    engagement_code: str | None
    severity: Severity
    status: ObservationStatus
    owner_id: int | None
    owner_name: str | None
    identified_on: date
    due_date: date | None
    repeat_of_id: int | None
    repeat_of_ref: str | None
    recurrence: int
    overdue: bool
    actions_done: int = 0
    actions_total: int = 0
    has_overdue_actions: bool = False


@dataclass(frozen=True, slots=True)
class Observation:
    tenant_id: int
    id: int
    ref: str
    title: str
    criteria: str
    condition: str
    cause: str
    effect: str
    recommendation: str
    management_response: str
    severity: Severity
    status: ObservationStatus
    owner_id: int | None
    owner_name: str | None
    identified_on: date
    due_date: date | None
    original_due_date: date | None
    closed_at: datetime | None
    engagement_id: int | None
    engagement_code: str | None
    repeat_of_id: int | None
    repeat_of_ref: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    # Remediation (migration 0011): set when its status carries them.
    risk_accepted_until: date | None = None
    risk_accepted_by: int | None = None
    risk_acceptance_reason: str | None = None
    closure_reason: str | None = None
    due_date_extension_reason: str | None = None
    # Its action plan, counted by the database.
    actions_total: int = 0
    actions_done: int = 0
    open_action_due_min: date | None = None

    def has_overdue_actions(self, today: date) -> bool:
        return self.open_action_due_min is not None and self.open_action_due_min < today


@dataclass(frozen=True, slots=True)
class LineageNode:
    id: int
    ref: str
    title: str
    severity: Severity
    status: ObservationStatus
    identified_on: date
    engagement_id: int | None
    engagement_code: str | None
    repeat_of_id: int | None
    depth: int
    children: tuple[LineageNode, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "identified": self.identified_on.isoformat(),
            "repeats": [child.as_json() for child in self.children],
        }

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class LineageRoot:
    id: int
    ref: str
    title: str
    severity: Severity
    status: ObservationStatus
    tree_size: int
    max_depth: int


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    table_name: str
    row_id: int | None
    action: AuditAction
    changed_at: datetime
    db_login: str | None
    app_user_id: int | None
    user_name: str | None
    changes: tuple[FieldChange, ...] = field(default=())
    summary: str = ""


@dataclass(frozen=True)
class SnapshotKey:
    """Which stored day a snapshot is, and how it was taken."""

    tenant_id: int
    snapshot_date: date
    captured_at: datetime
    source: SnapshotSource
    metrics_version: int


@dataclass(frozen=True)
class Snapshot(Metrics, SnapshotKey):
    """A stored day of a tenant's metrics: the fields of ``SnapshotKey``, then those of
    ``Metrics`` (dataclass fields come from the last base first)."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A slice of a sorted, filtered result."""

    rows: tuple[T, ...]
    total: int | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the tenant, and the application user (None for the workspace owner)."""

    tenant_id: int
    user_id: int | None = None
    role: Role | None = None
    display_name: str = "Workspace owner"
