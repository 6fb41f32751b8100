"""Filters and sort orders for the list queries (what a table view asks for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity


class ObservationSort(StrEnum):
    REF = "ref"
    TITLE = "title"
    ENGAGEMENT = "engagement"
    SEVERITY = "severity"
    STATUS = "status"
    OWNER = "owner"
    IDENTIFIED = "identified_on"
    DUE = "due_date"
    REPEAT_OF = "repeat_of"
    RECURRENCE = "recurrence"


class EngagementSort(StrEnum):
    CODE = "code"
    TITLE = "title"
    AUDITEE = "auditee"
    LEAD = "lead"
    STATUS = "status"
    PERIOD = "period_start"
    PLANNED_END = "planned_end"
    TOTAL = "total"
    OPEN = "open"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ObservationFilter:
    engagement_id: int | None = None
    severities: tuple[Severity, ...] = ()
    statuses: tuple[ObservationStatus, ...] = ()
    owner_id: int | None = None
    overdue_only: bool = False
    repeats_only: bool = False
    overdue_actions_only: bool = False  # an action still open past its due date
    text: str = ""
    today: date | None = None


@dataclass(frozen=True)
class EngagementFilter:
    statuses: tuple[EngagementStatus, ...] = ()
    auditee: str | None = None
    text: str = ""
    today: date | None = None


@dataclass(frozen=True)
class SuggestionFilter:
    """Which repeat suggestions to list or export: by status (None = every status), at
    an auditee (of either finding), from a score up."""

    status: str | None = "pending"
    auditee: str | None = None
    min_score: float = 0.0


@dataclass(frozen=True)
class TreeFilter:
    """Which repeat trees to list: those with a finding at ``auditee``, those with an
    open finding, those where a finding came back after the one it repeats was closed."""

    auditee: str | None = None
    open_only: bool = False
    recurred_after_close: bool = False
