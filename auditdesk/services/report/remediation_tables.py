"""The board report's remediation section: findings whose actions are overdue, risk
acceptances that end within 30 days, and how many due dates were moved later (and by
how much). Laid out like the other sections (``tables.py``), for the PDF and the workbook.
"""

from __future__ import annotations

from auditdesk.domain.dashboard import EXPIRY_WINDOW_DAYS
from auditdesk.services.report.model import PDF_ROWS, BoardReport, Column, ReportTable, Section

NO_LATE_ACTIONS = "No action of an action plan is past its due date."
NO_EXPIRING = f"No risk acceptance ends in the next {EXPIRY_WINDOW_DAYS} days."


def extensions_sentence(r: BoardReport) -> str:
    e = r.extensions
    if not e.findings:
        return "No finding has had its due date moved later than first set."
    average = f"{e.average_days:.0f}" if e.average_days == int(e.average_days) else f"{e.average_days:.1f}"
    return (
        f"{e.findings:,} finding{'s' if e.findings != 1 else ''} had the due date moved later than "
        f"first set: by {average} days on average and {e.longest_days:,} days at the longest."
    )


def remediation_section(r: BoardReport) -> Section:
    late = ReportTable(
        key="late_actions",
        title="Findings with overdue actions",
        sheet="Overdue actions",
        columns=(
            Column("Ref", weight=1.15, chars=12),
            Column("Title", "wrap", 3.0, 48),
            Column("Severity", weight=0.9, chars=10),
            Column("Owner", "wrap", 1.6, 22),
            Column("Earliest due", "date", 1.1, 12),
            Column("Days late", "int", 0.9, 10),
            Column("Late actions", "int", 0.9, 12),
            Column("Done", weight=0.8, chars=10),
            Column("Engagement", weight=1.3, chars=14),
        ),
        rows=tuple(
            (f.ref, f.title, f.severity.label, f.owner_name or "(no owner)", f.earliest_due,
             f.days_late, f.late_actions, f"{f.actions_done} / {f.actions_total}",
             f.engagement_code or "")
            for f in r.late_actions
        ),
        note="Findings with an action still planned or in progress after its due date, longest late first.",
        empty_text=NO_LATE_ACTIONS,
        pdf_limit=PDF_ROWS,
        total=r.totals.get("late_actions"),
    )
    expiring = ReportTable(
        key="expiring",
        title=f"Risk acceptances expiring in {EXPIRY_WINDOW_DAYS} days",
        sheet="Expiring acceptances",
        columns=(
            Column("Ref", weight=1.15, chars=12),
            Column("Title", "wrap", 2.6, 44),
            Column("Severity", weight=0.9, chars=10),
            Column("Accepted until", "date", 1.15, 14),
            Column("Days left", "int", 0.8, 10),
            Column("Accepted by", "wrap", 1.4, 22),
            Column("Justification", "wrap", 2.6, 48),
        ),
        rows=tuple(
            (a.ref, a.title, a.severity.label, a.risk_accepted_until, a.days_left,
             a.accepted_by_name or "", a.reason)
            for a in r.expiring
        ),
        note="When an acceptance ends the finding returns to open (at the next daily capture).",
        empty_text=NO_EXPIRING,
        pdf_limit=PDF_ROWS,
    )
    return Section("Remediation", extensions_sentence(r), (late, expiring))
