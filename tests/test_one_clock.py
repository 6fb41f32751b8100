"""One clock per tenant: at 23:30 and at 00:30 local time, in zones far from UTC, the
observations table, the engagement progress counts, the dashboard snapshot and the board
report agree on what is overdue, and on what day "today" is.

"Now" is injected by replacing ``auditdesk.domain.clock.utc_now``, the one place the
application reads the wall clock; nothing is given a date explicitly.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import factories as f
import pytest

import auditdesk
from auditdesk.domain import clock
from auditdesk.domain.queries import EngagementFilter, ObservationFilter
from auditdesk.services import engagements, observations, report, tenants
from auditdesk.services import snapshots as snapshot_service

DAY = date(2026, 3, 14)
# (local wall time, the local date then, the refs overdue then)
MOMENTS = [
    (datetime(2026, 3, 14, 23, 30), date(2026, 3, 14), {"OBS-000001"}),
    (datetime(2026, 3, 15, 0, 30), date(2026, 3, 15), {"OBS-000001", "OBS-000002"}),
]
ZONES = ["Pacific/Auckland", "Pacific/Pago_Pago"]


@pytest.mark.parametrize("zone", ZONES)
def test_the_moments_straddle_the_utc_date(zone):
    """In each zone one of the two moments falls on another UTC date: a clock in UTC
    (the snapshots and the report until now) would disagree with the local date."""
    differs = [
        wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).date() != local_day
        for wall, local_day, _ in MOMENTS
    ]
    assert sorted(differs) == [False, True]


def _seed(database, zone: str) -> int:
    """Three open findings due on the 13th, 14th and 15th (refs 1, 2, 3)."""
    with database.sessions.begin() as s:
        t = f.tenant(s, time_zone=zone)
        who = f.actor(t)
        e = f.engagement(s, who)
        for due in (13, 14, 15):
            f.observation(
                s, who, engagement_id=e.id, status="open",
                identified_on=date(2026, 3, 1), due_date=date(2026, 3, due),
            )
        return t.id


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("wall", "local_day", "overdue"), MOMENTS)
def test_everything_agrees_on_overdue_near_midnight(
    database, monkeypatch, zone, wall, local_day, overdue
):
    tenant_id = _seed(database, zone)
    now = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: now)

    with database.sessions() as s:
        tenant = next(t for t in tenants.list_tenants(s) if t.id == tenant_id)
        assert tenants.tenant_today(s, tenant_id) == local_day

        # The observations table: the overdue filter, its count, and each row's flag.
        only = ObservationFilter(overdue_only=True)
        assert {r.ref for r in observations.list_page(s, tenant_id, only)} == overdue
        assert observations.count(s, tenant_id, only) == len(overdue)
        flagged = {r.ref for r in observations.list_page(s, tenant_id) if r.overdue}
        assert flagged == overdue

        # Engagement progress counts: the engagements table and "my engagements".
        (listed,) = engagements.list_page(s, tenant_id, EngagementFilter())
        assert listed.overdue == len(overdue)
        (mine,) = engagements.my_engagements(s, tenant_id, None)
        assert mine.overdue == len(overdue)
        assert engagements.get(s, tenant_id, listed.id).overdue == len(overdue)

        # The board report.
        board = report.collect(s, tenant)
        assert board.as_of == local_day
        assert board.generated_at.date() == local_day
        assert board.headline.overdue == len(overdue)
        assert {o.ref for o in board.overdue} == overdue
        assert [p.overdue for p in board.engagements] == [len(overdue)]

    # The dashboard's snapshot (what its tiles show), captured on the tenant's today.
    with database.sessions.begin() as s:
        (snapshot,) = snapshot_service.capture(s, tenant_id=tenant_id).value
        assert snapshot.snapshot_date == local_day
        assert snapshot.overdue == len(overdue)
        assert snapshot_service.capture_today_if_missing(s, tenant_id=tenant_id).value == []
        shown = snapshot_service.load_dashboard(s, tenant_id, "30d", "day")
        assert shown.today == local_day


def test_capture_refuses_the_tenants_tomorrow(database, monkeypatch):
    """At 23:30 in Pago Pago the UTC date is already tomorrow; the tenant's is not."""
    from auditdesk.domain.errors import ValidationError

    tenant_id = _seed(database, "Pacific/Pago_Pago")
    now = datetime(2026, 3, 14, 23, 30, tzinfo=ZoneInfo("Pacific/Pago_Pago")).astimezone(UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: now)
    with pytest.raises(ValidationError, match="future"), database.sessions.begin() as s:
        snapshot_service.capture(s, tenant_id=tenant_id, day=date(2026, 3, 15))
    with database.sessions.begin() as s:
        result = snapshot_service.backfill(s, date(2026, 3, 1), tenant_id=tenant_id).value
    assert result.end == date(2026, 3, 14)


def test_a_closure_counts_on_the_tenants_day(database, monkeypatch):
    """Closed at 00:30 on the 15th in Auckland (11:30 UTC on the 14th): the snapshot of
    the 14th still counts the finding as open, the one of the 15th as closed."""
    zone = ZoneInfo("Pacific/Auckland")
    tenant_id = _seed(database, "Pacific/Auckland")
    closed_at = datetime(2026, 3, 15, 0, 30, tzinfo=zone)
    monkeypatch.setattr(clock, "utc_now", lambda: closed_at.astimezone(UTC))
    with database.sessions.begin() as s:
        who = f.actor(next(t for t in tenants.list_tenants(s) if t.id == tenant_id))
        row = observations.list_page(s, tenant_id)[2]  # due on the 15th
        for status in ("in_remediation", "pending_validation", "closed"):
            observations.change_status(s, who, row.id, status, at=closed_at,
                                       closure_reason="Verified" if status == "closed" else None)
    with database.sessions.begin() as s:
        (today,) = snapshot_service.capture(s, tenant_id=tenant_id).value
        (yesterday,) = snapshot_service.capture(s, tenant_id=tenant_id, day=date(2026, 3, 14)).value
    assert (yesterday.open_total, yesterday.closed_total) == (3, 0)
    assert (today.open_total, today.closed_total) == (2, 1)


WALL_CLOCK_READS = re.compile(
    r"date\.today\(|datetime\.now\(|datetime\.utcnow\(|currentDate\(|currentDateTime\("
    r"|\bcurrent_date\b|localtime\(",
    re.IGNORECASE,
)


def test_the_wall_clock_is_read_in_one_place():
    """Every date comes from ``domain.clock`` (a tenant's zone applied to ``utc_now``): no
    module reads the workstation's or the server's date on its own."""
    package = Path(auditdesk.__file__).parent
    readers = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path != package / "domain" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK_READS.search(line)
    ]
    assert readers == []


def test_the_audit_trails_days_are_the_tenants(database):
    """The audit trail's date filter runs midnight to midnight on the tenant's clock. On
    Kiritimati (UTC+14) and in Pago Pago (UTC-11) the same instant is always on two
    different dates (and the UTC date is at most one of them): each tenant finds its
    entry on its own date only."""
    from auditdesk.domain.audit import AuditFilter
    from auditdesk.services import audit_trail

    zones = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
    with database.sessions.begin() as s:
        ids = {}
        for zone in zones:
            t = f.tenant(s, time_zone=zone)
            f.observation(s, f.actor(t), title=f"Dated in {zone}")
            ids[zone] = t.id
    with database.sessions() as s:
        for zone in zones:
            (entry,) = audit_trail.page(s, ids[zone], AuditFilter(table_name="observation")).entries
            days = {z: entry.changed_at.astimezone(ZoneInfo(z)).date() for z in zones}
            assert len(set(days.values())) == 2

            def found(day: date, tenant_id: int = ids[zone]) -> int:
                flt = AuditFilter(table_name="observation", date_from=day, date_to=day)
                return audit_trail.page(s, tenant_id, flt).total

            assert {z: found(day) for z, day in days.items()} == {
                z: int(z == zone) for z in zones
            }
