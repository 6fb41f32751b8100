"""The figures the trend charts draw, as numpy arrays: :class:`TrendSeries`, built by
:func:`to_series` from stored snapshots, ``(bucket, snapshot)`` pairs or the trend
points of ``domain.trends``; and the mapping between days and the charts' x axis.

No widgets here: ``auditdesk.ui.charts`` draws these series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

_FIELDS = (
    "critical", "high", "medium", "low", "open_total", "overdue", "repeat_open", "compliance",
)
DAY_SECONDS = 86_400.0
"""Seconds in a day: the x distance between two days."""


def day_to_x(day: date) -> float:
    """Seconds since the epoch of a day's UTC midnight (the x of a point)."""
    return float((day - date(1970, 1, 1)).days) * DAY_SECONDS


def x_to_day(x: float) -> date:
    """The day of an x value (rounded to the nearest day)."""
    return date(1970, 1, 1) + timedelta(days=int(round(x / DAY_SECONDS)))


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=float)


@dataclass(frozen=True)
class TrendSeries:
    """The figures of the charts, one value per date (float arrays; NaN = no value).

    ``compliance`` is in percent (0–100).
    """

    dates: tuple[date, ...] = ()
    x: np.ndarray = field(default_factory=_empty)
    critical: np.ndarray = field(default_factory=_empty)
    high: np.ndarray = field(default_factory=_empty)
    medium: np.ndarray = field(default_factory=_empty)
    low: np.ndarray = field(default_factory=_empty)
    open_total: np.ndarray = field(default_factory=_empty)
    overdue: np.ndarray = field(default_factory=_empty)
    repeat_open: np.ndarray = field(default_factory=_empty)
    compliance: np.ndarray = field(default_factory=_empty)

    def __len__(self) -> int:
        return len(self.dates)

    def values(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def index_near(self, x: float) -> int | None:
        """Index of the date nearest to ``x``, or None when there is no point."""
        if not len(self.dates):
            return None
        i = int(np.searchsorted(self.x, x))
        if i <= 0:
            return 0
        if i >= len(self.x):
            return len(self.x) - 1
        return i if abs(self.x[i] - x) < abs(x - self.x[i - 1]) else i - 1


def _rate_percent(rate: Any) -> float:
    return math.nan if rate is None else float(rate) * 100.0


def _point_values(item: Any) -> tuple[date, dict[str, float]]:
    """(date, known figures) of one snapshot, (bucket, snapshot) pair or trend point."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], date):
        item = item[1]
    if hasattr(item, "open_critical"):  # a Snapshot (or anything with its columns)
        return item.snapshot_date, {
            "critical": item.open_critical,
            "high": item.open_high,
            "medium": item.open_medium,
            "low": item.open_low,
            "open_total": item.open_total,
            "overdue": item.overdue,
            "repeat_open": item.repeat_open,
            "compliance": _rate_percent(item.compliance_rate),
        }
    if hasattr(item, "critical"):  # SeverityPoint
        return item.date, {
            "critical": item.critical, "high": item.high, "medium": item.medium,
            "low": item.low, "open_total": item.open_total,
        }
    if hasattr(item, "compliance_rate"):  # CompliancePoint
        return item.date, {"compliance": _rate_percent(item.compliance_rate)}
    if hasattr(item, "overdue"):  # OverduePoint
        return item.date, {"overdue": item.overdue, "open_total": item.open_total}
    if hasattr(item, "repeat_open"):  # RepeatPoint
        return item.date, {"repeat_open": item.repeat_open, "open_total": item.open_total}
    raise TypeError(f"cannot chart {type(item).__name__}")


def to_series(points: TrendSeries | Iterable[Any]) -> TrendSeries:
    """A TrendSeries from snapshots, (bucket, snapshot) pairs or trend points (of one or
    several kinds: points of the same date are merged). Figures nobody gave are NaN."""
    if isinstance(points, TrendSeries):
        return points
    merged: dict[date, dict[str, float]] = {}
    for item in points:
        day, values = _point_values(item)
        merged.setdefault(day, {}).update(values)
    days = sorted(merged)
    columns = {
        name: np.array(
            [merged[d].get(name, math.nan) for d in days], dtype=float
        ) if days else _empty()
        for name in _FIELDS
    }
    for name, values in columns.items():
        if name != "compliance" and len(values):
            # None counts stay gaps as well
            columns[name] = np.where(np.isfinite(values), values, np.nan)
    x = np.array([day_to_x(d) for d in days], dtype=float) if days else _empty()
    return TrendSeries(tuple(days), x, **columns)
