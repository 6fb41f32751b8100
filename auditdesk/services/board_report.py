"""The board report: repeat findings, remediation status and trends, as PDF or Excel.

Three steps, so that each runs where it must:

1. ``collect(session, ...)`` runs the queries of ``auditdesk.data.report`` in the
   caller's session and returns a :class:`BoardReport` (frozen, no ORM objects):
   cover, headline figures, the tables, and the trend points of the charts.
2. ``render_charts(report, renderer, folder)`` draws the compliance and severity
   trend charts with a renderer given by the caller — the GUI's own chart code,
   ``auditdesk.ui.charts.render_chart_png`` — since this layer may not import Qt.
   Without a renderer the report says the charts were not drawn.
3. ``write_report(report, path, page_size=...)`` writes a PDF (reportlab platypus:
   selectable text, "Page x of y", table headers repeated on every page, A4 or
   Letter) or an ``.xlsx`` workbook (openpyxl: the same tables as sheets, typed
   cells, frozen header rows), chosen by the file's extension.

``generate`` does all three for the CLI. Long steps report progress through a
``progress(percent, message)`` callback.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from auditdesk.data import report as data
from auditdesk.data import snapshots as snapshot_data
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import Actor, EngagementProgress, Tenant
from auditdesk.domain.reports import (
    AgeBucketCount,
    AuditeeRepeatRate,
    ClosedThenRecurred,
    Headline,
    OverdueFinding,
    RepeatFinding,
    ReportPeriod,
    SeverityCount,
)
from auditdesk.domain.trends import Granularity

Progress = Callable[[int, str], None]
"""``progress(percent 0..100, message)``."""

ChartRenderer = Callable[[str, Sequence[Any], Path], Any]
"""``renderer(kind, trend points, png path)``: draws one chart ("compliance" or "severity")."""

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}
PAGE_SIZES = ("a4", "letter")

NO_REPEATS = "No repeat findings in this period."
# A board pack lists the longest-overdue findings, not tens of thousands of them.
OVERDUE_PDF_LIMIT = 250
NO_RECURRED = "No closed finding recurred in this period."
NO_OVERDUE = "No open finding is past its due date."
NO_ENGAGEMENTS = "No engagement is in progress or has open findings."
NO_SNAPSHOTS = (
    "No dashboard snapshots in this period: capture or backfill snapshots "
    "(auditdesk snapshot backfill --from DATE) to chart the trends."
)


def _quiet(_percent: int, _message: str) -> None:
    pass


# --------------------------------------------------------------------------------------
# The report model


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``kind`` is text, wrap (long text), int, date or percent;
    ``weight`` is its share of the PDF page width, ``chars`` its Excel width."""

    title: str
    kind: str = "text"
    weight: float = 1.0
    chars: int = 12


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report, the same in the PDF and as an Excel sheet."""

    key: str
    title: str
    sheet: str  # Excel sheet name (at most 31 characters)
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""  # what the table counts, printed above it
    empty_text: str = "Nothing to show."
    countable: bool = True  # a list of items (its row count is shown), not a summary
    # The PDF shows at most this many rows (the first ones, in the table's order) and
    # says where the rest are; the workbook always has every row.
    pdf_limit: int | None = None


@dataclass(frozen=True, slots=True)
class ChartImage:
    kind: str  # "compliance" or "severity"
    title: str
    points: tuple[Any, ...]  # trend points of domain.trends
    path: Path | None = None  # the PNG once drawn


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered part of the report: a title, an optional introduction, tables."""

    title: str
    intro: str
    tables: tuple[ReportTable, ...]
    charts: bool = False  # the trend charts go here


@dataclass(frozen=True)
class BoardReport:
    tenant: Tenant
    period: ReportPeriod
    as_of: date
    generated_at: datetime
    generated_by: str
    headline: Headline
    severity: tuple[SeverityCount, ...]
    ages: tuple[AgeBucketCount, ...]
    overdue: tuple[OverdueFinding, ...]
    repeats: tuple[RepeatFinding, ...]
    recurred: tuple[ClosedThenRecurred, ...]
    repeat_rates: tuple[AuditeeRepeatRate, ...]
    engagements: tuple[EngagementProgress, ...]
    charts: tuple[ChartImage, ...] = ()
    granularity: Granularity = Granularity.MONTH
    chart_note: str = ""
    sections: tuple[Section, ...] = field(default=())

    @property
    def title(self) -> str:
        return "Internal audit board report"

    @property
    def period_note(self) -> str:
        return (
            f"{self.period.describe()}. The period applies to the date a finding was "
            f"identified; statuses, ages and overdue days are as of {self.as_of:%d %b %Y}. "
            "Engagement progress covers every engagement in progress or with open findings."
        )

    def table(self, key: str) -> ReportTable:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    @property
    def tables(self) -> tuple[ReportTable, ...]:
        return tuple(t for s in self.sections for t in s.tables)


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def headline_rows(h: Headline) -> tuple[tuple[str, Any], ...]:
    """(label, value) pairs of the headline figures; the rate is a 0..1 float or None."""
    return (
        ("Findings (not drafts)", h.total),
        ("Open", h.open_total),
        ("Open critical", h.open_critical),
        ("Open high", h.open_high),
        ("Overdue", h.overdue),
        ("Closed", h.closed_total),
        ("Open repeat findings", h.repeat_open),
        ("Compliance rate", h.compliance_rate),
    )


def _sections(r: BoardReport) -> tuple[Section, ...]:
    repeats = ReportTable(
        key="repeats",
        title="Open repeat findings",
        sheet="Repeat findings",
        columns=(
            Column("Ref", weight=1.15, chars=12),
            Column("Title", "wrap", 3.0, 48),
            Column("Severity", weight=0.9, chars=10),
            Column("Status", weight=1.35, chars=18),
            Column("Original", weight=1.15, chars=12),
            Column("Recurrence", "int", 1.0, 11),
            Column("Chain first identified", "date", 1.25, 14),
            Column("Chain age (days)", "int", 0.95, 10),
            Column("Engagements", "wrap", 2.2, 40),
        ),
        rows=tuple(
            (
                f.ref,
                f.title,
                f.severity.label,
                f.status.label,
                f.original_ref,
                f.recurrence,
                f.chain_identified_on,
                f.chain_age_days,
                ", ".join(f.engagements),
            )
            for f in r.repeats
        ),
        note=(
            "Every open finding that repeats an earlier one, with the original finding "
            "(the root of its chain), how many times it has recurred, when the chain was "
            "first identified and the engagements it recurred in. Ordered by recurrence, "
            "then severity, then reference."
        ),
        empty_text=NO_REPEATS,
    )
    recurred = ReportTable(
        key="recurred",
        title="Closed findings that recurred",
        sheet="Closed then recurred",
        columns=(
            Column("Closed finding", weight=1.2, chars=14),
            Column("Title", "wrap", 3.0, 48),
            Column("Closed on", "date", 1.2, 12),
            Column("Recurred as", weight=1.2, chars=14),
            Column("Identified", "date", 1.2, 12),
            Column("Days after closure", "int", 1.1, 12),
            Column("Severity", weight=0.9, chars=10),
            Column("Status", weight=1.35, chars=18),
        ),
        rows=tuple(
            (
                c.closed_ref,
                c.closed_title,
                c.closed_on,
                c.repeat_ref,
                c.repeat_identified_on,
                c.days_after_closure,
                c.repeat_severity.label,
                c.repeat_status.label,
            )
            for c in r.recurred
        ),
        note=(
            "Findings that were closed and that a later finding repeats, identified after "
            "the closure (the repeat was identified in the period)."
        ),
        empty_text=NO_RECURRED,
    )
    rates = ReportTable(
        key="repeat_rates",
        title="Repeat rate by auditee",
        sheet="Repeat rate by auditee",
        columns=(
            Column("Auditee", "wrap", 3.0, 30),
            Column("Findings", "int", 1.0, 10),
            Column("Repeats", "int", 1.0, 10),
            Column("Repeat rate", "percent", 1.0, 12),
            Column("Open repeats", "int", 1.0, 12),
        ),
        rows=tuple(
            (a.auditee, a.findings, a.repeats, a.rate, a.open_repeats) for a in r.repeat_rates
        ),
        note="Share of the findings in each auditee's engagements that repeat an earlier finding.",
        empty_text="No findings in engagements in this period.",
    )
    severity = ReportTable(
        key="severity",
        title="Open findings by severity",
        sheet="Open by severity",
        columns=(
            Column("Severity", weight=1.5, chars=12),
            Column("Open", "int", 1.0, 10),
            Column("Overdue", "int", 1.0, 10),
            Column("Open repeats", "int", 1.0, 12),
        ),
        rows=tuple(
            (s.severity.label, s.open, s.overdue, s.repeat_open) for s in r.severity
        )
        + (
            (
                "Total",
                sum(s.open for s in r.severity),
                sum(s.overdue for s in r.severity),
                sum(s.repeat_open for s in r.severity),
            ),
        ),
        empty_text="No open findings.",
        countable=False,
    )
    ages = ReportTable(
        key="ages",
        title="Open findings by age",
        sheet="Open by age",
        columns=(
            Column("Days since identified", weight=1.6, chars=22),
            Column("Critical", "int", 1.0, 10),
            Column("High", "int", 1.0, 10),
            Column("Medium", "int", 1.0, 10),
            Column("Low", "int", 1.0, 10),
            Column("Total", "int", 1.0, 10),
        ),
        rows=tuple((a.label, a.critical, a.high, a.medium, a.low, a.total) for a in r.ages),
        empty_text="No open findings.",
        countable=False,
    )
    overdue = ReportTable(
        key="overdue",
        title="Overdue findings",
        sheet="Overdue findings",
        pdf_limit=OVERDUE_PDF_LIMIT,
        columns=(
            Column("Ref", weight=1.15, chars=12),
            Column("Title", "wrap", 3.2, 48),
            Column("Severity", weight=0.9, chars=10),
            Column("Status", weight=1.35, chars=18),
            Column("Owner", "wrap", 1.6, 22),
            Column("Due", "date", 1.1, 12),
            Column("Days overdue", "int", 0.95, 12),
            Column("Engagement", weight=1.3, chars=14),
        ),
        rows=tuple(
            (
                o.ref,
                o.title,
                o.severity.label,
                o.status.label,
                o.owner_name or "(no owner)",
                o.due_date,
                o.days_overdue,
                o.engagement_code or "",
            )
            for o in r.overdue
        ),
        note="Open findings past their due date, most overdue first.",
        empty_text=NO_OVERDUE,
    )
    engagements = ReportTable(
        key="engagements",
        title="Engagement progress",
        sheet="Engagement progress",
        columns=(
            Column("Code", weight=1.3, chars=14),
            Column("Title", "wrap", 3.0, 40),
            Column("Auditee", "wrap", 1.7, 24),
            Column("Status", weight=1.0, chars=12),
            Column("Planned end", "date", 1.1, 12),
            Column("Findings", "int", 0.85, 10),
            Column("Open", "int", 0.7, 8),
            Column("Closed", "int", 0.75, 8),
            Column("Overdue", "int", 0.8, 9),
        ),
        rows=tuple(
            (
                e.code,
                e.title,
                e.auditee,
                e.status.label,
                e.planned_end,
                e.total,
                e.open,
                e.closed,
                e.overdue,
            )
            for e in r.engagements
        ),
        note="Engagements in progress, and closed engagements that still have open findings.",
        empty_text=NO_ENGAGEMENTS,
    )
    return (
        Section(
            "Repeat findings",
            "Findings management reported as fixed that came back, and where they recur.",
            (repeats, recurred, rates),
        ),
        Section("Open findings", "", (severity, ages, overdue)),
        Section("Trends", r.chart_note, (), charts=True),
        Section("Engagement progress", "", (engagements,)),
    )


# --------------------------------------------------------------------------------------
# Collect


def parse_page_size(value: str) -> str:
    size = (value or "a4").strip().lower()
    if size not in PAGE_SIZES:
        raise ValidationError({"page_size": f"'{value}' is not one of a4, letter"})
    return size


def output_format(path: str | Path) -> str:
    """"pdf" or "xlsx" from the file's extension; a ValidationError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise ValidationError(
            {"out": f"{Path(path).name}: {shown} is not a report format (use .pdf or .xlsx)"}
        )
    return FORMATS[suffix]


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
) -> BoardReport:
    """Run every query of the report in the caller's session (read only, never commits)."""
    report = progress or _quiet
    if period.start and period.end and period.end < period.start:
        raise ValidationError(
            {"to": f"{period.end.isoformat()} is before {period.start.isoformat()}"}
        )
    day = today or snapshot_data.today(session)
    tid = tenant.id
    report(2, "Headline figures")
    headline = data.headline(session, tid, period, day)
    severity = data.open_by_severity(session, tid, period, day)
    ages = data.open_by_age(session, tid, period, day)
    report(8, "Repeat findings")
    repeats = data.repeat_findings(session, tid, period, day)
    report(16, "Closed findings that recurred")
    recurred = data.closed_then_recurred(session, tid, period, day)
    rates = data.repeat_rate_by_auditee(session, tid, period, day)
    report(22, "Overdue findings")
    overdue = data.overdue_findings(session, tid, period, day)
    report(26, "Engagement progress")
    engagements = data.engagement_progress(session, tid, day)
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
        generated_at=datetime.now(UTC).astimezone(),
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
    )
    report(30, "Data collected")
    return replace(built, sections=_sections(built))


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
    return replace(updated, sections=_sections(updated))


# --------------------------------------------------------------------------------------
# Write


def check_writable(path: str | Path) -> Path:
    """The output path, or a ValidationError saying in one line why it cannot be written."""
    target = Path(path).expanduser()
    output_format(target)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ValidationError({"out": f"{target} is a folder"})
    if not folder.is_dir():
        raise ValidationError({"out": f"folder {folder} does not exist"})
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValidationError({"out": f"{target} cannot be written (permission denied)"})
    return target


def write_report(
    report: BoardReport,
    path: str | Path,
    *,
    page_size: str = "a4",
    progress: Progress | None = None,
) -> Path:
    """Write the report as PDF or Excel, chosen by the extension of ``path``.

    The file is written next to its final place and moved there when complete, so a
    failed run never leaves half a report behind.
    """
    target = check_writable(path)
    kind = output_format(target)
    size = parse_page_size(page_size)
    handle, temporary = tempfile.mkstemp(
        prefix=".auditdesk-report-", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    try:
        if kind == "pdf":
            from auditdesk.services.report_pdf import write_pdf

            write_pdf(report, Path(temporary), page_size=size, progress=progress or _quiet)
        else:
            from auditdesk.services.report_xlsx import write_xlsx

            write_xlsx(report, Path(temporary), progress=progress or _quiet)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    (progress or _quiet)(100, f"Wrote {target.name}")
    return target


def generate(
    session: Session,
    tenant: Tenant,
    out: str | Path,
    period: ReportPeriod = ReportPeriod(),
    *,
    page_size: str = "a4",
    actor: Actor | None = None,
    chart_renderer: ChartRenderer | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> BoardReport:
    """Collect, draw the charts and write ``out`` (.pdf or .xlsx); returns the report."""
    check_writable(out)
    parse_page_size(page_size)
    built = collect(session, tenant, period, actor=actor, today=today, progress=progress)
    with tempfile.TemporaryDirectory(prefix="auditdesk-charts-") as folder:
        if chart_renderer is not None and built.charts:
            (progress or _quiet)(32, "Drawing charts")
        built = render_charts(built, chart_renderer, folder)
        write_report(built, out, page_size=page_size, progress=progress)
    return replace(built, charts=tuple(replace(c, path=None) for c in built.charts))


def summary_html(report: BoardReport) -> str:
    """The report's sections as a short HTML summary (the dialog's preview)."""
    h = report.headline
    parts = [
        f"<h2>{escape(report.title)}</h2>",
        f"<p><b>{escape(report.tenant.name)}</b><br>{escape(report.period_note)}</p>",
        "<h3>Headline</h3><table cellspacing='0' cellpadding='3' border='1'>",
    ]
    for label, value in headline_rows(h):
        shown = _percent(value) if label == "Compliance rate" else f"{value:,}"
        parts.append(f"<tr><td>{escape(label)}</td><td align='right'>{shown}</td></tr>")
    parts.append("</table>")
    for number, section in enumerate(report.sections, start=2):
        parts.append(f"<h3>{number}. {escape(section.title)}</h3>")
        if section.charts:
            parts.append(f"<p>{escape(section.intro)}</p>")
            continue
        parts.append("<ul>")
        for table in section.tables:
            count = len(table.rows)
            text = table.empty_text if count == 0 else f"{count:,} rows"
            parts.append(f"<li>{escape(table.title)}: {escape(text)}</li>")
        parts.append("</ul>")
    return "".join(parts)
