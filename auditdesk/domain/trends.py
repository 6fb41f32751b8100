"""Records of the dashboard pipeline: metric figures, trend points, backfill results.

Plain frozen dataclasses (no SQLAlchemy, no Qt) returned by ``auditdesk.data.snapshots``
and ``auditdesk.services.snapshots``; the snapshot row itself is
``auditdesk.domain.records.Snapshot``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

Day = date  # the type, in classes that have a field named ``date``


class Granularity(StrEnum):
    """Trend bucket size; a bucket shows the last snapshot taken in it."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, starting on Monday
    MONTH = "month"


class TrendKind(StrEnum):
    SEVERITY = "severity"
    COMPLIANCE = "compliance"
    OVERDUE = "overdue"
    REPEATS = "repeats"


# No __slots__: a record carries the figures beside its own fields by inheriting from
# Metrics and another base (Snapshot), which two slotted bases cannot share.
@dataclass(frozen=True)
class Metrics:
    """The dashboard figures of one tenant as of the end of one date (docs/architecture.md,
    "Defined once"): counts of findings, open ones by severity, overdue, closed, open
    repeats, and the compliance rate."""

    total: int
    open_total: int
    open_critical: int
    open_high: int
    open_medium: int
    open_low: int
    overdue: int
    closed_total: int
    repeat_open: int
    compliance_rate: float | None  # 0..1, None when nothing is due yet

    def figures(self) -> dict[str, Any]:
        """Every figure by its field name (the metric columns of dashboard_snapshot)."""
        return {name: getattr(self, name) for name in METRIC_FIELDS}

    def metrics(self) -> Metrics:
        """The bare figures of a record that carries them (a snapshot, a headline)."""
        return Metrics(**self.figures())

    def as_json(self) -> dict[str, Any]:
        return self.figures()


#: The ten metric fields, declared once (above); records that carry them subclass Metrics.
METRIC_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True, slots=True)
class DatedMetrics:
    """Metrics of one tenant as of one date (a computed, not necessarily stored, day)."""

    tenant_id: int
    snapshot_date: date
    metrics: Metrics


@dataclass(frozen=True, slots=True)
class SeverityPoint:
    date: Day
    bucket: Day
    critical: int
    high: int
    medium: int
    low: int
    open_total: int

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "critical": self.critical,
            "high": self.high,
            "medium": self.medium,
            "low": self.low,
            "open_total": self.open_total,
        }


@dataclass(frozen=True, slots=True)
class CompliancePoint:
    date: Day
    bucket: Day
    compliance_rate: float | None  # None is a gap in the chart, not zero

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "compliance_rate": self.compliance_rate}


@dataclass(frozen=True, slots=True)
class OverduePoint:
    date: Day
    bucket: Day
    overdue: int
    open_total: int

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "overdue": self.overdue, "open_total": self.open_total}


@dataclass(frozen=True, slots=True)
class RepeatPoint:
    date: Day
    bucket: Day
    repeat_open: int
    open_total: int

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "repeat_open": self.repeat_open,
            "open_total": self.open_total,
        }


TrendPoint = SeverityPoint | CompliancePoint | OverduePoint | RepeatPoint


@dataclass(frozen=True, slots=True)
class BackfillResult:
    """What a backfill wrote: rows inserted or rebuilt, and captured days it left alone."""

    start: date
    end: date
    tenant_ids: tuple[int, ...]
    written: int
    kept_captured: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "tenants": len(self.tenant_ids),
            "days": self.days,
            "written": self.written,
            "kept_captured": self.kept_captured,
        }
