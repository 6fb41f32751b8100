"""Table model of one page of audit-trail entries (``audit.list_entries``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from auditdesk.domain.enums import AuditAction
from auditdesk.domain.records import AuditEntry
from auditdesk.ui.audit_format import action_label, field_label, summary_text, table_label
from auditdesk.ui.models.headers import horizontal_title

HEADERS = ("When", "Who", "Table", "Row", "Action", "Changed fields")
EntryRole = Qt.ItemDataRole.UserRole + 1
ACTION_COLORS = {
    AuditAction.INSERT: "#2e7d32",
    AuditAction.UPDATE: "#1565c0",
    AuditAction.DELETE: "#b71c1c",
}

_Index = QModelIndex | QPersistentModelIndex


def row_label(entry: AuditEntry) -> str:
    """The row's business key (ref, code, e-mail…) taken from the entry's summary."""
    summary = entry.summary
    for suffix in (" created", " deleted"):
        if summary.endswith(suffix):
            return summary[: -len(suffix)]
    return summary.split(":", 1)[0]


def entry_summary(entry: AuditEntry) -> str:
    """The entry's summary with field names in words ("OBS-000650: Repeat of")."""
    return summary_text(row_label(entry), entry.action, [c.field for c in entry.changes])


class AuditTableModel(QAbstractTableModel):
    """One page of audit entries, newest first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list[AuditEntry] = []

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return horizontal_title(HEADERS, section, orientation, role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._entries)):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{entry.changed_at.astimezone():%Y-%m-%d %H:%M:%S}",
                entry.user_name or entry.db_login or "unknown",
                table_label(entry.table_name),
                row_label(entry),
                action_label(entry.action),
                ", ".join(field_label(c.field) for c in entry.changes)
                if entry.action is AuditAction.UPDATE
                else "",
            )[column]
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return QBrush(QColor(ACTION_COLORS[entry.action]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1 and entry.db_login:
                return f"Database login: {entry.db_login}"
            if column == 5 and entry.changes:
                return ", ".join(field_label(c.field) for c in entry.changes)
            return entry_summary(entry)
        return None
