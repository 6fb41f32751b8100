"""Records of the board report: what ``auditdesk.data.report`` returns.

Plain frozen dataclasses (no SQLAlchemy, no Qt), safe to hand to a worker's
caller, the PDF and Excel writers and the GUI preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.trends import Metrics

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 days", 0, 30),
    ("31–90 days", 31, 90),
    ("91–180 days", 91, 180),
    ("181–365 days", 181, 365),
    ("Over 365 days", 366, None),
)
"""Age buckets of open findings: label, first and last day since identified (None: no end)."""


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Findings identified from ``start`` to ``end`` (either may be open-ended)."""

    start: date | None = None
    end: date | None = None

    def describe(self) -> str:
        if self.start is None and self.end is None:
            return "All findings (no period filter)"
        if self.start is None:
            return f"Findings identified up to {self.end:%d %b %Y}"
        if self.end is None:
            return f"Findings identified from {self.start:%d %b %Y}"
        return f"Findings identified {self.start:%d %b %Y} to {self.end:%d %b %Y}"


@dataclass(frozen=True, slots=True)
class Headline(Metrics):
    """The metrics (docs/architecture.md, "Metrics") over the period's findings, as of
    ``as_of``."""

    as_of: date


@dataclass(frozen=True, slots=True)
class SeverityCount:
    severity: Severity
    open: int
    overdue: int
    repeat_open: int


@dataclass(frozen=True, slots=True)
class AgeBucketCount:
    """Open findings of one age bucket, by severity."""

    label: str
    first_day: int
    last_day: int | None
    critical: int
    high: int
    medium: int
    low: int

    @property
    def total(self) -> int:
        return self.critical + self.high + self.medium + self.low


@dataclass(frozen=True, slots=True)
class OverdueFinding:
    id: int
    ref: str
    title: str
    severity: Severity
    status: ObservationStatus
    owner_name: str | None
    engagement_code: str | None
    identified_on: date
    due_date: date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class RepeatFinding:
    """An open repeat finding with the root of its chain (its original)."""

    id: int
    ref: str
    title: str
    severity: Severity
    status: ObservationStatus
    identified_on: date
    engagement_code: str | None
    auditee: str | None
    original_id: int
    original_ref: str
    original_status: ObservationStatus
    recurrence: int  # depth from the root: 1 for a direct repeat of the original
    chain_identified_on: date  # the original's identified_on
    chain_age_days: int
    engagements: tuple[str, ...]  # engagement codes along the chain, root first


@dataclass(frozen=True, slots=True)
class RecurrenceCount:
    """How many open repeat findings of the period have recurred ``recurrence`` times."""

    recurrence: int
    findings: int


@dataclass(frozen=True, slots=True)
class ClosedThenRecurred:
    """A finding that was closed, and a direct repeat of it identified after the closure."""

    closed_id: int
    closed_ref: str
    closed_title: str
    closed_on: date
    repeat_id: int
    repeat_ref: str
    repeat_identified_on: date
    days_after_closure: int
    repeat_severity: Severity
    repeat_status: ObservationStatus
    repeat_engagement_code: str | None


@dataclass(frozen=True, slots=True)
class AuditeeRepeatRate:
    auditee: str
    findings: int
    repeats: int
    open_repeats: int

    @property
    def rate(self) -> float | None:
        return None if self.findings == 0 else self.repeats / self.findings


@dataclass(frozen=True, slots=True)
class LateActionFinding:
    """A finding with an action still open after its due date (the board report's list)."""

    ref: str
    title: str
    severity: Severity
    engagement_code: str | None
    owner_name: str
    earliest_due: date  # of its open actions
    days_late: int
    late_actions: int
    actions_done: int
    actions_total: int

