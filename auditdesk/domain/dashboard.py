"""The dashboard's rules, as pure functions: which days a range covers, what each tile
says and how its change against the previous period reads, the hover read-out, the
range caption, the backfill offered on a new dashboard and how a backfill is cut into
chunks.

No Qt and no database: ``services.snapshots.load_dashboard`` fills a
:class:`DashboardData`, the view (``auditdesk.ui.views.dashboard``) draws what these
functions return (see ``docs/architecture.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from auditdesk.domain.records import Snapshot

#: preset key -> (button text, days; None = all snapshots)
RANGE_PRESETS: dict[str, tuple[str, int | None]] = {
    "30d": ("30 days", 30),
    "90d": ("90 days", 90),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
CUSTOM = "custom"
GRANULARITIES = (("day", "Day"), ("week", "Week"), ("month", "Month"))
TILE_CAPTIONS = ("Open findings", "Overdue", "Compliance", "Repeat rate")
#: The remediation tiles: counted now (not from snapshots), so they show no change.
REMEDIATION_CAPTIONS = ("Overdue actions", "Acceptances expiring")
#: How far ahead "expiring soon" looks for accepted risks (dashboard and report).
EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class RemediationNow:
    """Remediation as it stands today: actions open past their due date, and accepted
    risks whose acceptance ends within ``EXPIRY_WINDOW_DAYS``."""

    overdue_actions: int
    expiring_acceptances: int


@dataclass(frozen=True)
class DashboardData:
    """Everything one reload shows, read in one job (``services.snapshots.load_dashboard``)."""

    today: date
    bounds: tuple[date, date] | None  # first and last snapshot of the tenant
    start: date
    end: date
    granularity: str
    buckets: list[tuple[date, Snapshot]]
    previous: Snapshot | None  # last snapshot before ``start``
    # The earliest day a backfill may start (the first finding), read only while the
    # tenant has at most one day of snapshots: what ``backfill_offer`` needs.
    history_from: date | None = None
    remediation: RemediationNow | None = None

    @property
    def current(self) -> Snapshot | None:
        return self.buckets[-1][1] if self.buckets else None


def resolve_range(
    preset: str,
    today: date,
    bounds: tuple[date, date] | None,
    custom: tuple[date, date] | None = None,
) -> tuple[date, date]:
    """The (start, end) dates of a preset (or of the custom range)."""
    if preset == CUSTOM and custom is not None:
        start, end = custom
        return (start, end) if start <= end else (end, start)
    days = RANGE_PRESETS.get(preset, RANGE_PRESETS["90d"])[1]
    end = max(today, bounds[1]) if bounds else today
    if days is None:
        return (bounds[0] if bounds else end), end
    return end - timedelta(days=days - 1), end


def format_day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def repeat_rate(snapshot: Snapshot) -> float | None:
    """Open repeats / open findings, 0..1; None when nothing is open."""
    return snapshot.repeat_open / snapshot.open_total if snapshot.open_total else None


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


class Tone(Enum):
    """How a tile's change reads: better, worse, or neither (no change, no comparison)."""

    NEUTRAL = "neutral"
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True)
class TileFigure:
    caption: str
    value: str
    delta: str
    tone: Tone


def count_change(
    now: int, before: int | None, since: str, *, up_is_good: bool = False
) -> tuple[str, Tone]:
    """The change of a count against the previous period, e.g. ``▲ 3 vs 1 Mar 2026``."""
    if before is None:
        return "no earlier period", Tone.NEUTRAL
    change = now - before
    if change == 0:
        return f"no change {since}", Tone.NEUTRAL
    arrow = "▲" if change > 0 else "▼"
    good = (change > 0) == up_is_good
    return f"{arrow} {abs(change):,} {since}", Tone.GOOD if good else Tone.BAD


def rate_change(
    now: float | None, before: float | None, since: str, *, up_is_good: bool, compared: bool
) -> tuple[str, Tone]:
    """The change of a 0..1 rate in percentage points; ``compared`` is False when there is
    no previous period at all (a rate can also be unknown inside a period)."""
    if not compared:
        return "no earlier period", Tone.NEUTRAL
    if now is None or before is None:
        return f"— {since}", Tone.NEUTRAL
    change = (now - before) * 100
    if abs(change) < 0.05:
        return f"no change {since}", Tone.NEUTRAL
    arrow = "▲" if change > 0 else "▼"
    good = (change > 0) == up_is_good
    return f"{arrow} {abs(change):.1f} pts {since}", Tone.GOOD if good else Tone.BAD


def tile_figures(current: Snapshot | None, previous: Snapshot | None) -> list[TileFigure]:
    """Open, overdue, compliance and repeat rate with their change against ``previous``."""
    if current is None:
        return [TileFigure(c, "—", "no snapshot in this range", Tone.NEUTRAL) for c in TILE_CAPTIONS]
    since = f"vs {format_day(previous.snapshot_date)}" if previous is not None else ""
    compared = previous is not None
    return [
        TileFigure(
            "Open findings", f"{current.open_total:,}",
            *count_change(current.open_total, previous.open_total if previous else None, since),
        ),
        TileFigure(
            "Overdue", f"{current.overdue:,}",
            *count_change(current.overdue, previous.overdue if previous else None, since),
        ),
        TileFigure(
            "Compliance", _percent(current.compliance_rate),
            *rate_change(current.compliance_rate, previous.compliance_rate if previous else None,
                         since, up_is_good=True, compared=compared),
        ),
        TileFigure(
            "Repeat rate", _percent(repeat_rate(current)),
            *rate_change(repeat_rate(current), repeat_rate(previous) if previous else None,
                         since, up_is_good=False, compared=compared),
        ),
    ]


def remediation_figures(now: RemediationNow | None) -> list[TileFigure]:
    """The two remediation tiles; a count above zero reads as bad news."""
    if now is None:
        return [TileFigure(c, "—", "", Tone.NEUTRAL) for c in REMEDIATION_CAPTIONS]
    return [
        TileFigure("Overdue actions", f"{now.overdue_actions:,}", "open past their due date",
                   Tone.BAD if now.overdue_actions else Tone.NEUTRAL),
        TileFigure("Acceptances expiring", f"{now.expiring_acceptances:,}",
                   f"risk acceptances ending in {EXPIRY_WINDOW_DAYS} days",
                   Tone.BAD if now.expiring_acceptances else Tone.NEUTRAL),
    ]


def hover_text(day: date, values: dict[str, float]) -> str:
    """The read-out line of a hovered day; a label ending in "%" is a percentage."""
    parts = [f"{day.strftime('%a')} {format_day(day)}"]
    for label, value in values.items():
        percent = label.endswith("%")
        label = label.rstrip(" %")
        if math.isnan(value):
            shown = "no data"
        elif percent:
            shown = f"{value:.1f} %"
        else:
            shown = f"{value:.0f}"
        parts.append(f"{label} {shown}")
    return "  ·  ".join(parts)


def range_caption(data: DashboardData) -> str:
    """The line under the charts: the range shown and how many points it has."""
    count = len(data.buckets)
    if not count and data.bounds is not None:
        return (f"No snapshot between {format_day(data.start)} and {format_day(data.end)}; "
                f"snapshots run from {format_day(data.bounds[0])} to "
                f"{format_day(data.bounds[1])}.")
    return (f"{format_day(data.start)} – {format_day(data.end)}  ·  "
            f"{count} point{'s' if count != 1 else ''} (last snapshot per {data.granularity})")


#: How far back the first-open offer rebuilds (the "1 year" range then has every day).
BACKFILL_OFFER_DAYS = 365


def backfill_offer(data: DashboardData) -> tuple[date, date] | None:
    """The days a new dashboard could show at once: while the tenant has at most one day
    of snapshots and findings older than it, the last year (from the first finding when
    that is later) to today; None when there is nothing to offer."""
    if data.history_from is None:
        return None
    if data.bounds is not None and data.bounds[0] != data.bounds[1]:
        return None
    start = max(data.history_from, data.today - timedelta(days=BACKFILL_OFFER_DAYS - 1))
    first_shown = data.bounds[0] if data.bounds is not None else data.today
    if start >= first_shown:
        return None
    return start, data.today


def backfill_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """``start``..``end`` cut into consecutive pieces of at most ``days`` days (one job
    each, so that a progress bar moves); the dates may come in either order."""
    if start > end:
        start, end = end, start
    chunks = []
    while start <= end:
        chunk_end = min(start + timedelta(days=days - 1), end)
        chunks.append((start, chunk_end))
        start = chunk_end + timedelta(days=1)
    return chunks


def backfill_message(start: date, end: date, written: int, kept_captured: int) -> str:
    """What a finished backfill says."""
    kept = f"; kept {kept_captured} captured day(s)" if kept_captured else ""
    return (f"Backfilled {format_day(start)} – {format_day(end)}: "
            f"{written} day(s) written{kept}.")
