"""A tree model over one repeat-lineage tree (``lineage.tree``) for a ``QTreeView``.

The original finding is the root; each repeat sits under the finding it repeats.
One finding can be highlighted (the one the user asked for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from auditdesk.domain.records import LineageNode
from auditdesk.ui.models.headers import horizontal_title
from auditdesk.ui.theme import STATUS_COLORS, severity_color

HEADERS = ("Ref", "Title", "Engagement", "Identified", "Severity", "Status", "Recurrence")
NodeRole = Qt.ItemDataRole.UserRole + 1
IdRole = Qt.ItemDataRole.UserRole + 2
HIGHLIGHT_BACKGROUND = "#fff3c4"

_Index = QModelIndex | QPersistentModelIndex


@dataclass
class _Item:
    node: LineageNode
    parent: int  # -1 for the root
    row: int
    children: list[int] = field(default_factory=list)


class LineageTreeModel(QAbstractItemModel):
    """Read-only model of one lineage tree."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list[_Item] = []
        self._by_id: dict[int, int] = {}
        self.highlight_id: int | None = None

    # -- content ----------------------------------------------------------------------------
    def set_tree(self, root: LineageNode | None, highlight_id: int | None = None) -> None:
        self.beginResetModel()
        self._items = []
        self._by_id = {}
        self.highlight_id = highlight_id
        if root is not None:
            # Iterative, so a very deep chain cannot overflow the stack.
            stack: list[tuple[LineageNode, int, int]] = [(root, -1, 0)]
            while stack:
                node, parent, row = stack.pop()
                position = len(self._items)
                self._items.append(_Item(node, parent, row))
                self._by_id[node.id] = position
                if parent >= 0:
                    self._items[parent].children.append(position)
                for child_row in range(len(node.children) - 1, -1, -1):
                    stack.append((node.children[child_row], position, child_row))
            for item in self._items:  # children were appended in visiting order: sort by row
                item.children.sort(key=lambda i: self._items[i].row)
        self.endResetModel()

    @property
    def root(self) -> LineageNode | None:
        return self._items[0].node if self._items else None

    def node_count(self) -> int:
        return len(self._items)

    def index_of(self, observation_id: int, column: int = 0) -> QModelIndex:
        position = self._by_id.get(observation_id)
        if position is None:
            return QModelIndex()
        return self.createIndex(self._items[position].row, column, position)

    def node_at(self, index: _Index) -> LineageNode | None:
        return self._items[index.internalId()].node if index.isValid() else None

    # -- Qt model ---------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row == 0 and self._items else QModelIndex()
        children = self._items[parent.internalId()].children
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._items[index.internalId()].parent
        if parent < 0:
            return QModelIndex()
        return self.createIndex(self._items[parent].row, 0, parent)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return 1 if self._items else 0
        if parent.column() != 0:
            return 0
        return len(self._items[parent.internalId()].children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return horizontal_title(HEADERS, section, orientation, role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._items[index.internalId()].node
        column = index.column()
        highlighted = node.id == self.highlight_id
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                node.ref,
                node.title,
                node.engagement_code or "—",
                node.identified_on.isoformat(),
                node.severity.label,
                node.status.label,
                "original" if node.depth == 0 else f"repeat {node.depth}",
            )[column]
        if role == NodeRole:
            return node
        if role == IdRole:
            return node.id
        if role == Qt.ItemDataRole.FontRole and highlighted:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == 4:
                return QBrush(QColor(severity_color(node.severity)))
            if highlighted:
                return QBrush(QColor(HIGHLIGHT_BACKGROUND))
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 4:
                return QBrush(QColor("#ffffff"))
            if column == 5:
                return QBrush(QColor(STATUS_COLORS.get(node.status.value, "#333333")))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if highlighted:
                return f"{node.ref} — the finding you chose"
            return node.title
        return None
