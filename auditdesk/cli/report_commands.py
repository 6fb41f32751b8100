"""``auditdesk report board``: the board report as PDF or Excel.

The format follows the extension of ``--out`` (.pdf or .xlsx). The trend charts are
drawn by the desktop client's chart code (``auditdesk.ui.charts``), imported only
when the command runs, offscreen.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditdesk.cli.context import CliError, date_option
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.reports import ReportPeriod


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("report", help="reports for the audit committee")
    kinds = group.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    board = kinds.add_parser(
        "board",
        help="board report: repeat findings, remediation status and trends (PDF or Excel)",
        description="The board report of one tenant. --from/--to select findings by the "
        "date they were identified; statuses are as of today.",
    )
    board.add_argument("--from", dest="start", metavar="DATE", help="first identification day, YYYY-MM-DD")
    board.add_argument("--to", dest="end", metavar="DATE", help="last identification day, YYYY-MM-DD")
    board.add_argument(
        "--page-size", default="a4", metavar="SIZE", help="a4 or letter (PDF only, default a4)"
    )
    board.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.pdf or FILE.xlsx (format from the extension)"
    )
    board.add_argument(
        "--no-charts", action="store_true", help="leave the trend charts out (no Qt needed)"
    )
    add_globals(board)
    board.set_defaults(handler=board_command)
    add_globals(group)


def _one_line(error: ValidationError) -> str:
    return "; ".join(f"--{k.replace('_', '-')}: {v}" if k != "out" else v for k, v in error.problems.items())


def _renderer():
    """The GUI's chart code, offscreen; None when Qt cannot be loaded here."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from auditdesk.ui.charts import render_chart_png
    except ImportError:
        return None
    return render_chart_png


def board_command(ctx) -> int:
    from auditdesk.services import report as board_report

    start = date_option(ctx.args.start, "--from")
    end = date_option(ctx.args.end, "--to")
    if start is not None and end is not None and end < start:
        raise CliError(f"--to {end.isoformat()} is before --from {start.isoformat()}")
    out = Path(ctx.args.out)
    try:
        kind = board_report.output_format(out)
        page_size = board_report.parse_page_size(ctx.args.page_size)
        board_report.check_writable(out)
    except ValidationError as error:
        raise CliError(_one_line(error)) from None
    renderer = None if ctx.args.no_charts else _renderer()
    last = [-1]

    def progress(percent: int, message: str) -> None:
        if not ctx.json and percent // 10 != last[0]:
            last[0] = percent // 10
            ctx.note(f"[{percent:3d}%] {message}")

    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        report = board_report.generate(
            session,
            tenant,
            out,
            ReportPeriod(start, end),
            page_size=page_size,
            actor=actor,
            chart_renderer=renderer,
            progress=progress,
        )
    payload = {
        "tenant": tenant.slug,
        "out": str(out),
        "format": kind,
        "page_size": page_size if kind == "pdf" else None,
        "from": start,
        "to": end,
        "repeat_findings": report.total("repeats", report.repeats),
        "closed_then_recurred": report.total("recurred", report.recurred),
        "overdue": report.total("overdue", report.overdue),
        "charts": sum(1 for c in report.charts) if renderer else 0,
    }
    ctx.emit(
        payload,
        f"wrote {out} ({kind}{', ' + page_size.upper() if kind == 'pdf' else ''}) for "
        f"{tenant.slug}: {payload['repeat_findings']:,} open repeat findings, "
        f"{payload['closed_then_recurred']:,} closed then recurred, {payload['overdue']:,} overdue",
    )
    return 0
