"""My engagements: the signed-in user's engagements (every engagement for the workspace
owner) with progress, ordered by status then planned end."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedLayout, QTableView, QVBoxLayout, QWidget
from shiboken6 import isValid

from auditdesk.domain.changes import Changes, Table
from auditdesk.services import engagements as engagement_service
from auditdesk.ui.context import AppContext
from auditdesk.ui.models.engagements import IdRole, MyEngagementsModel, ProgressRole
from auditdesk.ui.views._common import (
    EmptyOrTable,
    TitleColumnFit,
    configure_table,
    readable_title_width,
    restore_header,
    save_header,
    set_column_widths,
    text_width,
    title_label,
)
from auditdesk.ui.views.base import focus_field
from auditdesk.ui.widgets import EmptyState, ProgressDelegate


class MyEngagementsView(EmptyOrTable, QWidget):
    title = "My engagements"
    shows = (Table.ENGAGEMENT, Table.OBSERVATION, Table.ENGAGEMENT_MEMBER)

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.model = MyEngagementsModel(self)
        self._loaded = False

        self.heading = title_label(self.title, self)
        self.subtitle = QLabel("", self)
        self.subtitle.setObjectName("muted")
        self.table = QTableView(self)
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.setItemDelegateForColumn(
            MyEngagementsModel.PROGRESS, ProgressDelegate(ProgressRole, self.table)
        )
        self._set_default_widths()
        self.empty = EmptyState("", self)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.subtitle)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addLayout(top)
        layout.addLayout(self.stack, 1)

        self.table.doubleClicked.connect(self._open)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda: self._open(self.table.currentIndex()))
        context.changed.connect(self._on_changed)
        self._show_empty("Loading…")

    def _set_default_widths(self) -> None:
        set_column_widths(
            self.table, (120, 300, 170, 95, 110, 170, 65, 80, 130), stretch=MyEngagementsModel.TITLE
        )
        model = MyEngagementsModel
        self.title_fit = TitleColumnFit(
            self.table, self.table.horizontalHeader(), model.TITLE, readable_title_width(self.table),
            {model.CODE: text_width(self.table, "ENG-2026-000"), model.PROGRESS: 90},
        )

    # -- contract --------------------------------------------------------------------------
    def reload(self) -> None:
        context = self.context
        if context.database is None or context.tenant is None:
            self.model.set_rows([])
            self._show_empty("No tenant selected.")
            return
        tenant_id = context.tenant_id
        user_id = context.user.id if context.user is not None else None
        self.subtitle.setText(
            f"Engagements {context.user.display_name} leads or works on"
            if context.user is not None
            else "All engagements of the tenant (workspace owner)"
        )

        def job(session):
            return engagement_service.my_engagements(session, tenant_id, user_id)

        context.worker.submit(job, self._loaded_rows, self._failed, key=f"my_engagements:{id(self)}", owner=self)

    def has_data(self) -> bool:
        return self.model.rowCount() > 0

    def navigate(self, payload: dict) -> None:
        engagement_id = (payload or {}).get("engagement_id")
        if engagement_id is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.record(row).id == engagement_id:
                self.table.selectRow(row)
                break

    def focus_search(self) -> None:
        focus_field(None, self)

    def new_item(self) -> None:
        """Engagements are created in the Engagements view."""

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()).id if index.isValid() else None

    def save_state(self, settings: QSettings) -> None:
        save_header(settings, "header", self.table.horizontalHeader())

    def restore_state(self, settings: QSettings) -> None:
        with self.title_fit.restoring():
            restore_header(settings, "header", self.table.horizontalHeader())

    # -- internals -------------------------------------------------------------------------
    def _loaded_rows(self, rows) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        self._loaded = True
        self.model.set_rows(rows)
        if rows:
            self.stack.setCurrentWidget(self.table)
        elif self.context.user is not None:
            self._show_empty("You neither lead nor work on any engagement in this tenant.")
        else:
            self._show_empty("No engagements yet. Create one in the Engagements view (Ctrl+N).")

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.context.navigate.emit("observations", {"engagement_id": index.data(IdRole)})

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches(*self.shows):
            self.reload()
