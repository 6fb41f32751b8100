"""Trend charts of the dashboard snapshots, shared by the Dashboard view and the board report.

Three chart kinds, all on a date axis (UTC days):

* ``"severity"``: open findings by severity, one line per severity in the colours of
  ``theme.SEVERITY_COLORS`` (the same as the tables);
* ``"compliance"``: compliance rate 0–100 %; a day without a rate (nothing due yet)
  is NaN and drawn as a gap (``connect="finite"``), never as zero;
* ``"overdue"``: overdue findings and open repeat findings.

Data enters as a :class:`TrendSeries` (numpy arrays, one per figure, in
``auditdesk.ui.trend_series``) built with :func:`to_series` from stored ``Snapshot``
records, ``(bucket, Snapshot)`` pairs of ``data.snapshots.bucketed_snapshots`` or the
trend points of ``domain.trends``.
A chart creates its curves once; :meth:`TrendChart.set_series` updates them with
``setData`` (clip to view and peak downsampling keep ten years of days smooth).

For a report, :func:`render_chart_png` draws a chart offscreen (no window is shown;
a ``QApplication`` is created when there is none) and writes a PNG::

    from auditdesk.ui.charts import render_chart_png
    render_chart_png("severity", snapshots, "severity.png", size=(1000, 400))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from auditdesk.domain import clock
from auditdesk.ui import theme
from auditdesk.ui.trend_series import DAY_SECONDS, TrendSeries, day_to_x, to_series

ChartKind = Literal["severity", "compliance", "overdue"]
CHART_KINDS: tuple[str, ...] = ("severity", "compliance", "overdue")

#: Chart titles, also used by the report.
CHART_TITLES: dict[str, str] = {
    "severity": "Open findings by severity",
    "compliance": "Compliance rate (closed by the due date)",
    "overdue": "Overdue and open repeat findings",
}

REPEAT_COLOR = "#6a1b9a"
COMPLIANCE_COLOR = theme.ACCENT
AXIS_TEXT = "#3a4756"
AXIS_LINE = "#9aa4b0"
GRID_ALPHA = 0.18

#: (field of TrendSeries, legend label, colour) per chart kind, in drawing order.
CURVES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "severity": tuple(
        (name, name.capitalize(), theme.SEVERITY_COLORS[name])
        for name in ("critical", "high", "medium", "low")
    ),
    "compliance": (("compliance", "Compliance %", COMPLIANCE_COLOR),),
    "overdue": (
        ("overdue", "Overdue", theme.OVERDUE),
        ("repeat_open", "Open repeats", REPEAT_COLOR),
    ),
}

def title_html(kind: str, *, title: bool = True, legend: bool = True) -> str:
    """The chart's title line: its name and a legend of coloured keys (rich text)."""
    parts = []
    if title:
        parts.append(f'<span style="color:{AXIS_TEXT}; font-weight:600">{CHART_TITLES[kind]}</span>')
    if legend:
        keys = "&nbsp;&nbsp;&nbsp;".join(
            f'<span style="color:{colour}; font-weight:700">&#9632;</span>'
            f'<span style="color:{AXIS_TEXT}">&nbsp;{label}</span>'
            for _name, label, colour in CURVES[kind]
        )
        parts.append(keys)
    return "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;".join(parts)


def _percent_ticks(values: Sequence[float], scale: float, spacing: float) -> list[str]:
    return [f"{v:.0f} %" for v in values]


class DayAxis(pg.DateAxisItem):
    """A UTC date axis whose labels always say which day, month or year they mean."""

    def __init__(self, orientation: str = "bottom", **kwargs: Any):
        super().__init__(orientation=orientation, utcOffset=0, **kwargs)
        self._years_labelled = False  # set by each tickValues, read by its tickStrings

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        """Ticks on whole days only: a snapshot is a day, so a few days' range (one
        snapshot) gets a label per day, never hours that repeat the day's name."""
        levels = [
            (spacing, values) for spacing, values in super().tickValues(minVal, maxVal, size)
            if spacing >= DAY_SECONDS
        ]
        if not any(values for _spacing, values in levels):
            first = math.ceil(minVal / DAY_SECONDS) * DAY_SECONDS
            levels = [(DAY_SECONDS, [float(x) for x in np.arange(first, maxVal + 1, DAY_SECONDS)])]
        # Year labels name the year already: the months beside them need not repeat it.
        self._years_labelled = any(
            values for spacing, values in levels if spacing >= 300 * DAY_SECONDS
        )
        return levels

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        labels = []
        for index, value in enumerate(values):
            try:
                moment = datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                labels.append("")
                continue
            if spacing >= 300 * DAY_SECONDS:
                pattern = "%Y"
            elif spacing >= 27 * DAY_SECONDS:
                # short month names; the year on January and on the first label, unless
                # year labels are drawn too (a "Feb 2025" beside "2025" runs into it)
                first = index == 0 and not self._years_labelled
                pattern = "%b %Y" if first or moment.month == 1 else "%b"
            else:
                pattern = "%d %b"
            labels.append(moment.strftime(pattern))
        return labels


class TrendChart(pg.PlotWidget):
    """One chart of a kind; curves are created once and updated with ``setData``."""

    def __init__(self, kind: ChartKind | str, parent: QWidget | None = None, *,
                 title: bool = True, legend: bool = True):
        if kind not in CURVES:
            raise ValueError(f"unknown chart kind {kind!r}; one of {', '.join(CHART_KINDS)}")
        axis = DayAxis()
        super().__init__(parent, background="w", axisItems={"bottom": axis})
        self.kind = str(kind)
        self.series = TrendSeries()
        self.setObjectName(f"chart_{kind}")
        self.setMinimumHeight(160)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.layout.setContentsMargins(2, 2, 16, 2)
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.setMouseEnabled(x=True, y=False)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        font = QFont()
        font.setPointSizeF(8.5)
        for name in ("bottom", "left"):
            ax = item.getAxis(name)
            ax.setPen(pg.mkPen(AXIS_LINE))
            ax.setTextPen(pg.mkPen(AXIS_TEXT))
            ax.setStyle(tickFont=font, tickTextOffset=4)
        left = item.getAxis("left")
        left.setWidth(46)
        if self.kind == "compliance":
            left.tickStrings = _percent_ticks  # type: ignore[method-assign]
        self.show_title = title
        self.show_legend = legend
        # The legend is part of the title line so that it never covers a curve.
        if title or legend:
            item.setTitle(title_html(self.kind, title=title, legend=legend), size="10pt")
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name, label, colour in CURVES[self.kind]:
            curve = item.plot(
                [], [], name=label, pen=pg.mkPen(QColor(colour), width=2),
                connect="finite" if self.kind == "compliance" else "all",
                skipFiniteCheck=self.kind != "compliance",
            )
            self.curves[name] = curve
        self._apply_ranges()

    # -- data --------------------------------------------------------------------------------
    def set_series(self, points: TrendSeries | Iterable[Any]) -> None:
        """Show these points (replaces what was shown)."""
        series = to_series(points)
        self.series = series
        few = len(series) <= 45
        for name, curve in self.curves.items():
            values = series.values(name)
            colour = curve.opts["pen"].color()
            if few:
                curve.setSymbol("o")
                curve.setSymbolSize(4 if len(series) > 31 else 6)
                curve.setSymbolBrush(colour)
                curve.setSymbolPen(colour)
            else:
                curve.setSymbol(None)
            curve.setData(series.x, values, connect="finite" if self.kind == "compliance" else "all")
        self._apply_ranges()

    def point_count(self, name: str | None = None) -> int:
        """Points given to a curve (the first curve by default), NaN gaps included."""
        curve = self.curves[name or next(iter(self.curves))]
        x, _y = curve.getOriginalDataset()
        return 0 if x is None else len(x)

    def finite_count(self, name: str | None = None) -> int:
        """Points of a curve that have a value (NaN gaps excluded)."""
        curve = self.curves[name or next(iter(self.curves))]
        _x, y = curve.getOriginalDataset()
        return 0 if y is None else int(np.isfinite(y).sum())

    def values_at(self, x: float) -> tuple[date, dict[str, float]] | None:
        """The date nearest to ``x`` and each curve's value there (legend label -> value)."""
        i = self.series.index_near(x)
        if i is None:
            return None
        labels = {name: label for name, label, _ in CURVES[self.kind]}
        return self.series.dates[i], {
            labels[name]: float(self.series.values(name)[i]) for name in self.curves
        }

    def _apply_ranges(self) -> None:
        item = self.getPlotItem()
        series = self.series
        if len(series):
            x0, x1 = float(series.x[0]), float(series.x[-1])
        else:
            # An empty chart spans the last 30 days; a day's offset from the tenant's
            # clock is not visible on it.
            today = clock.utc_now().date()
            x0, x1 = day_to_x(today - timedelta(days=30)), day_to_x(today)
        if x1 - x0 < DAY_SECONDS:
            x0, x1 = x0 - DAY_SECONDS, x1 + DAY_SECONDS
        item.setLimits(minXRange=3 * DAY_SECONDS)
        item.setXRange(x0, x1, padding=0.02)
        if self.kind == "compliance":
            item.setYRange(-5, 105, padding=0)
            item.setLimits(yMin=-8, yMax=110)
            return
        top = 0.0
        for name in self.curves:
            values = series.values(name)
            if len(values) and np.isfinite(values).any():
                top = max(top, float(np.nanmax(values)))
        top = max(top * 1.08, 4.0)
        step = _count_step(top)
        item.getAxis("left").setTickSpacing(levels=[(step, 0)])
        item.setYRange(-top * 0.03, top, padding=0)


def _count_step(top: float) -> float:
    """A whole tick step giving about six labels up to ``top``."""
    raw = max(top / 6.0, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def make_chart(kind: ChartKind | str, parent: QWidget | None = None, **options: Any) -> TrendChart:
    """A chart of ``kind`` ("severity", "compliance" or "overdue")."""
    return TrendChart(kind, parent, **options)


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    return app  # type: ignore[return-value]


def grab_chart(chart: TrendChart) -> QPixmap:
    """A painted image of a chart as it is on screen (or would be, when hidden)."""
    if not chart.isVisible():
        chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        chart.show()
    # Lay the chart out before painting it; only layout requests are delivered, never
    # queued answers, so no other code runs here (docs/architecture.md, "Threading rule").
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return chart.grab()


def render_chart_png(
    kind: ChartKind | str,
    points: TrendSeries | Iterable[Any],
    path: str | Path,
    size: tuple[int, int] = (1000, 400),
    *,
    title: bool = True,
) -> Path:
    """Draw a chart of ``points`` offscreen and save it as a PNG at ``path``.

    Works without a window (a QApplication is created when there is none; run with
    ``QT_QPA_PLATFORM=offscreen`` on a server). Returns the path written.
    """
    _application()
    chart = TrendChart(kind, title=title)
    try:
        chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        chart.resize(*size)
        chart.set_series(points)
        pixmap = grab_chart(chart)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not pixmap.save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        return target
    finally:
        chart.close()
        chart.deleteLater()
