"""Stored dashboard snapshots read back: one day, a list, the first and last day, and the
trends (the last snapshot of each day, week or month of a range, as the points of the
four charts). Functions take the caller's Session and never write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data.metrics import METRIC_COLUMNS, metrics_from_row
from auditdesk.domain.enums import SnapshotSource
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import Snapshot
from auditdesk.domain.trends import (
    CompliancePoint,
    Granularity,
    OverduePoint,
    RepeatPoint,
    SeverityPoint,
    TrendKind,
    TrendPoint,
)

SNAPSHOT_SELECT = (
    "tenant_id, snapshot_date, captured_at, source, metrics_version, "
    + ", ".join(METRIC_COLUMNS)
)


def snapshot_from_row(row) -> Snapshot:
    """A ``dashboard_snapshot`` row (selected as ``SNAPSHOT_SELECT``) as a record."""
    m = metrics_from_row(row)
    return Snapshot(
        tenant_id=row.tenant_id,
        snapshot_date=row.snapshot_date,
        captured_at=row.captured_at,
        source=SnapshotSource(row.source),
        metrics_version=row.metrics_version,
        **m.figures(),
    )



def check_range(start: date, end: date) -> None:
    """Refuse a range that ends before it starts."""
    if end < start:
        raise ValidationError({"to": f"{end.isoformat()} is before {start.isoformat()}"})



# --- stored snapshots ------------------------------------------------------------------

def get_snapshot(session: Session, tenant_id: int, day: date) -> Snapshot | None:
    row = session.execute(
        text(
            f"SELECT {SNAPSHOT_SELECT} FROM dashboard_snapshot "
            "WHERE tenant_id = :tenant_id AND snapshot_date = :day"
        ),
        {"tenant_id": tenant_id, "day": day},
    ).one_or_none()
    return None if row is None else snapshot_from_row(row)


def list_snapshots(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    *,
    source: SnapshotSource | None = None,
) -> list[Snapshot]:
    """Stored snapshots of a tenant, oldest first, optionally within ``start``..``end``."""
    rows = session.execute(
        text(
            f"SELECT {SNAPSHOT_SELECT} FROM dashboard_snapshot "
            "WHERE tenant_id = :tenant_id "
            "AND (CAST(:start AS date) IS NULL OR snapshot_date >= :start) "
            "AND (CAST(:end AS date) IS NULL OR snapshot_date <= :end) "
            "AND (CAST(:source AS text) IS NULL OR source = :source) "
            "ORDER BY snapshot_date"
        ),
        {
            "tenant_id": tenant_id,
            "start": start,
            "end": end,
            "source": None if source is None else SnapshotSource(source).value,
        },
    )
    return [snapshot_from_row(row) for row in rows]


def snapshot_bounds(session: Session, tenant_id: int) -> tuple[date, date] | None:
    """First and last snapshot dates of a tenant, or None when it has none."""
    row = session.execute(
        text(
            "SELECT min(snapshot_date) AS first, max(snapshot_date) AS last "
            "FROM dashboard_snapshot WHERE tenant_id = :tenant_id"
        ),
        {"tenant_id": tenant_id},
    ).one()
    return None if row.first is None else (row.first, row.last)


def first_finding_day(session: Session, tenant_ids: Sequence[int]) -> date | None:
    """The earliest ``identified_on`` among the tenants' findings, or None when they have none."""
    if not tenant_ids:
        return None
    # Per tenant, the first entry of its (tenant_id, identified_on, id) index: min() over
    # ``tenant_id = ANY(...)`` read every finding of the tenants instead.
    return session.execute(
        text(
            "SELECT min(first.identified_on) "
            "FROM unnest(CAST(:tenant_ids AS bigint[])) AS t(id) "
            "CROSS JOIN LATERAL (SELECT o.identified_on FROM observation o "
            "WHERE o.tenant_id = t.id ORDER BY o.identified_on LIMIT 1) AS first"
        ),
        {"tenant_ids": list(tenant_ids)},
    ).scalar_one()


# --- trends ----------------------------------------------------------------------------

def bucketed_snapshots(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[tuple[date, Snapshot]]:
    """(bucket start, last snapshot in that bucket) for each day, week or month, in order."""
    try:
        unit = Granularity(granularity)
    except ValueError:
        raise ValidationError(
            {"granularity": f"'{granularity}' is not one of day, week, month"}
        ) from None
    if start is not None and end is not None:
        check_range(start, end)
    rows = session.execute(
        text(
            f"""
            SELECT DISTINCT ON (bucket) bucket, {SNAPSHOT_SELECT}
              FROM (SELECT date_trunc(:unit, snapshot_date::timestamp)::date AS bucket, *
                      FROM dashboard_snapshot
                     WHERE tenant_id = :tenant_id
                       AND (CAST(:start AS date) IS NULL OR snapshot_date >= :start)
                       AND (CAST(:end AS date) IS NULL OR snapshot_date <= :end)) AS s
             ORDER BY bucket, snapshot_date DESC
            """
        ),
        {"tenant_id": tenant_id, "start": start, "end": end, "unit": unit.value},
    )
    return [(row.bucket, snapshot_from_row(row)) for row in rows]


def severity_trend(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[SeverityPoint]:
    """Open findings by severity per bucket."""
    return [
        SeverityPoint(
            s.snapshot_date, bucket, s.open_critical, s.open_high, s.open_medium, s.open_low,
            s.open_total,
        )
        for bucket, s in bucketed_snapshots(session, tenant_id, start, end, granularity)
    ]


def compliance_trend(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[CompliancePoint]:
    """Compliance rate (0..1) per bucket; None where nothing was due (a gap, not zero)."""
    return [
        CompliancePoint(s.snapshot_date, bucket, s.compliance_rate)
        for bucket, s in bucketed_snapshots(session, tenant_id, start, end, granularity)
    ]


def overdue_trend(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[OverduePoint]:
    """Overdue open findings per bucket (with the open total, for a rate)."""
    return [
        OverduePoint(s.snapshot_date, bucket, s.overdue, s.open_total)
        for bucket, s in bucketed_snapshots(session, tenant_id, start, end, granularity)
    ]


def repeat_trend(
    session: Session,
    tenant_id: int,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[RepeatPoint]:
    """Open repeat findings per bucket (with the open total, for a repeat rate)."""
    return [
        RepeatPoint(s.snapshot_date, bucket, s.repeat_open, s.open_total)
        for bucket, s in bucketed_snapshots(session, tenant_id, start, end, granularity)
    ]


_TRENDS: dict[TrendKind, Callable[..., Sequence[TrendPoint]]] = {
    TrendKind.SEVERITY: severity_trend,
    TrendKind.COMPLIANCE: compliance_trend,
    TrendKind.OVERDUE: overdue_trend,
    TrendKind.REPEATS: repeat_trend,
}


def trend(
    session: Session,
    tenant_id: int,
    kind: TrendKind | str,
    start: date | None = None,
    end: date | None = None,
    granularity: Granularity | str = Granularity.DAY,
) -> list[TrendPoint]:
    """One of the four trend series by name."""
    try:
        function = _TRENDS[TrendKind(kind)]
    except ValueError:
        raise ValidationError(
            {"trend": f"'{kind}' is not one of severity, compliance, overdue, repeats"}
        ) from None
    return list(function(session, tenant_id, start, end, granularity))
