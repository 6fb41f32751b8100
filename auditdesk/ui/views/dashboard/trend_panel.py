"""The dashboard's three trend charts with one date range and one hover read-out.

Open findings by severity on top, compliance rate and overdue / open repeats below
(``auditdesk.ui.charts``). Panning or zooming one chart moves the other two; hovering
any of them moves a crosshair on all three and writes the day's values above them.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from auditdesk.domain.dashboard import hover_text
from auditdesk.ui.charts import CHART_KINDS, TrendChart
from auditdesk.ui.trend_series import TrendSeries

HOVER_HINT = "Hover over a chart to read the values of a day."


class TrendPanel(QWidget):
    """The read-out line and the three linked charts."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.series = TrendSeries()
        self.hover_label = QLabel("", self)
        self.hover_label.setObjectName("hoverReadout")
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.charts: dict[str, TrendChart] = {kind: TrendChart(kind, self) for kind in CHART_KINDS}
        # One date range for the three charts. Not setXLink: pyqtgraph links views of
        # different widths by screen position, and the lower charts are half as wide.
        self._syncing_x = False
        for chart in self.charts.values():
            chart.getPlotItem().vb.sigXRangeChanged.connect(self._x_range_changed)
        self.crosshairs: dict[str, pg.InfiniteLine] = {}
        self._proxies: list[pg.SignalProxy] = []
        for kind, chart in self.charts.items():
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen("#7b8794", width=1, style=Qt.PenStyle.DashLine))
            line.hide()
            chart.addItem(line, ignoreBounds=True)
            self.crosshairs[kind] = line
            proxy = pg.SignalProxy(
                chart.scene().sigMouseMoved, rateLimit=60,
                slot=lambda event, c=chart: self.mouse_moved(c, event),
            )
            self._proxies.append(proxy)
        grid = QGridLayout()
        grid.setSpacing(10)
        grid.addWidget(self.charts["severity"], 0, 0, 1, 2)
        grid.addWidget(self.charts["compliance"], 1, 0)
        grid.addWidget(self.charts["overdue"], 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.hover_label)
        layout.addLayout(grid, 1)
        self.hover_label.setText(HOVER_HINT)

    def set_series(self, series: TrendSeries) -> None:
        """Draw ``series`` on the three charts; the crosshairs wait for the next hover."""
        self.series = series
        for chart in self.charts.values():
            chart.set_series(series)
        for line in self.crosshairs.values():
            line.hide()
        self.hover_label.setText(HOVER_HINT)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show the dates x0..x1 (epoch seconds) on the three charts."""
        if x1 - x0 < 2 * 86_400:
            x0, x1 = x0 - 86_400, x1 + 86_400
        self._syncing_x = True
        try:
            for chart in self.charts.values():
                chart.setXRange(x0, x1, padding=0.02)
        finally:
            self._syncing_x = False

    def _x_range_changed(self, box: Any, x_range: Any) -> None:
        if self._syncing_x:
            return
        self._syncing_x = True
        try:
            for chart in self.charts.values():
                if chart.getPlotItem().vb is not box:
                    chart.setXRange(float(x_range[0]), float(x_range[1]), padding=0)
        finally:
            self._syncing_x = False

    def mouse_moved(self, chart: TrendChart, event: tuple) -> None:
        """What the rate-limited scene signal delivers: ``(scene position,)``."""
        position = event[0]
        box = chart.getPlotItem().vb
        if not box.sceneBoundingRect().contains(position):
            return
        self.show_values_at(box.mapSceneToView(position).x())

    def show_values_at(self, x: float) -> str:
        """Move the crosshair to the snapshot nearest to ``x`` and show its values."""
        i = self.series.index_near(x)
        if i is None:
            return ""
        day = self.series.dates[i]
        values: dict[str, float] = {}
        for chart in self.charts.values():
            found = chart.values_at(x)
            if found is not None:
                values.update(found[1])
        for line in self.crosshairs.values():
            line.setPos(float(self.series.x[i]))
            line.show()
        text = hover_text(day, values)
        self.hover_label.setText(text)
        return text
