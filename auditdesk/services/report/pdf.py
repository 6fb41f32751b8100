"""The board report as PDF (reportlab platypus).

Text stays text (selectable, searchable: ``pdftotext`` reads it back); every page
carries "Page x of y" (a canvas that numbers the pages once it knows how many there
are); tables repeat their header row on each page they span (``repeatRows=1``);
A4 or US Letter, portrait. Long cells wrap inside their column rather than run into
the next one. A long list shows its first ``pdf_limit`` rows (``model.PDF_ROWS``) and
says how many there are in all and that the workbook lists every one; tables are cut
into blocks of rows, so that laying them out stays linear in the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    CondPageBreak,
    Image,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from auditdesk.services.report.model import (
    BoardReport,
    Column,
    ReportTable,
    headline_rows,
)

PAGE_SIZES = {"a4": A4, "letter": LETTER}
MARGIN = 16 * mm
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
BODY_SIZE = 7.4
PADDING = 3
FRAME_PADDING = 6  # platypus frames keep 6 pt inside the margins
BLOCK_ROWS = 400
"""Rows per table block: reportlab re-measures what remains of a table at every page
break, so one table of 50,000 rows would cost quadratic time."""

HEADER_BG = colors.HexColor("#1f3a5f")
STRIPE = colors.HexColor("#f1f4f8")
GRID = colors.HexColor("#c5ccd6")
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6775")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName=BOLD, fontSize=24, leading=29,
            textColor=INK, alignment=0, spaceAfter=6,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base["Normal"], fontName=FONT, fontSize=14, leading=18,
            textColor=INK, spaceAfter=14,
        ),
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontName=BOLD, fontSize=15, leading=19,
            textColor=INK, spaceBefore=12, spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontName=BOLD, fontSize=11.5, leading=15,
            textColor=INK, spaceBefore=10, spaceAfter=3,
        ),
        "body": ParagraphStyle(
            "body", parent=base["Normal"], fontName=FONT, fontSize=9, leading=12.5,
            textColor=INK, spaceAfter=4,
        ),
        "note": ParagraphStyle(
            "note", parent=base["Normal"], fontName=FONT, fontSize=8.2, leading=11,
            textColor=MUTED, spaceAfter=5,
        ),
        "empty": ParagraphStyle(
            "empty", parent=base["Normal"], fontName=BOLD, fontSize=9.5, leading=13,
            textColor=INK, spaceBefore=2, spaceAfter=6,
        ),
        "cell": ParagraphStyle(
            "cell", parent=base["Normal"], fontName=FONT, fontSize=BODY_SIZE,
            leading=BODY_SIZE + 1.6, textColor=INK,
        ),
        "head": ParagraphStyle(
            "head", parent=base["Normal"], fontName=BOLD, fontSize=BODY_SIZE,
            leading=BODY_SIZE + 1.6, textColor=colors.white,
        ),
        "head_right": ParagraphStyle(
            "head_right", parent=base["Normal"], fontName=BOLD, fontSize=BODY_SIZE,
            leading=BODY_SIZE + 1.6, textColor=colors.white, alignment=TA_RIGHT,
        ),
        "figure": ParagraphStyle(
            "figure", parent=base["Normal"], fontName=BOLD, fontSize=17, leading=20,
            textColor=INK,
        ),
        "figure_label": ParagraphStyle(
            "figure_label", parent=base["Normal"], fontName=FONT, fontSize=8, leading=10,
            textColor=MUTED,
        ),
    }


def _text(value: Any, kind: str) -> str:
    if value is None:
        return "–" if kind in ("int", "percent", "date") else ""
    if kind == "int":
        return f"{value:,}"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _numbered_canvas(footer: str) -> type[pdf_canvas.Canvas]:
    """A canvas class that writes "Page x of y" and the footer once the page count is known."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            self.setStrokeColor(GRID)
            self.setLineWidth(0.5)
            left, right = MARGIN + FRAME_PADDING, width - MARGIN - FRAME_PADDING
            self.line(left, MARGIN - 4 * mm, right, MARGIN - 4 * mm)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(left, MARGIN - 8 * mm, footer)
            self.drawRightString(right, MARGIN - 8 * mm, f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


class _Cells:
    """Turns values into table cells: plain strings when they fit, else wrapping paragraphs."""

    def __init__(self, styles: dict[str, ParagraphStyle]):
        self.cell = styles["cell"]

    def make(self, value: Any, column: Column, width: float) -> Any:
        text = _text(value, column.kind)
        if column.kind in ("int", "percent", "date"):
            return text
        if stringWidth(text, FONT, BODY_SIZE) <= width - 2 * PADDING:
            return text
        return Paragraph(escape(text), self.cell)


def _widths(table: ReportTable, rows, available: float) -> list[float]:
    """Short columns as wide as their longest value shown (or header word), so that refs,
    dates and numbers never wrap; long-text columns share what is left by weight."""
    natural: list[float] = []
    for index, column in enumerate(table.columns):
        words = column.title.split()
        width = max(stringWidth(w, BOLD, BODY_SIZE) for w in words)
        if column.kind != "wrap":
            width = max(
                width,
                max(
                    (stringWidth(_text(row[index], column.kind), FONT, BODY_SIZE) for row in rows),
                    default=0,
                ),
            )
        natural.append(width + 2 * PADDING + 1)
    wrap = [i for i, c in enumerate(table.columns) if c.kind == "wrap"]
    fixed = sum(w for i, w in enumerate(natural) if i not in wrap)
    if not wrap:
        scale = available / fixed if fixed else 1
        return [w * scale for w in natural]
    left = max(available - fixed, 50.0 * len(wrap))
    weights = sum(table.columns[i].weight for i in wrap)
    return [
        left * table.columns[i].weight / weights if i in wrap else natural[i]
        for i in range(len(table.columns))
    ]


def _table_style(columns: tuple[Column, ...]) -> TableStyle:
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, BODY_SIZE),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.35, GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for index, column in enumerate(columns):
        if column.kind in ("int", "percent"):
            commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    return TableStyle(commands)


def _shown(table: ReportTable) -> tuple[tuple[Any, ...], ...]:
    """The rows the PDF lists: the first ``pdf_limit`` of those collected."""
    return table.rows if table.pdf_limit is None else table.rows[: table.pdf_limit]


def _table_flowables(
    table: ReportTable,
    heading: str,
    available: float,
    styles: dict[str, ParagraphStyle],
    tick: Callable[[int], None],
) -> list:
    out: list = [CondPageBreak(60 * mm), Paragraph(escape(heading), styles["h2"])]
    if table.note:
        out.append(Paragraph(escape(table.note), styles["note"]))
    if not table.rows:
        out.append(Paragraph(escape(table.empty_text), styles["empty"]))
        return out
    rows = _shown(table)
    if len(rows) < table.count:
        out.append(
            Paragraph(
                escape(
                    f"Showing the first {len(rows):,} of {table.count:,} in this order. "
                    f"The complete list of all {table.count:,} is in the Excel workbook of "
                    f"this report (sheet “{table.sheet}”)."
                ),
                styles["body"],
            )
        )
    widths = _widths(table, rows, available)
    header = [
        Paragraph(escape(c.title), styles["head_right" if c.kind in ("int", "percent") else "head"])
        for c in table.columns
    ]
    cells = _Cells(styles)
    style = _table_style(table.columns)
    for first in range(0, len(rows), BLOCK_ROWS):
        block = rows[first : first + BLOCK_ROWS]
        data = [header]
        data += [
            [cells.make(v, c, w) for v, c, w in zip(row, table.columns, widths, strict=True)]
            for row in block
        ]
        out.append(LongTable(data, colWidths=widths, repeatRows=1, style=style, hAlign="LEFT"))
        tick(len(block))
    return out


def _headline(report: BoardReport, available: float, styles) -> LongTable:
    figures = []
    for label, value in headline_rows(report.headline):
        shown = _text(value, "percent" if label == "Compliance rate" else "int")
        if label == "Compliance rate" and value is None:
            shown = "n/a"
        figures.append(
            [Paragraph(shown, styles["figure"]), Paragraph(escape(label), styles["figure_label"])]
        )
    rows = [[f[0] for f in figures[i : i + 4]] for i in (0, 4)]
    labels = [[f[1] for f in figures[i : i + 4]] for i in (0, 4)]
    data = [rows[0], labels[0], rows[1], labels[1]]
    grid = LongTable(data, colWidths=[available / 4] * 4, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), STRIPE),
                ("LINEBELOW", (0, 1), (-1, 1), 6, colors.white),
                ("LINEAFTER", (0, 0), (-2, -1), 6, colors.white),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("TOPPADDING", (0, 2), (-1, 2), 8),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
                ("BOTTOMPADDING", (0, 3), (-1, 3), 8),
            ]
        )
    )
    return grid


def write_pdf(
    report: BoardReport,
    path: Path,
    *,
    page_size: str = "a4",
    progress: Callable[[int, str], None],
) -> None:
    """Write ``report`` to ``path`` as PDF."""
    pagesize = PAGE_SIZES[page_size]
    styles = _styles()
    doc = SimpleDocTemplate(
        str(path),
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{report.title} – {report.tenant.name}",
        author=report.generated_by,
        subject=report.period.describe(),
        creator="AuditDesk",
    )
    available = doc.width - 2 * FRAME_PADDING  # the frame keeps its padding inside the margins
    total_rows = max(1, sum(len(_shown(t)) for t in report.tables))
    done = 0

    def tick(rows: int) -> None:
        nonlocal done
        done += rows
        progress(35 + int(15 * done / total_rows), "Preparing tables")

    generated = report.generated_at.strftime("%d %b %Y %H:%M %Z").strip()
    story: list = [
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(report.tenant.name), styles["subtitle"]),
        Paragraph(f"<b>Period:</b> {escape(report.period_note)}", styles["body"]),
        Paragraph(
            f"<b>Generated:</b> {escape(generated)} by {escape(report.generated_by)}",
            styles["body"],
        ),
        Spacer(0, 8),
        Paragraph("1. Headline figures", styles["h1"]),
        _headline(report, available, styles),
        Spacer(0, 10),
        Paragraph("Contents", styles["h2"]),
    ]
    for number, section in enumerate(report.sections, start=2):
        story.append(Paragraph(f"{number}. {escape(section.title)}", styles["body"]))
    story.append(PageBreak())
    for number, section in enumerate(report.sections, start=2):
        if number > 2:
            story.append(CondPageBreak(90 * mm))
        story.append(Paragraph(f"{number}. {escape(section.title)}", styles["h1"]))
        if section.intro and not section.charts:
            story.append(Paragraph(escape(section.intro), styles["body"]))
        if section.charts:
            story += _charts(report, available, styles)
        for index, table in enumerate(section.tables, start=1):
            heading = f"{number}.{index} {table.title}"
            if table.rows and table.countable:
                heading += f" ({table.count:,})"
            story += _table_flowables(table, heading, available, styles, tick)
    progress(50, "Laying out pages")
    expected = [1]

    def layout(kind: str, value: int) -> None:
        if kind == "SIZE_EST":
            expected[0] = max(1, value)
        elif kind == "PROGRESS":
            progress(50 + int(47 * min(value, expected[0]) / expected[0]), "Laying out pages")

    doc.setProgressCallBack(layout)
    doc.build(story, canvasmaker=_numbered_canvas(f"{report.tenant.name} · {report.title} · {generated}"))
    progress(98, "PDF written")


def _charts(report: BoardReport, available: float, styles) -> list:
    out: list = [Paragraph(escape(report.chart_note), styles["body"])]
    for chart in report.charts:
        if chart.path is None:
            continue
        image = Image(str(chart.path))
        ratio = image.imageHeight / image.imageWidth
        image.drawWidth = available
        image.drawHeight = available * ratio
        image.hAlign = "LEFT"
        # The image carries the chart's own title and legend (the dashboard's chart code).
        out += [Spacer(0, 6), image]
    return out
