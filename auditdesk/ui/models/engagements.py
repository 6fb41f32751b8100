"""Table models for engagements: the full engagements table and "my engagements".

The models hold one sorted, filtered page of frozen records. Sorting is not done
here: ``sort()`` announces the wanted order through ``sort_requested`` and the view
asks the database for the rows in that order (through the worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from auditdesk.domain.queries import EngagementSort
from auditdesk.domain.records import Engagement, EngagementProgress
from auditdesk.ui import theme

IdRole = Qt.ItemDataRole.UserRole + 1
RecordRole = Qt.ItemDataRole.UserRole + 2
ProgressRole = Qt.ItemDataRole.UserRole + 3  # (closed, total)

_Index = QModelIndex | QPersistentModelIndex


def _period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    first = start.isoformat() if start else "…"
    last = end.isoformat() if end else "…"
    return f"{first} – {last}"


def _progress_data(
    model: EngagementTableModel | MyEngagementsModel,
    record: Engagement | EngagementProgress,
    column: int,
    role: int,
    numbers: tuple[int, ...],
):
    """What both engagement tables show alike: the record and its id, the progress bar's
    (closed, total), the status colour, overdue counts in red, ``numbers`` right-aligned."""
    if role == IdRole:
        return record.id
    if role == RecordRole:
        return record
    if role == ProgressRole:
        return (record.closed, record.total) if column == model.PROGRESS else None
    if role == Qt.ItemDataRole.ForegroundRole:
        if column == model.STATUS:
            return QBrush(QColor(theme.STATUS_COLORS.get(record.status.value, theme.MUTED_TEXT)))
        if column == model.OVERDUE and record.overdue:
            return QBrush(QColor(theme.OVERDUE))
    if role == Qt.ItemDataRole.TextAlignmentRole and column in numbers:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


class EngagementTableModel(QAbstractTableModel):
    """Columns: code, title, auditee, lead, status, period, progress, total, open, overdue."""

    CODE, TITLE, AUDITEE, LEAD, STATUS, PERIOD, PROGRESS, TOTAL, OPEN, OVERDUE = range(10)
    HEADERS = (
        "Code",
        "Title",
        "Auditee",
        "Lead",
        "Status",
        "Period",
        "Progress",
        "Total",
        "Open",
        "Overdue",
    )
    SORT_KEYS = {
        CODE: EngagementSort.CODE,
        TITLE: EngagementSort.TITLE,
        AUDITEE: EngagementSort.AUDITEE,
        LEAD: EngagementSort.LEAD,
        STATUS: EngagementSort.STATUS,
        PERIOD: EngagementSort.PERIOD,
        PROGRESS: EngagementSort.OPEN,
        TOTAL: EngagementSort.TOTAL,
        OPEN: EngagementSort.OPEN,
        OVERDUE: EngagementSort.OVERDUE,
    }

    sort_requested = Signal(object, bool)  # EngagementSort, descending

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Engagement] = []
        self.sort_key = EngagementSort.CODE
        self.descending = False

    # -- data ------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Engagement]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def replace_row(self, engagement: Engagement) -> bool:
        """Update one row in place (after an edit); False when it is not shown."""
        for number, current in enumerate(self._rows):
            if current.id == engagement.id:
                self._rows[number] = engagement
                self.dataChanged.emit(
                    self.index(number, 0), self.index(number, self.columnCount() - 1)
                )
                return True
        return False

    def record(self, row: int) -> Engagement:
        return self._rows[row]

    def row_of(self, engagement_id: int) -> int:
        for number, current in enumerate(self._rows):
            if current.id == engagement_id:
                return number
        return -1

    # -- Qt API ----------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in (self.TOTAL, self.OPEN, self.OVERDUE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == Qt.ItemDataRole.ToolTipRole and section == self.PROGRESS:
                return (
                    "Closed observations of all observations (drafts not counted); "
                    "sorting orders by the open count"
                )
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        record = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.TITLE:
            return record.title
        return _progress_data(self, record, column, role, (self.TOTAL, self.OPEN, self.OVERDUE))

    def _display(self, record: Engagement, column: int):
        if column == self.CODE:
            return record.code
        if column == self.TITLE:
            return record.title
        if column == self.AUDITEE:
            return record.auditee
        if column == self.LEAD:
            return record.lead_auditor_name or "—"
        if column == self.STATUS:
            return record.status.label
        if column == self.PERIOD:
            return _period(record.period_start, record.period_end)
        if column == self.PROGRESS:
            return f"{record.closed}/{record.total}"
        if column == self.TOTAL:
            return record.total
        if column == self.OPEN:
            return record.open
        if column == self.OVERDUE:
            return record.overdue
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.SORT_KEYS.get(column)
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.sort_requested.emit(key, self.descending)

    def column_for(self, key: EngagementSort) -> int:
        for column, candidate in self.SORT_KEYS.items():
            if candidate == key:
                return column
        return self.CODE


class MyEngagementsModel(QAbstractTableModel):
    """Columns: code, title, auditee, status, planned end, progress, open, overdue findings,
    overdue actions (of the findings' action plans)."""

    CODE, TITLE, AUDITEE, STATUS, PLANNED_END, PROGRESS, OPEN, OVERDUE, LATE_ACTIONS = range(9)
    HEADERS = ("Code", "Title", "Auditee", "Status", "Planned end", "Progress", "Open", "Overdue",
               "Overdue actions")

    # The rows come a page at a time: the view that scrolls to the end calls ``fetchMore``,
    # which asks (through ``more_requested``) for the page after the last row.
    more_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[EngagementProgress] = []
        self._more = False
        self._asking = False

    def set_rows(self, rows: Sequence[EngagementProgress], more: bool = False) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._more = more
        self._asking = False
        self.endResetModel()

    def append_rows(self, rows: Sequence[EngagementProgress], more: bool) -> None:
        """Add the page that follows the last row."""
        self._asking = False
        self._more = more
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def hold_pages(self) -> None:
        """Ask for no further page until the rows are set again (a reload is on its way)."""
        self._asking = True

    def last_record(self) -> EngagementProgress | None:
        return self._rows[-1] if self._rows else None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._asking

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._asking = True
            self.more_requested.emit()

    def record(self, row: int) -> EngagementProgress:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    NUMBERS = (OPEN, OVERDUE, LATE_ACTIONS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        record = self._rows[index.row()]
        column = index.column()
        if column == self.LATE_ACTIONS and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(theme.OVERDUE)) if record.overdue_actions else None
        if column == self.LATE_ACTIONS and role == Qt.ItemDataRole.ToolTipRole:
            return "Actions of this engagement's action plans still open after their due date"
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.CODE: record.code,
                self.TITLE: record.title,
                self.AUDITEE: record.auditee,
                self.STATUS: record.status.label,
                self.PLANNED_END: record.planned_end.isoformat() if record.planned_end else "",
                self.PROGRESS: f"{record.closed}/{record.total}",
                self.OPEN: record.open,
                self.OVERDUE: record.overdue,
                self.LATE_ACTIONS: record.overdue_actions,
            }.get(column)
        return _progress_data(self, record, column, role, self.NUMBERS)
