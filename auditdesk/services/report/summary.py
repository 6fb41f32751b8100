"""The board report as a short HTML summary: the dialog's preview of what was written."""

from __future__ import annotations

from xml.sax.saxutils import escape

from auditdesk.services.report.model import BoardReport, headline_rows


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


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
            count = table.count
            text = table.empty_text if count == 0 else f"{count:,} rows"
            parts.append(f"<li>{escape(table.title)}: {escape(text)}</li>")
        parts.append("</ul>")
    return "".join(parts)
