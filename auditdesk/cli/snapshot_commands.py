"""``auditdesk snapshot capture|backfill`` and ``auditdesk trend severity|compliance|overdue|repeats``.

Capture and backfill act on every tenant unless ``--tenant`` names one (for a
scheduled job); trends read one tenant's stored snapshots.
"""

from __future__ import annotations

from auditdesk.cli.context import CliError, date_option
from auditdesk.domain.records import Snapshot, Tenant
from auditdesk.domain.trends import Granularity, TrendKind
from auditdesk.services import snapshots as snapshot_service
from auditdesk.services import tenants


def register(subparsers, add_globals) -> None:
    snapshot = subparsers.add_parser("snapshot", help="capture and backfill dashboard snapshots")
    actions = snapshot.add_subparsers(dest="snapshot_command", metavar="ACTION", required=True)
    capture = actions.add_parser(
        "capture", help="capture today's snapshot for every tenant (or --tenant SLUG)"
    )
    add_globals(capture)
    capture.set_defaults(handler=capture_command)
    backfill = actions.add_parser(
        "backfill",
        help="rebuild past days' snapshots from the audit trail (captured days are kept)",
    )
    backfill.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD (required)")
    backfill.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD (default today)")
    backfill.add_argument(
        "--overwrite", action="store_true", help="also rebuild days that were captured"
    )
    add_globals(backfill)
    backfill.set_defaults(handler=backfill_command)
    add_globals(snapshot)

    trend = subparsers.add_parser("trend", help="trend series from the stored snapshots")
    series = trend.add_subparsers(dest="trend_kind", metavar="SERIES", required=True)
    helps = {
        TrendKind.SEVERITY: "open findings by severity",
        TrendKind.COMPLIANCE: "share closed by their due date (null when nothing is due)",
        TrendKind.OVERDUE: "open findings past their due date",
        TrendKind.REPEATS: "open repeat findings",
    }
    for kind in TrendKind:
        parser = series.add_parser(kind.value, help=helps[kind])
        parser.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--granularity",
            default=Granularity.DAY.value,
            metavar="UNIT",
            help="day, week or month: the last snapshot of each (default day)",
        )
        add_globals(parser)
        parser.set_defaults(handler=trend_command, trend_kind=kind.value)
    add_globals(trend)


def _tenants(ctx, session) -> list[Tenant]:
    """The tenant named by --tenant, else every tenant."""
    if getattr(ctx.args, "tenant", None):
        return [tenants.get_tenant_by_slug(session, ctx.args.tenant)]
    known = sorted(tenants.list_tenants(session), key=lambda t: t.id)
    if not known:
        raise CliError("The database has no tenant yet; run `auditdesk demo` to load demo data.")
    return known


def _percent(rate: float | None) -> str:
    return "n/a (nothing due)" if rate is None else f"{rate * 100:.1f}%"


def _snapshot_json(snapshot: Snapshot, tenant: Tenant) -> dict:
    return {
        "tenant": tenant.slug,
        "date": snapshot.snapshot_date,
        "source": snapshot.source.value,
        **snapshot_service.metrics_of(snapshot).as_json(),
    }


def _snapshot_line(snapshot: Snapshot, tenant: Tenant) -> str:
    s = snapshot
    return (
        f"{tenant.slug} {s.snapshot_date.isoformat()}: {s.total} findings, open {s.open_total} "
        f"(critical {s.open_critical}, high {s.open_high}, medium {s.open_medium}, "
        f"low {s.open_low}), overdue {s.overdue}, closed {s.closed_total}, "
        f"open repeats {s.repeat_open}, compliance {_percent(s.compliance_rate)}"
    )


def capture_command(ctx) -> int:
    with ctx.transaction() as session:
        targets = _tenants(ctx, session)
        captured = []
        for tenant in targets:
            (snapshot,) = snapshot_service.capture(session, tenant_id=tenant.id).value
            captured.append((snapshot, tenant))
    ctx.emit(
        [_snapshot_json(s, t) for s, t in captured],
        "\n".join("captured " + _snapshot_line(s, t) for s, t in captured),
    )
    return 0


def backfill_command(ctx) -> int:
    start = date_option(ctx.args.start, "--from")
    if start is None:
        raise CliError("--from DATE is required (YYYY-MM-DD)")
    end = date_option(ctx.args.end, "--to")
    with ctx.transaction() as session:
        targets = _tenants(ctx, session)
        tenant_id = targets[0].id if getattr(ctx.args, "tenant", None) else None
        result = snapshot_service.backfill(
            session, start, end, tenant_id=tenant_id, overwrite=ctx.args.overwrite
        ).value
    payload = {**result.as_json(), "tenants": [t.slug for t in targets]}
    text = (
        f"backfilled {result.start.isoformat()} to {result.end.isoformat()} "
        f"({result.days} days, {len(targets)} tenant{'s' if len(targets) != 1 else ''}): "
        f"{result.written} rows written"
    )
    if result.kept_captured:
        text += f", {result.kept_captured} captured days kept (--overwrite rebuilds them)"
    ctx.emit(payload, text)
    return 0


def trend_command(ctx) -> int:
    start = date_option(ctx.args.start, "--from")
    end = date_option(ctx.args.end, "--to")
    if start is not None and end is not None and end < start:
        raise CliError(f"--to {end.isoformat()} is before --from {start.isoformat()}")
    try:
        granularity = Granularity(ctx.args.granularity)
    except ValueError:
        raise CliError(
            f"--granularity: '{ctx.args.granularity}' is not one of day, week, month"
        ) from None
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        points = snapshot_service.trend(
            session, tenant.id, ctx.args.trend_kind, start, end, granularity
        )
    rows = [point.as_json() for point in points]
    if not rows:
        text = (
            f"No snapshots for {tenant.slug} in that range; run `auditdesk snapshot capture` "
            "or `auditdesk snapshot backfill --from DATE`."
        )
    else:
        headers = list(rows[0])
        cells = [[_cell(row[h]) for h in headers] for row in rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        lines = [headers, *cells]
        text = "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
            for line in lines
        )
    ctx.emit(rows, text)
    return 0


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)
