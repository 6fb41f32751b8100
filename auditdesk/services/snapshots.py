"""Snapshot use cases: capture now, backfill past days, capture today when it is missing,
and what the dashboard shows for a range.

Used by the ``auditdesk snapshot`` commands, a scheduled job, and the desktop
client (menu actions and the once-a-day automatic capture). Each function works
in the caller's session (one transaction per user action) and never commits; the
writes return an ``Outcome`` (see docs/architecture.md).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from auditdesk.data import engagements as engagement_data
from auditdesk.data import snapshots as data
from auditdesk.data import tenants as tenant_data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.dashboard import (
    EXPIRY_WINDOW_DAYS,
    DashboardData,
    RemediationNow,
    resolve_range,
)
from auditdesk.domain.enums import SnapshotSource
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.limits import check_backfill_start, earliest_backfill_day
from auditdesk.domain.records import Snapshot
from auditdesk.domain.trends import BackfillResult, DatedMetrics
from auditdesk.services.remediation import acceptance as remediation_acceptance
from auditdesk.services.remediation import reads as remediation_reads


def tenant_ids(session: Session, tenant_id: int | None = None) -> list[int]:
    """The given tenant, or every tenant when None."""
    if tenant_id is not None:
        return [tenant_id]
    return tenant_data.tenant_ids(session)


def capture(
    session: Session, *, tenant_id: int | None = None, day: date | None = None
) -> Outcome[list[Snapshot]]:
    """Capture the snapshot of ``day`` (each tenant's today, on its clock, by default)
    for one or all tenants.

    Capturing a day that already has a row replaces its figures (and marks it
    captured); a date in the future of a tenant's clock is refused, its figures are
    not known yet. Capturing today first returns lapsed risk acceptances to open.
    """
    ids = tenant_ids(session, tenant_id)
    days = {tid: data.today(session, tid) if day is None else day for tid in ids}
    for tid in ids:
        if days[tid] > data.today(session, tid):
            raise ValidationError({"date": f"{days[tid].isoformat()} is in the future"})
    expired = 0
    for tid in ids:
        if days[tid] == data.today(session, tid):
            # Lapsed risk acceptances reopen first, so that today's figures count them open
            # (the database function; the trail names the system).
            expired += remediation_acceptance.expire_risk_acceptances(session, tid).value
    captured = [data.capture_snapshot(session, tid, days[tid]) for tid in ids]
    for tid in ids:
        if days[tid] == data.today(session, tid):
            # the day's capture also moves the engagements' overdue tallies to today
            engagement_data.advance_tallies(session, tid, days[tid])
    changes = _written(captured)
    if expired:
        changes = changes | Changes.tables(Table.OBSERVATION)
    return Outcome(captured, changes)


def backfill(
    session: Session,
    start: date,
    end: date | None = None,
    *,
    tenant_id: int | None = None,
    overwrite: bool = False,
) -> Outcome[BackfillResult]:
    """Rebuild and store the metrics as of each day from ``start`` to ``end`` (today by
    default) from the audit trail, with source ``backfilled``.

    Days that were captured are kept unless ``overwrite``; days backfilled before
    are rebuilt. On a captured day with no change after the capture, the rebuilt
    figures equal the captured ones. ``start`` may not precede the first finding of
    the tenants (every figure is zero before it) nor lie more than 20 years back.
    """
    ids = tenant_ids(session, tenant_id)
    # Each tenant's "today" is on its own clock: a range ends there, not later.
    todays = {tid: data.today(session, tid) for tid in ids}
    ends = {tid: todays[tid] if end is None else end for tid in ids}
    first = data.first_finding_day(session, ids)
    for tid in ids:
        if ends[tid] > todays[tid]:
            raise ValidationError({"to": f"{ends[tid].isoformat()} is in the future"})
        if start > ends[tid]:
            raise ValidationError({"from": f"{start.isoformat()} is after {ends[tid].isoformat()}"})
        check_backfill_start(start, todays[tid], first)
    if not ids:
        check_backfill_start(start, data.today(session), first)
    written = 0
    for day_end in sorted(set(ends.values())):
        group = [tid for tid in ids if ends[tid] == day_end]
        written += data.backfill_range(session, group, start, day_end, overwrite=overwrite)
    last = end if end is not None else max(ends.values(), default=data.today(session))
    days = sum((ends[tid] - start).days + 1 for tid in ids)
    result = BackfillResult(start, last, tuple(ids), written, days - written)
    return Outcome(result, Changes.tables(Table.SNAPSHOT) if written else Changes())


def backfill_start_bound(session: Session, *, tenant_id: int | None = None) -> date | None:
    """The earliest day ``backfill`` accepts as its start for one or all tenants: the first
    finding, or 20 years back when that is later; None when there is no finding at all."""
    ids = tenant_ids(session, tenant_id)
    first = data.first_finding_day(session, ids)
    if first is None:
        return None
    latest_today = max((data.today(session, tid) for tid in ids), default=data.today(session))
    return max(first, earliest_backfill_day(latest_today))


def rebuild(
    session: Session, start: date, end: date, *, tenant_id: int | None = None
) -> list[DatedMetrics]:
    """What ``backfill`` would store, without storing it."""
    return data.compute_range(session, tenant_ids(session, tenant_id), start, end)


def capture_today_if_missing(
    session: Session, *, tenant_id: int | None = None
) -> Outcome[list[Snapshot]]:
    """For the app's daily automatic capture: capture today (on each tenant's clock) for
    each tenant (or the given one) that has no captured snapshot today yet; returns what
    was captured."""
    captured = []
    for tid in tenant_ids(session, tenant_id):
        current = data.today(session, tid)
        existing = data.get_snapshot(session, tid, current)
        if existing is None or existing.source is not SnapshotSource.CAPTURED:
            captured.append(data.capture_snapshot(session, tid, current))
    return Outcome(captured, _written(captured))


def _written(captured: list[Snapshot]) -> Changes:
    # A snapshot is named by its tenant and day, not by an id: the table changed.
    return Changes.tables(Table.SNAPSHOT) if captured else Changes()


# -- reads: the queries as they are, so that the UI and the CLI have one boundary ---------

today = data.today
metrics_of = data.metrics_of
get_snapshot = data.get_snapshot
bounds = data.snapshot_bounds
bucketed = data.bucketed_snapshots
trend = data.trend


def load_dashboard(
    session: Session,
    tenant_id: int,
    preset: str,
    granularity: str,
    custom: tuple[date, date] | None = None,
) -> DashboardData:
    """The snapshots of the chosen range and bucket size, the previous period's last
    snapshot for the tiles' changes and, on a new dashboard, where its history could
    start (read only); "today" is on the tenant's clock."""
    current = data.today(session, tenant_id)
    known = data.snapshot_bounds(session, tenant_id)  # first and last snapshot
    start, end = resolve_range(preset, current, known, custom)
    buckets: list[tuple[date, Snapshot]] = []
    previous = None
    if known is not None:
        buckets = data.bucketed_snapshots(session, tenant_id, start, end, granularity)
        if start > known[0]:
            before = data.bucketed_snapshots(
                session, tenant_id, max(known[0], start - timedelta(days=400)),
                start - timedelta(days=1), "month",
            )
            previous = before[-1][1] if before else None
    # A new dashboard (one day or none) is offered the past the audit trail can rebuild.
    history_from = None
    if known is None or known[0] == known[1]:
        history_from = backfill_start_bound(session, tenant_id=tenant_id)
    remediation = RemediationNow(
        remediation_reads.overdue_action_counts(session, tenant_id, current)[0],
        remediation_reads.count_expiring_acceptances(session, tenant_id, current, EXPIRY_WINDOW_DAYS),
    )
    return DashboardData(
        current, known, start, end, granularity, buckets, previous, history_from, remediation
    )
