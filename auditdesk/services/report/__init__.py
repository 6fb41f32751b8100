"""The board report use case: repeat findings, remediation status and trends, as PDF or Excel.

Three steps, so that each runs where it must:

1. ``collect(session, ...)`` (``collect.py``) runs the queries of ``auditdesk.data.report``
   in the caller's session and returns a :class:`BoardReport` (``model.py``: frozen, no
   ORM objects): cover, headline figures, the tables laid out by ``tables.py``, and the
   trend points of the charts. For a PDF it collects only the first ``PDF_ROWS`` rows of
   each long list and counts the rest (``rows=rows_for(path)``); for a workbook every row.
2. ``render_charts(report, renderer, folder)`` draws the compliance and severity trend
   charts with a renderer given by the caller — the GUI's own chart code,
   ``auditdesk.ui.charts.render_chart_png`` — since this layer may not import Qt.
   Without a renderer the report says the charts were not drawn.
3. ``write_report(report, path, page_size=...)`` (``write.py``) writes a PDF (``pdf.py``:
   reportlab platypus, selectable text, "Page x of y", table headers repeated on every
   page, A4 or Letter) or an ``.xlsx`` workbook (``xlsx.py``: openpyxl, the same tables as
   sheets, typed cells, frozen header rows), chosen by the file's extension.

``generate`` does all three for the CLI. Long steps report progress through a
``progress(percent, message)`` callback. The writers import only the model, so the
package has no import circle (see ``docs/architecture.md``).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.domain.records import Actor, Tenant
from auditdesk.domain.reports import ReportPeriod
from auditdesk.services.report.collect import (
    collect,
    generated_by,
    render_charts,
    rows_for,
    with_chart_note,
)
from auditdesk.services.report.model import (
    NO_ENGAGEMENTS,
    NO_OVERDUE,
    NO_RECURRED,
    NO_REPEATS,
    NO_SNAPSHOTS,
    PDF_ROWS,
    BoardReport,
    ChartImage,
    ChartRenderer,
    Column,
    Progress,
    ReportTable,
    Section,
    headline_rows,
    quiet,
)
from auditdesk.services.report.summary import summary_html
from auditdesk.services.report.write import (
    FORMATS,
    PAGE_SIZES,
    check_writable,
    output_format,
    parse_page_size,
    write_report,
)

__all__ = [
    "FORMATS",
    "NO_ENGAGEMENTS",
    "NO_OVERDUE",
    "NO_RECURRED",
    "NO_REPEATS",
    "NO_SNAPSHOTS",
    "PAGE_SIZES",
    "PDF_ROWS",
    "BoardReport",
    "ChartImage",
    "ChartRenderer",
    "Column",
    "Progress",
    "ReportTable",
    "Section",
    "check_writable",
    "collect",
    "generate",
    "generated_by",
    "headline_rows",
    "output_format",
    "parse_page_size",
    "render_charts",
    "rows_for",
    "summary_html",
    "with_chart_note",
    "write_report",
]


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
    built = collect(
        session, tenant, period, actor=actor, today=today, progress=progress, rows=rows_for(out)
    )
    with tempfile.TemporaryDirectory(prefix="auditdesk-charts-") as folder:
        if chart_renderer is not None and built.charts:
            (progress or quiet)(32, "Drawing charts")
        built = render_charts(built, chart_renderer, folder)
        write_report(built, out, page_size=page_size, progress=progress)
    return replace(built, charts=tuple(replace(c, path=None) for c in built.charts))
