"""My engagements: the signed-in user's engagements (every engagement for the workspace
owner) with progress, ordered by status then planned end, a page at a time as the table
is scrolled (a reload asks again for as many rows as are shown, so the place is kept)."""

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
        self.model.more_requested.connect(self._load_more)
        self._loaded = False
        self._whose: str | None = None

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
            self.table, (115, 300, 135, 90, 100, 110, 60, 80, 125), stretch=MyEngagementsModel.TITLE
        )
        model = MyEngagementsModel
        self.title_fit = TitleColumnFit(
            self.table, self.table.horizontalHeader(), model.TITLE, readable_title_width(self.table),
            {model.CODE: text_width(self.table, "ENG-2026-0000"),
             model.STATUS: text_width(self.table, "Reporting"), model.PROGRESS: 90},
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
        self._whose = (
            f"{context.user.display_name} leads or works on" if context.user is not None else None
        )
        shown = max(engagement_service.MY_ENGAGEMENTS_PAGE, self.model.rowCount())
        self.model.hold_pages()

        def job(session):
            return engagement_service.my_engagements_page(session, tenant_id, user_id, limit=shown)

        context.worker.submit(job, self._loaded_page, self._failed, key=self._key, owner=self)

    @property
    def _key(self) -> str:
        # One key for the first page and the next ones: the answer to the latest request wins.
        return f"my_engagements:{id(self)}"

    def _load_more(self) -> None:
        context = self.context
        after = self.model.last_record()
        if context.database is None or context.tenant is None or after is None:
            return
        tenant_id = context.tenant_id
        user_id = context.user.id if context.user is not None else None

        def job(session):
            return engagement_service.my_engagements_page(
                session, tenant_id, user_id, after=after, limit=engagement_service.MY_ENGAGEMENTS_PAGE
            )

        context.worker.submit(job, self._more_loaded, self._more_failed, key=self._key, owner=self)

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
    def _loaded_page(self, page) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        self._loaded = True
        self.model.set_rows(page.rows, page.more)
        self._show_count(page.total)
        if page.rows:
            self.stack.setCurrentWidget(self.table)
        elif self.context.user is not None:
            self._show_empty("You neither lead nor work on any engagement in this tenant.")
        else:
            self._show_empty("No engagements yet. Create one in the Engagements view (Ctrl+N).")

    def _more_loaded(self, page) -> None:
        if isValid(self):
            self.model.append_rows(page.rows, page.more)
            self._show_count(page.total)

    def _more_failed(self, error: BaseException) -> None:
        if isValid(self):
            self.model.append_rows([], more=True)  # scrolling to the end asks again
            self._failed(error)

    def _show_count(self, total: int) -> None:
        noun = "engagement" if total == 1 else "engagements"
        self.subtitle.setText(
            f"{total:,} {noun} {self._whose}" if self._whose
            else f"All {total:,} {noun} of the tenant (workspace owner)"
        )

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.context.navigate.emit("observations", {"engagement_id": index.data(IdRole)})

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches(*self.shows):
            self.reload()
