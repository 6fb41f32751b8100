"""The engagements table: filters and sorting run in the database, create / edit / delete.

Keyboard: Enter opens the engagement's observations, Del deletes, Ctrl+N creates,
F2 edits.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.enums import EngagementStatus
from auditdesk.domain.queries import EngagementFilter, EngagementSort, ObservationFilter
from auditdesk.domain.records import Engagement
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.ui.context import AppContext
from auditdesk.ui.models.engagements import EngagementTableModel, ProgressRole
from auditdesk.ui.role_reasons import ONLY_ADMINS_ENGAGEMENTS
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
from auditdesk.ui.widgets import EmptyState, ProgressDelegate, debounced

PAGE_LIMIT = 1000


class EngagementsView(EmptyOrTable, QWidget):
    title = "Engagements"
    shows = (Table.ENGAGEMENT, Table.OBSERVATION, Table.ENGAGEMENT_MEMBER)

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.model = EngagementTableModel(self)
        self.total_count = 0
        self._select_after_load: int | None = None

        self.heading = title_label(self.title, self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter by code, title, auditee or lead…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        self.status_filter = QComboBox(self)
        self.status_filter.addItem("All statuses", None)
        for status in EngagementStatus:
            self.status_filter.addItem(status.label, status)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("muted")
        self.new_button = QPushButton("New…", self)
        self.new_button.setToolTip("New engagement (Ctrl+N)")
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setToolTip("Edit the selected engagement (F2)")
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setToolTip("Delete the selected engagement (Del); its observations are kept")

        self.table = QTableView(self)
        self.table.setModel(self.model)
        configure_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(
            EngagementTableModel.CODE, Qt.SortOrder.AscendingOrder
        )
        self.table.setItemDelegateForColumn(
            EngagementTableModel.PROGRESS, ProgressDelegate(ProgressRole, self.table)
        )
        set_column_widths(
            self.table, (115, 260, 150, 120, 85, 180, 140, 55, 55, 70),
            stretch=EngagementTableModel.TITLE,
        )
        model = EngagementTableModel
        self.title_fit = TitleColumnFit(
            self.table, self.table.horizontalHeader(), model.TITLE, readable_title_width(self.table),
            {model.CODE: text_width(self.table, "ENG-2026-000"), model.PROGRESS: 90,
             model.PERIOD: text_width(self.table, "2026-01-01 – 2026")},
        )
        self.empty = EmptyState("Loading…", self)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.status_filter)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(self.stack, 1)

        self._text_timer = debounced(self, 250, self.reload)
        self.search.textChanged.connect(lambda _text: self._text_timer.start())
        self.search.returnPressed.connect(self._filter_now)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.model.sort_requested.connect(lambda _key, _desc: self.reload())
        self.table.doubleClicked.connect(self.open_index)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.new_button.clicked.connect(self.new_engagement)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)

        self._shortcut(QKeySequence(Qt.Key.Key_Return), lambda: self.open_index(self.table.currentIndex()), self.table)
        self._shortcut(QKeySequence(Qt.Key.Key_Enter), lambda: self.open_index(self.table.currentIndex()), self.table)
        self._shortcut(QKeySequence(Qt.Key.Key_Delete), self.delete_selected, self.table)
        self._shortcut(QKeySequence(Qt.Key.Key_F2), self.edit_selected, self.table)
        self._shortcut(QKeySequence.StandardKey.New, self.new_engagement, self, Qt.ShortcutContext.WidgetWithChildrenShortcut)

        context.changed.connect(self._on_changed)
        context.tenant_changed.connect(lambda _t: self._update_buttons())
        self._update_buttons()

    def _shortcut(self, sequence, slot, widget, context=Qt.ShortcutContext.WidgetShortcut) -> None:
        shortcut = QShortcut(sequence, widget)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)

    # -- contract --------------------------------------------------------------------------
    def current_filter(self) -> EngagementFilter:
        status = self.status_filter.currentData()
        return EngagementFilter(
            statuses=(status,) if status is not None else (),
            text=self.search.text().strip(),
        )

    def reload(self) -> None:
        self._text_timer.stop()
        context = self.context
        if context.database is None or context.tenant is None:
            self.model.set_rows([])
            self._show_empty("No tenant selected.")
            return
        tenant_id = context.tenant_id
        flt = self.current_filter()
        sort, descending = self.model.sort_key, self.model.descending

        def job(session):
            rows = engagement_service.list_page(
                session, tenant_id, flt, sort, descending, limit=PAGE_LIMIT
            )
            if len(rows) < PAGE_LIMIT:
                return rows, len(rows)
            total = engagement_service.count(session, tenant_id, flt)
            return rows, total

        context.worker.submit(job, self._loaded_rows, self._failed, key=f"engagements:{id(self)}", owner=self)

    def has_data(self) -> bool:
        return self.model.rowCount() > 0

    def navigate(self, payload: dict) -> None:
        engagement_id = (payload or {}).get("engagement_id")
        if engagement_id is not None and not self.select_engagement(engagement_id):
            self._select_after_load = engagement_id

    def focus_search(self) -> None:
        focus_field(self.search, self)

    def new_item(self) -> None:
        self.new_engagement()

    def selected_id(self) -> int | None:
        record = self.selected()
        return record.id if record is not None else None

    def save_state(self, settings: QSettings) -> None:
        save_header(settings, "header", self.table.horizontalHeader())
        settings.setValue("status", self.status_filter.currentIndex())

    def restore_state(self, settings: QSettings) -> None:
        header = self.table.horizontalHeader()
        with self.title_fit.restoring():
            restored = restore_header(settings, "header", header)
        if restored:
            key = EngagementTableModel.SORT_KEYS.get(header.sortIndicatorSection(), EngagementSort.CODE)
            self.model.sort_key = key
            self.model.descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        try:
            index = int(settings.value("status", 0) or 0)
        except (TypeError, ValueError):
            index = 0
        if 0 <= index < self.status_filter.count():
            self.status_filter.blockSignals(True)
            self.status_filter.setCurrentIndex(index)
            self.status_filter.blockSignals(False)

    # -- selection -------------------------------------------------------------------------
    def selected(self) -> Engagement | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.record(index.row())

    def select_engagement(self, engagement_id: int) -> bool:
        row = self.model.row_of(engagement_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            record = self.model.record(index.row())
            self.context.navigate.emit("observations", {"engagement_id": record.id})

    # -- actions ---------------------------------------------------------------------------
    def new_engagement(self) -> None:
        if self.context.may_manage_engagements:
            self._edit(None)

    def edit_selected(self) -> None:
        record = self.selected()
        if record is not None and self.context.may_manage_engagements:
            self._edit(record)

    def _edit(self, record: Engagement | None):
        from auditdesk.ui.dialogs.engagement_editor import EngagementEditor

        if self.context.database is None or self.context.tenant is None:
            return None
        dialog = EngagementEditor(self.context, record, self)
        dialog.saved.connect(self._saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.editor = dialog
        return dialog

    def _saved(self, engagement: Engagement) -> None:
        self._select_after_load = engagement.id
        self.context.status_message.emit(f"Saved engagement {engagement.code}.")

    def delete_selected(self) -> None:
        record = self.selected()
        if record is None or not self.context.may_manage_engagements:
            return
        tenant_id = self.context.tenant_id

        def count(session):
            return observation_service.count(
                session, tenant_id, ObservationFilter(engagement_id=record.id)
            )

        self.context.worker.submit(count, lambda n: self._confirm_delete(record, n), owner=self)

    @staticmethod
    def delete_message(record: Engagement, observations: int) -> str:
        if observations == 0:
            kept = "It has no observations."
        elif observations == 1:
            kept = "Its 1 observation is kept; it will no longer belong to an engagement."
        else:
            kept = (
                f"Its {observations} observations are kept; they will no longer belong "
                "to an engagement."
            )
        return f"Delete engagement {record.code} “{record.title}”?\n\n{kept}"

    def _confirm_delete(self, record: Engagement, observations: int) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete engagement",
            self.delete_message(record, observations),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirmDelete")
        self.confirmation = box

        def finished(_result: int) -> None:
            if box.clickedButton() is delete:
                self._delete(record)

        box.finished.connect(finished)
        box.open()

    def _delete(self, record: Engagement) -> None:
        actor = self.context.actor

        def job(session):
            return engagement_service.delete(session, actor, record.id)

        def done(result) -> None:
            self.context.status_message.emit(
                f"Deleted engagement {result.code}; {result.kept_observations} observation(s) kept."
            )

        self.context.worker.submit(job, done, owner=self)

    # -- internals -------------------------------------------------------------------------
    def _filter_now(self) -> None:
        self.reload()

    def _loaded_rows(self, result) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        rows, total = result
        self.total_count = total
        self.model.set_rows(rows)
        shown = len(rows)
        self.count_label.setText(
            f"{shown} engagement{'s' if shown != 1 else ''}"
            if shown == total
            else f"Showing {shown} of {total} engagements"
        )
        if rows:
            self.stack.setCurrentWidget(self.table)
        elif self.search.text().strip() or self.status_filter.currentData() is not None:
            self._show_empty("No engagement matches the filter.")
        else:
            self._show_empty("No engagements yet. Press Ctrl+N to create the first one.")
        if self._select_after_load is not None and self.select_engagement(self._select_after_load):
            self._select_after_load = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_selection = self.selected() is not None
        may = self.context.may_manage_engagements
        self.new_button.setEnabled(may)
        self.edit_button.setEnabled(has_selection and may)
        self.delete_button.setEnabled(has_selection and may)
        for button, what in (
            (self.new_button, "New engagement (Ctrl+N)"),
            (self.edit_button, "Edit the selected engagement (F2)"),
            (self.delete_button, "Delete the selected engagement (Del); its observations are kept"),
        ):
            button.setToolTip(what if may else ONLY_ADMINS_ENGAGEMENTS)

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches(*self.shows):
            self.reload()
