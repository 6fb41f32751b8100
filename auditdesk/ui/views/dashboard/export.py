"""The dashboard's exported pictures: a chart without its hover line, or the tiles and
the charts cut out of the page and stacked, so that the buttons, the range controls,
the auto-capture box and the hover read-out around them stay out of the picture."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QWidget

from auditdesk.ui.charts import TrendChart, grab_chart

ROW_GAP = 10
BACKGROUND = QColor("#f4f6f8")


def _area(container: QWidget, widgets: Sequence[QWidget]) -> QRect:
    """The rectangle of ``container`` that holds ``widgets``."""
    area = QRect()
    for widget in widgets:
        top_left = widget.mapTo(container, QPoint(0, 0))
        area = area.united(QRect(top_left, widget.size()))
    return area


def stacked_grabs(container: QWidget, rows: Sequence[Sequence[QWidget]]) -> QPixmap:
    """One picture of each row of widgets as drawn in ``container``, top to bottom."""
    areas = [_area(container, row) for row in rows if row]
    width = max(area.width() for area in areas)
    height = sum(area.height() for area in areas) + ROW_GAP * (len(areas) + 1)
    ratio = container.devicePixelRatioF()
    picture = QPixmap(int((width + 2 * ROW_GAP) * ratio), int(height * ratio))
    picture.setDevicePixelRatio(ratio)
    picture.fill(BACKGROUND)
    painter = QPainter(picture)
    try:
        y = ROW_GAP
        for area in areas:
            painter.drawPixmap(ROW_GAP, y, container.grab(area))
            y += area.height() + ROW_GAP
    finally:
        painter.end()
    return picture


def figures_picture(
    page: QWidget,
    tiles: Sequence[QWidget],
    charts: Mapping[str, TrendChart],
    hover_lines: Iterable[QGraphicsItem],
    what: str,
) -> QPixmap:
    """One chart (a key of ``charts``), or "dashboard": the tiles above the charts. The
    hover lines are hidden while the picture is taken, and shown again after."""
    hidden = [line for line in hover_lines if line.isVisible()]
    for line in hidden:
        line.hide()
    try:
        if what != "dashboard":
            return grab_chart(charts[what])
        return stacked_grabs(page, [list(tiles), list(charts.values())])
    finally:
        for line in hidden:
            line.show()


def save_png(picture: QPixmap, path: str | Path) -> Path:
    """Write ``picture`` as a PNG (the suffix made ``.png``); the path written."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    if not picture.save(str(target), "PNG"):
        raise OSError(f"could not write {target}")
    return target
