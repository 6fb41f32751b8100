"""The board report's layout: which sections and tables it has, their columns, and the
sentences that explain them. One layout serves both the PDF and the workbook.
"""

from __future__ import annotations

from auditdesk.services.report.model import (
    NO_ENGAGEMENTS,
    NO_OVERDUE,
    NO_RECURRED,
    NO_REPEATS,
    PDF_ROWS,
    BoardReport,
    Column,
    ReportTable,
    Section,
)
from auditdesk.services.report.remediation_tables import remediation_section


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n:,} times")


def depths_sentence(r: BoardReport) -> str:
    """How many open repeat findings recurred once, twice, ... (all of them)."""
    if not r.repeat_depths:
        return ""
    parts = [f"{d.findings:,} recurred {_times(d.recurrence)}" for d in r.repeat_depths]
    total = sum(d.findings for d in r.repeat_depths)
    return f"By recurrence, of the {total:,}: " + ", ".join(parts) + "."


def build_sections(r: BoardReport) -> tuple[Section, ...]:
    """The report's numbered sections and their tables, from its collected records."""
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
            "first identified and the engagements it recurred in. Ordered by recurrence "
            "(the deepest chains first), then severity, then reference. "
            + depths_sentence(r)
        ).strip(),
        empty_text=NO_REPEATS,
        pdf_limit=PDF_ROWS,
        total=r.totals.get("repeats"),
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
            "the closure (the repeat was identified in the period), the most recent "
            "recurrence first."
        ),
        empty_text=NO_RECURRED,
        pdf_limit=PDF_ROWS,
        total=r.totals.get("recurred"),
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
        pdf_limit=PDF_ROWS,
        total=r.totals.get("overdue"),
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
            Column("Overdue actions", "int", 0.9, 10),
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
                e.overdue_actions,
            )
            for e in r.engagements
        ),
        note="Engagements in progress, and closed engagements that still have open findings.",
        empty_text=NO_ENGAGEMENTS,
        pdf_limit=PDF_ROWS,
    )
    return (
        Section(
            "Repeat findings",
            "Findings management reported as fixed that came back, and where they recur.",
            (repeats, recurred, rates),
        ),
        Section("Open findings", "", (severity, ages, overdue)),
        remediation_section(r),
        Section("Trends", r.chart_note, (), charts=True),
        Section("Engagement progress", "", (engagements,)),
    )
