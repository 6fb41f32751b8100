"""The lineage map: one repeat tree drawn as cards along time (docs/architecture.md).

One card per finding (ref, status, short title, identified date, engagement, a stripe in
its severity colour), an arrow from each finding to its repeat. Time runs left to right:
a finding's column is one right of the finding it repeats (repeats are never identified
before it), so every branch reads in order of identification, and branches are stacked
in lanes — a finding's first repeat (the earliest) continues its lane, later ones open
lanes below. (Columns by calendar date would give a 200-finding tree 200 columns.) A tree that is
one long chain wraps onto rows of ``CHAIN_COLUMNS`` cards, read like text, so that a
30-deep chain fits a 1280×800 window. The chosen finding is highlighted. Ctrl+wheel,
+ and - zoom, 0 fits, dragging pans; a click on a card opens the finding. The picture
can be written as PNG or SVG.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from auditdesk.domain.records import LineageNode
from auditdesk.ui.theme import STATUS_COLORS, severity_color

CARD_W, CARD_H = 188.0, 74.0
GAP_X, GAP_Y = 34.0, 22.0
CHAIN_COLUMNS = 6
HIGHLIGHT = QColor("#fff3c4")
HIGHLIGHT_BORDER = QColor("#c98a00")
MIN_SCALE, MAX_SCALE = 0.15, 3.0


@dataclass(frozen=True)
class Placed:
    node: LineageNode
    column: int
    row: int


def layout(root: LineageNode, chain_columns: int = CHAIN_COLUMNS) -> tuple[list[Placed], bool]:
    """Grid positions for every finding of the tree, and whether the chain wraps.

    A branch takes the first lane, from its original's lane down, that is free from its
    column on (edges run in the gaps between columns, so they cross no card). Pure and
    iterative (no recursion: chains can be thousands deep).
    """
    nodes: list[LineageNode] = []
    pending = [root]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.children)
    is_chain = all(len(n.children) <= 1 for n in nodes)
    if is_chain and len(nodes) > chain_columns:
        chain = sorted(nodes, key=lambda n: n.depth)
        return [Placed(n, i % chain_columns, i // chain_columns) for i, n in enumerate(chain)], True
    placed: list[Placed] = []
    lane_end: list[int] = []  # the last column used in each lane
    stack: list[tuple[LineageNode, int, int | None]] = [(root, 0, None)]
    while stack:
        node, from_lane, lane = stack.pop()
        column = node.depth - root.depth
        if lane is None:
            lane = next((i for i in range(from_lane, len(lane_end)) if lane_end[i] < column),
                        len(lane_end))
            if lane == len(lane_end):
                lane_end.append(-1)
        lane_end[lane] = column
        placed.append(Placed(node, column, lane))
        kids = sorted(node.children, key=lambda n: (n.identified_on, n.id))
        # the first repeat continues this lane; the others look for one below
        for index in range(len(kids) - 1, -1, -1):
            stack.append((kids[index], lane, lane if index == 0 else None))
    return placed, False


def best_chain_columns(count: int, width: float, height: float) -> int:
    """How many cards per row let a wrapped chain of ``count`` show at the largest size."""
    def scale(columns: int) -> float:
        rows = -(-count // columns)
        return min(width / (columns * (CARD_W + GAP_X)), height / (rows * (CARD_H + GAP_Y)))
    return max(range(3, 11), key=scale)


def _nodes(root: LineageNode):
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(node.children)


def _position(place: Placed) -> QPointF:
    return QPointF(place.column * (CARD_W + GAP_X), place.row * (CARD_H + GAP_Y))


class Card(QGraphicsItem):
    """A finding on the map."""

    def __init__(self, node: LineageNode, highlighted: bool):
        super().__init__()
        self.node = node
        self.highlighted = highlighted
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(
            f"{node.ref} — {node.title}\n{node.severity.label} · {node.status.label} · "
            f"identified {node.identified_on:%Y-%m-%d}"
            + (f" · {node.engagement_code}" if node.engagement_code else "")
            + "\nClick to open"
        )

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, CARD_W, CARD_H)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        node = self.node
        rect = self.boundingRect().adjusted(1, 1, -1, -1)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = HIGHLIGHT_BORDER if self.highlighted else QColor("#9aa3ad")
        painter.setPen(QPen(border, 3 if self.highlighted else 1))
        painter.setBrush(QBrush(HIGHLIGHT if self.highlighted else QColor("#ffffff")))
        painter.drawRoundedRect(rect, 6, 6)
        stripe = QRectF(rect.left() + 1, rect.top() + 1, 7, rect.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(severity_color(node.severity))))
        painter.drawRoundedRect(stripe, 3, 3)

        left, width = rect.left() + 15, rect.width() - 22
        bold = QFont(painter.font())
        bold.setPointSizeF(9.5)
        bold.setBold(True)
        normal = QFont(bold)
        normal.setBold(False)
        small = QFont(normal)
        small.setPointSizeF(8.5)
        painter.setFont(bold)
        painter.setPen(QColor("#1d2733"))
        painter.drawText(QRectF(left, rect.top() + 5, width, 18), Qt.AlignmentFlag.AlignLeft, node.ref)
        status = node.status.label
        painter.setFont(small)
        painter.setPen(QColor(STATUS_COLORS.get(node.status.value, "#555555")))
        painter.drawText(QRectF(left, rect.top() + 6, width, 18), Qt.AlignmentFlag.AlignRight, status)
        painter.setFont(normal)
        painter.setPen(QColor("#1d2733"))
        title = QFontMetrics(normal).elidedText(node.title, Qt.TextElideMode.ElideRight, int(width))
        painter.drawText(QRectF(left, rect.top() + 26, width, 18), Qt.AlignmentFlag.AlignLeft, title)
        painter.setFont(small)
        painter.setPen(QColor("#5b6672"))
        line = f"{node.identified_on:%Y-%m-%d}" + (f" · {node.engagement_code}" if node.engagement_code else "")
        line = QFontMetrics(small).elidedText(line, Qt.TextElideMode.ElideRight, int(width))
        painter.drawText(QRectF(left, rect.top() + 48, width, 18), Qt.AlignmentFlag.AlignLeft, line)


def _arrow(start: QPointF, end: QPointF, via: list[QPointF] | None = None) -> list[QGraphicsItem]:
    """A line (a gentle S-curve, or straight segments through ``via``) and its head."""
    path = QPainterPath(start)
    if via is None:
        middle = (start.x() + end.x()) / 2
        path.cubicTo(QPointF(middle, start.y()), QPointF(middle, end.y()), end)
        before = QPointF(middle, end.y())
    else:
        for point in [*via, end]:
            path.lineTo(point)
        before = via[-1] if via else start
    colour = QColor("#6b7785")
    line = QGraphicsPathItem(path)
    line.setPen(QPen(colour, 1.4))
    line.setBrush(Qt.BrushStyle.NoBrush)
    line.setZValue(-1)
    direction = end - before
    length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-6)
    unit = QPointF(direction.x() / length, direction.y() / length)
    normal = QPointF(-unit.y(), unit.x())
    head = QGraphicsPolygonItem(
        QPolygonF([end, end - unit * 9 + normal * 4.5, end - unit * 9 - normal * 4.5])
    )
    head.setPen(QPen(colour, 1))
    head.setBrush(QBrush(colour))
    head.setZValue(-1)
    return [line, head]


class LineageMap(QGraphicsView):
    """A repeat tree as cards on a zoomable, pannable canvas."""

    card_clicked = Signal(int)  # observation id
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lineageMap")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(QColor("#f4f6f8")))
        self.cards: dict[int, Card] = {}
        self.root: LineageNode | None = None
        self.highlight_id: int | None = None
        self.wrapped = False
        self._press: QPointF | None = None

    # -- content ---------------------------------------------------------------------------
    def set_tree(self, root: LineageNode | None, highlight_id: int | None = None) -> None:
        scene = self.scene()
        scene.clear()
        self.cards = {}
        self.root, self.highlight_id = root, highlight_id
        if root is None:
            return
        view = self.viewport().size()
        count = sum(1 for _ in _nodes(root))
        columns = best_chain_columns(count, max(view.width(), 400), max(view.height(), 300))
        placed, self.wrapped = layout(root, columns)
        where: dict[int, QPointF] = {}
        for place in placed:
            card = Card(place.node, place.node.id == highlight_id)
            card.setPos(_position(place))
            scene.addItem(card)
            self.cards[place.node.id] = card
            where[place.node.id] = card.pos()
        for place in placed:
            node = place.node
            if node.repeat_of_id is None or node.repeat_of_id not in where:
                continue
            earlier, later = where[node.repeat_of_id], where[node.id]
            start = QPointF(earlier.x() + CARD_W, earlier.y() + CARD_H / 2)
            end = QPointF(later.x(), later.y() + CARD_H / 2)
            if end.x() > start.x():
                arrow = _arrow(start, end)
            else:  # a wrapped chain (or a same-day repeat): around, into the next row
                turn = earlier.y() + CARD_H + GAP_Y / 2
                arrow = _arrow(start, end, [
                    QPointF(start.x() + GAP_X / 2, start.y()),
                    QPointF(start.x() + GAP_X / 2, turn),
                    QPointF(end.x() - GAP_X / 2, turn),
                    QPointF(end.x() - GAP_X / 2, end.y()),
                ])
            for item in arrow:
                scene.addItem(item)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-24, -24, 24, 24))
        self.fit()

    # -- zoom and pan ---------------------------------------------------------------------
    def scale_factor(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_SCALE, min(MAX_SCALE, factor))
        self.resetTransform()
        self.scale(factor, factor)
        self.zoom_changed.emit(factor)

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.scale_factor() * step)

    def fit(self) -> None:
        """The whole tree if it can be read at that size (cards at least ~60%), else
        readable cards centred on the chosen finding."""
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        view = self.viewport().size()
        whole = min(view.width() / rect.width(), view.height() / rect.height())
        self.set_zoom(min(1.0, max(whole, 0.6)))
        chosen = self.cards.get(self.highlight_id) if self.highlight_id else None
        if whole < 0.6 and chosen is not None:
            self.centerOn(chosen)
        else:
            self.centerOn(rect.center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
            event.accept()
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.2)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / 1.2)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        moved = self._press is not None and (event.position() - self._press).manhattanLength() > 4
        super().mouseReleaseEvent(event)
        if not moved and event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.position().toPoint())
            while item is not None and not isinstance(item, Card):
                item = item.parentItem()
            if isinstance(item, Card):
                self.card_clicked.emit(item.node.id)

    # -- export -----------------------------------------------------------------------------
    def render_image(self, scale: float = 2.0) -> QImage:
        rect = self.scene().sceneRect()
        size = QSize(max(1, int(rect.width() * scale)), max(1, int(rect.height() * scale)))
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("#f4f6f8"))
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.scene().render(painter, QRectF(0, 0, size.width(), size.height()), rect)
        painter.end()
        return image

    def export_png(self, path: str) -> bool:
        return self.render_image().save(path, "PNG")

    def export_svg(self, path: str) -> None:
        from PySide6.QtSvg import QSvgGenerator

        rect = self.scene().sceneRect()
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(int(rect.width()), int(rect.height())))
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle("Repeat lineage" + (f" of {self.root.ref}" if self.root else ""))
        painter = QPainter(generator)
        self.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()


class LineageMapPanel(QWidget):
    """The map with its toolbar: zoom, fit, export."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout

        self.settings = None  # the view's QSettings once restored (where exports start)
        self.map = LineageMap(self)
        self.hint = QLabel("Earlier → later, left to right · click a card to open it · "
                           "drag to pan · Ctrl+wheel or + / − to zoom, 0 to fit")
        self.hint.setStyleSheet("color:#5b6672;")
        self.hint.setWordWrap(True)  # in one line it would set the window's least width
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.hint, 1)
        self.buttons: dict[str, QToolButton] = {}
        for name, label, tip, action in (
            ("zoom_out", "−", "Zoom out (−)", lambda: self.map.zoom_by(1 / 1.2)),
            ("zoom_in", "+", "Zoom in (+)", lambda: self.map.zoom_by(1.2)),
            ("fit", "Fit", "Fit the tree (0)", self.map.fit),
            ("png", "PNG…", "Export the map as a PNG picture", self.export_png),
            ("svg", "SVG…", "Export the map as an SVG drawing", self.export_svg),
        ):
            button = QToolButton(self)
            button.setText(label)
            button.setToolTip(tip)
            button.clicked.connect(action)
            bar.addWidget(button)
            self.buttons[name] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.map, 1)

    def _ask_path(self, kind: str) -> str | None:
        from auditdesk.ui.save_dialog import ask_save_path

        name = f"lineage-{self.map.root.ref if self.map.root else 'map'}.{kind}"
        return ask_save_path(self, f"Export the map as {kind.upper()}", name,
                             f"{kind.upper()} (*.{kind})", settings=self.settings)

    def export_png(self) -> None:
        path = self._ask_path("png")
        if path:
            self.map.export_png(path)

    def export_svg(self) -> None:
        path = self._ask_path("svg")
        if path:
            self.map.export_svg(path)


__all__ = ["CHAIN_COLUMNS", "Card", "LineageMap", "LineageMapPanel", "Placed", "layout"]
