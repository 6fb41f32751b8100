"""The observations view's history panel: who changed the selected finding, when, and
which fields from → to (read from the audit trail through ``services.audit_trail``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.records import AuditEntry, ObservationRow
from auditdesk.services import audit_trail
from auditdesk.ui.audit_format import (
    action_label,
    cell_text,
    field_label,
    field_value,
    tooltip_text,
)
from auditdesk.ui.context import AppContext


class HistoryPanel(QWidget):
    """Who changed the selected observation, when, and which fields from → to."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.observation_id: int | None = None
        self.heading = QLabel("History")
        self.heading.setObjectName("historyHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Change", "From", "To"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        # The three columns share the panel's width, so From and To never run off its edge;
        # a long value is elided and its whole text is in the tooltip.
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setMinimumSectionSize(40)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setTabKeyNavigation(False)
        self.setMinimumWidth(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        self.entries: list[AuditEntry] = []
        #: field -> {stored id: code, ref or name}, looked up with the entries
        self.names: dict[str, dict[int, str]] = {}

    def show_for(self, row: ObservationRow | None) -> None:
        self.observation_id = row.id if row else None
        if row is None:
            self.heading.setText("History")
            self.tree.clear()
            return
        self.heading.setText(f"History of {row.ref} — {row.title}")
        self.refresh()

    def refresh(self) -> None:
        if self.observation_id is None:
            return
        tenant_id, row_id = self._context.tenant_id, self.observation_id

        def job(session):
            return audit_trail.row_history(session, tenant_id, "observation", row_id)

        self._context.worker.submit(
            job, lambda result: self._show(row_id, *result), key=f"history-{id(self)}", owner=self
        )

    def _show(self, row_id: int, entries: list[AuditEntry], names: dict[str, dict[int, str]]) -> None:
        if row_id != self.observation_id:
            return
        self.entries, self.names = entries, names
        self.tree.clear()
        for entry in entries:
            who = entry.user_name or entry.db_login or "unknown"
            item = QTreeWidgetItem(
                [f"{entry.changed_at:%Y-%m-%d %H:%M} · {who} · {action_label(entry.action).lower()}", "", ""]
            )
            item.setToolTip(0, ", ".join(field_label(c.field) for c in entry.changes) or entry.summary)
            for change in entry.changes:
                old = field_value(change.field, change.old, names)
                new = field_value(change.field, change.new, names)
                child = QTreeWidgetItem([field_label(change.field), cell_text(old), cell_text(new)])
                child.setToolTip(0, field_label(change.field))
                child.setToolTip(1, tooltip_text(old))
                child.setToolTip(2, tooltip_text(new))
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)
        self.tree.expandAll()
        self._fit_change_column()

    def _fit_change_column(self) -> None:
        """The field labels whole when they fit in 45 % of the panel; From and To share the rest."""
        widest = max(
            (
                self.tree.fontMetrics().horizontalAdvance(item.child(i).text(0))
                for item in (self.tree.topLevelItem(n) for n in range(self.tree.topLevelItemCount()))
                for i in range(item.childCount())
            ),
            default=60,
        )
        room = self.tree.viewport().width()
        self.tree.setColumnWidth(0, max(60, min(widest + self.tree.indentation() + 12, room * 45 // 100)))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_change_column()
