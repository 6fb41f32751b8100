"""The dashboard's rules as pure functions (domain.dashboard): ranges, tiles and their
changes, the hover read-out, the range caption and backfill chunks. No Qt, no database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from auditdesk.domain import dashboard as d
from auditdesk.domain.enums import SnapshotSource
from auditdesk.domain.records import Snapshot

TODAY = date(2026, 3, 15)


def snap(day: date, *, open_total=10, overdue=2, repeat_open=1, rate: float | None = 0.5) -> Snapshot:
    return Snapshot(
        1, day, datetime(2026, 1, 1, tzinfo=UTC), SnapshotSource.CAPTURED, 1,
        open_total + 5, open_total, 1, 2, 3, open_total - 6, overdue, 5, repeat_open, rate,
    )


def test_the_rules_load_without_qt_or_a_database_driver():
    probe = (
        "import sys, auditdesk.domain.dashboard; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'pyqtgraph', 'sqlalchemy', 'psycopg'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("preset", "bounds", "expected"),
    [
        ("30d", None, (TODAY - timedelta(days=29), TODAY)),
        ("90d", (date(2025, 1, 1), TODAY), (TODAY - timedelta(days=89), TODAY)),
        ("1y", (date(2025, 1, 1), TODAY), (TODAY - timedelta(days=364), TODAY)),
        ("all", (date(2025, 1, 1), TODAY), (date(2025, 1, 1), TODAY)),
        ("all", None, (TODAY, TODAY)),
        # a snapshot dated after today (another clock) extends the range to it
        ("30d", (date(2025, 1, 1), TODAY + timedelta(days=1)),
         (TODAY - timedelta(days=28), TODAY + timedelta(days=1))),
        ("unknown", None, (TODAY - timedelta(days=89), TODAY)),  # falls back to 90 days
    ],
)
def test_resolve_range(preset, bounds, expected):
    assert d.resolve_range(preset, TODAY, bounds) == expected


def test_custom_range_is_put_in_order():
    a, b = date(2026, 1, 31), date(2026, 1, 1)
    assert d.resolve_range(d.CUSTOM, TODAY, None, (a, b)) == (b, a)
    assert d.resolve_range(d.CUSTOM, TODAY, None, (b, a)) == (b, a)
    assert d.resolve_range(d.CUSTOM, TODAY, None, None) == (TODAY - timedelta(days=89), TODAY)


def test_tiles_without_a_snapshot_say_so():
    figures = d.tile_figures(None, None)
    assert [f.caption for f in figures] == list(d.TILE_CAPTIONS)
    assert all(f.value == "—" and f.tone is d.Tone.NEUTRAL for f in figures)
    assert figures[0].delta == "no snapshot in this range"


def test_tiles_without_an_earlier_period():
    figures = d.tile_figures(snap(TODAY, open_total=12, overdue=3, repeat_open=3, rate=0.25), None)
    assert [f.value for f in figures] == ["12", "3", "25.0 %", "25.0 %"]
    assert {f.delta for f in figures} == {"no earlier period"}
    assert {f.tone for f in figures} == {d.Tone.NEUTRAL}


def test_tile_changes_and_which_way_is_good():
    before = snap(date(2026, 2, 13), open_total=10, overdue=4, repeat_open=1, rate=0.5)
    now = snap(TODAY, open_total=13, overdue=4, repeat_open=1, rate=0.62)
    open_, overdue, compliance, repeats = d.tile_figures(now, before)
    assert open_.delta == "▲ 3 vs 13 Feb 2026" and open_.tone is d.Tone.BAD  # more open: worse
    assert overdue.delta == "no change vs 13 Feb 2026" and overdue.tone is d.Tone.NEUTRAL
    assert compliance.delta == "▲ 12.0 pts vs 13 Feb 2026" and compliance.tone is d.Tone.GOOD
    # repeat rate 1/13 now against 1/10 before: down, which is good
    assert repeats.value == "7.7 %"
    assert repeats.delta == "▼ 2.3 pts vs 13 Feb 2026" and repeats.tone is d.Tone.GOOD
    fewer = d.tile_figures(snap(TODAY, open_total=8), before)[0]
    assert fewer.delta.startswith("▼ 2 ") and fewer.tone is d.Tone.GOOD


def test_rate_changes_below_half_a_tenth_are_no_change_and_unknown_rates_show_a_dash():
    before = snap(date(2026, 2, 13), rate=0.5)
    assert d.tile_figures(snap(TODAY, rate=0.5004), before)[2].delta.startswith("no change")
    unknown = d.tile_figures(snap(TODAY, rate=None), before)[2]
    assert unknown.value == "—" and unknown.delta == "— vs 13 Feb 2026"
    nothing_open = d.tile_figures(snap(TODAY, open_total=0, repeat_open=0), before)[3]
    assert nothing_open.value == "—" and nothing_open.tone is d.Tone.NEUTRAL


def test_repeat_rate():
    assert d.repeat_rate(snap(TODAY, open_total=8, repeat_open=2)) == 0.25
    assert d.repeat_rate(snap(TODAY, open_total=0, repeat_open=0)) is None


def test_hover_text():
    text = d.hover_text(date(2026, 3, 2), {"Critical": 2.0, "Compliance %": 61.25, "Overdue": float("nan")})
    assert text == "Mon 2 Mar 2026  ·  Critical 2  ·  Compliance 61.2 %  ·  Overdue no data"


def _data(buckets, bounds=(date(2025, 1, 1), TODAY), granularity="day"):
    start = TODAY - timedelta(days=29)
    return d.DashboardData(TODAY, bounds, start, TODAY, granularity, buckets, None)


def test_range_caption():
    one = _data([(TODAY, snap(TODAY))], granularity="week")
    assert d.range_caption(one) == "14 Feb 2026 – 15 Mar 2026  ·  1 point (last snapshot per week)"
    two = _data([(TODAY, snap(TODAY))] * 2)
    assert "2 points (last snapshot per day)" in d.range_caption(two)
    assert one.current is not None and _data([]).current is None
    assert d.range_caption(_data([])) == (
        "No snapshot between 14 Feb 2026 and 15 Mar 2026; snapshots run from "
        "1 Jan 2025 to 15 Mar 2026."
    )


def test_backfill_chunks_cover_every_day_once():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    chunks = d.backfill_chunks(start, end, 92)
    assert chunks[0] == (date(2025, 1, 1), date(2025, 4, 2))
    assert chunks[-1][1] == end and len(chunks) == 4
    days = [c0 + timedelta(days=i) for c0, c1 in chunks for i in range((c1 - c0).days + 1)]
    assert days == [start + timedelta(days=i) for i in range(365)]
    assert d.backfill_chunks(end, start, 92) == chunks  # either order
    assert d.backfill_chunks(start, start, 92) == [(start, start)]


def test_backfill_message():
    assert d.backfill_message(date(2025, 1, 1), date(2025, 1, 31), 31, 0) == (
        "Backfilled 1 Jan 2025 – 31 Jan 2025: 31 day(s) written."
    )
    assert d.backfill_message(date(2025, 1, 1), date(2025, 1, 31), 29, 2).endswith(
        "29 day(s) written; kept 2 captured day(s)."
    )


def test_backfill_offer_only_for_a_new_dashboard_with_older_findings():
    from dataclasses import replace

    new = d.DashboardData(TODAY, None, TODAY, TODAY, "day", [], None, date(2025, 11, 1))
    assert d.backfill_offer(new) == (date(2025, 11, 1), TODAY)
    old_findings = replace(new, history_from=date(2019, 1, 1))
    assert d.backfill_offer(old_findings) == (TODAY - timedelta(days=364), TODAY)  # a year
    one_day = replace(new, bounds=(TODAY, TODAY))
    assert d.backfill_offer(one_day) == (date(2025, 11, 1), TODAY)
    assert d.backfill_offer(replace(new, bounds=(TODAY - timedelta(days=1), TODAY))) is None
    assert d.backfill_offer(replace(new, history_from=None)) is None  # no finding
    assert d.backfill_offer(replace(new, history_from=TODAY)) is None  # nothing before today


def test_large_counts_are_grouped_by_thousands():
    before = snap(date(2026, 2, 13), open_total=205_000, overdue=96_026)
    open_, overdue, *_ = d.tile_figures(snap(TODAY, open_total=217_323, overdue=96_026), before)
    assert (open_.value, open_.delta) == ("217,323", "▲ 12,323 vs 13 Feb 2026")
    assert overdue.value == "96,026"
    actions, expiring = d.remediation_figures(d.RemediationNow(105_926, 9_587))
    assert (actions.value, expiring.value) == ("105,926", "9,587")
