"""Collect the board report: run its queries in the caller's session and fill the model.

``collect`` reads only (it never commits) and returns a :class:`BoardReport` with its
sections laid out; ``render_charts`` then adds the chart images drawn by a renderer the
caller gives (the GUI's chart code, since this layer may not import Qt).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.data import remediation_figures
from auditdesk.data import report as data
from auditdesk.data import snapshots as snapshot_data
from auditdesk.domain import clock
from auditdesk.domain.dashboard import EXPIRY_WINDOW_DAYS
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import Actor, Tenant
from auditdesk.domain.reports import ReportPeriod
from auditdesk.domain.trends import Granularity
from auditdesk.services.remediation import reads as remediation_reads
from auditdesk.services.report.model import (
    NO_SNAPSHOTS,
    PDF_ROWS,
    BoardReport,
    ChartImage,
    ChartRenderer,
    Progress,
    quiet,
)
from auditdesk.services.report.tables import build_sections
from auditdesk.services.report.write import output_format


def _granularity(start: date | None, end: date) -> Granularity:
    if start is None or (end - start).days > 730:
        return Granularity.MONTH
    if (end - start).days > 120:
        return Granularity.WEEK
    return Granularity.DAY


def generated_by(session: Session, actor: Actor | None) -> str:
    """The application user's name, else the database login that generated the report."""
    if actor is not None and actor.user_id is not None:
        return actor.display_name
    return data.generated_by(session)


def collect(
    session: Session,
    tenant: Tenant,
    period: ReportPeriod = ReportPeriod(),
    *,
    actor: Actor | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    rows: int | None = None,
) -> BoardReport:
    """Run every query of the report in the caller's session (read only, never commits).

    ``rows``: collect only the first this many rows of each long list, and count them
    all (``PDF_ROWS`` for a PDF: ``rows_for(path)``); None collects every row (for the
    workbook). The PDF of a report collected with every row shows the same."""
    report = progress or quiet
    if period.start and period.end and period.end < period.start:
        raise ValidationError(
            {"to": f"{period.end.isoformat()} is before {period.start.isoformat()}"}
        )
    day = today or snapshot_data.today(session, tenant.id)
    tid = tenant.id
    report(2, "Headline figures")
    headline = data.headline(session, tid, period, day)
    severity = data.open_by_severity(session, tid, period, day)
    ages = data.open_by_age(session, tid, period, day)
    report(8, "Repeat findings")
    depths = data.repeat_counts(session, tid, period, day)
    repeats = data.repeat_findings(session, tid, period, day, limit=rows)
    report(16, "Closed findings that recurred")
    recurred = data.closed_then_recurred(session, tid, period, day, limit=rows)
    rates = data.repeat_rate_by_auditee(session, tid, period, day)
    report(22, "Overdue findings")
    overdue = data.overdue_findings(session, tid, period, day, limit=rows)
    report(26, "Engagement progress")
    engagements = data.engagement_progress(session, tid, day)
    report(27, "Remediation")
    late_actions = remediation_figures.findings_with_overdue_actions(session, tid, day, limit=rows)
    totals: dict[str, int] = {}
    if rows is not None:
        # A list cut at ``rows`` is counted in full (the depths count the repeats).
        totals["repeats"] = sum(d.findings for d in depths)
        if len(recurred) >= rows:
            totals["recurred"] = data.recurred_count(session, tid, period, day)
        if len(overdue) >= rows:
            totals["overdue"] = data.overdue_count(session, tid, period, day)
        if len(late_actions) >= rows:
            totals["late_actions"] = remediation_figures.findings_with_overdue_actions_count(
                session, tid, day
            )
    expiring = remediation_reads.expiring_acceptances(session, tid, day, EXPIRY_WINDOW_DAYS)
    extensions = remediation_reads.due_date_extensions(session, tid)
    report(28, "Trends")
    end = period.end or day
    unit = _granularity(period.start, end)
    compliance = snapshot_data.compliance_trend(session, tid, period.start, period.end, unit)
    by_severity = snapshot_data.severity_trend(session, tid, period.start, period.end, unit)
    charts: tuple[ChartImage, ...] = ()
    chart_note = NO_SNAPSHOTS
    if compliance:
        charts = (
            ChartImage("compliance", "Compliance rate (closed by the due date)", tuple(compliance)),
            ChartImage("severity", "Open findings by severity", tuple(by_severity)),
        )
        chart_note = (
            f"From the dashboard snapshots, the last one of each {unit.value} "
            f"({compliance[0].date:%d %b %Y} to {compliance[-1].date:%d %b %Y}); all findings "
            "of the tenant as of each snapshot."
        )
    built = BoardReport(
        tenant=tenant,
        period=period,
        as_of=day,
        generated_at=clock.utc_now().astimezone(clock.zone_info(tenant.time_zone)),
        generated_by=generated_by(session, actor),
        headline=headline,
        severity=tuple(severity),
        ages=tuple(ages),
        overdue=tuple(overdue),
        repeats=tuple(repeats),
        recurred=tuple(recurred),
        repeat_rates=tuple(rates),
        engagements=tuple(engagements),
        charts=charts,
        granularity=unit,
        chart_note=chart_note,
        late_actions=tuple(late_actions),
        expiring=tuple(expiring),
        extensions=extensions,
        repeat_depths=tuple(depths),
        totals=totals,
        rows_limit=rows,
    )
    report(30, "Data collected")
    return replace(built, sections=build_sections(built))


def rows_for(path: str | Path) -> int | None:
    """The ``rows`` to collect for a report written to ``path``: ``PDF_ROWS`` for a PDF
    (it lists no more), None (every row) for a workbook."""
    return PDF_ROWS if output_format(path) == "pdf" else None


def render_charts(
    report: BoardReport, renderer: ChartRenderer | None, folder: str | Path
) -> BoardReport:
    """The report with its chart PNGs drawn into ``folder`` by ``renderer`` (the GUI's
    chart code); unchanged when there is no renderer or no snapshot to chart."""
    if renderer is None or not report.charts:
        if renderer is None and report.charts:
            return with_chart_note(report, report.chart_note + " Charts were not drawn in this run.")
        return report
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    for chart in report.charts:
        path = folder / f"{chart.kind}.png"
        renderer(chart.kind, chart.points, path)
        drawn.append(replace(chart, path=path if path.exists() else None))
    return replace(report, charts=tuple(drawn))


def with_chart_note(report: BoardReport, note: str) -> BoardReport:
    """The report with another text under the Trends heading."""
    updated = replace(report, chart_note=note)
    return replace(updated, sections=build_sections(updated))
