"""The observations view: filter bar, the lazy table, and the selected finding's history.

Actions: New (Ctrl+N), Edit (Enter), Record recurrence, Delete (Del; the confirmation
lists the repeats that are kept and lose their link), Show lineage. Filters and
sorting run in the database (see ``models/observations.py``); the free-text filter
is debounced.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.queries import ObservationFilter
from auditdesk.domain.records import ObservationRow
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.services import tenants as tenant_service
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.models.observations import ObservationTableModel, RowRole
from auditdesk.ui.role_reasons import ONLY_MANAGERS_DELETE
from auditdesk.ui.views.base import focus_field
from auditdesk.ui.views.observation_delete import ask_to_delete, deleted_message
from auditdesk.ui.views.observation_filters import ObservationFilterBar
from auditdesk.ui.views.observation_history import HistoryPanel
from auditdesk.ui.views.observation_table import (
    column_of,
    fit_columns,
    fit_title_column,
    observation_table,
    sorts,
)
from auditdesk.ui.widgets import ErrorBanner, debounced


class ObservationsView(QWidget):
    """Every observation of the tenant: filter, sort, edit, and follow lineage."""

    title = "Observations"
    shows = (Table.OBSERVATION, Table.ENGAGEMENT, Table.APP_USER)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.model = ObservationTableModel(context, self)
        self._pending_select: int | None = None
        self._pending_engagement: int | None = None
        self._lookups_loaded = False
        self.editor: ObservationEditor | None = None
        self.confirm_box: QMessageBox | None = None
        self._build()
        context.changed.connect(self._changed)
        context.tenant_changed.connect(lambda _t: self._tenant_changed())

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.reload)

        self.filter_bar = bar = ObservationFilterBar()
        self.search, self.count_label = bar.search, bar.count_label
        self.engagement_filter, self.severity_filter = bar.engagement_filter, bar.severity_filter
        self.status_filter, self.owner_filter = bar.status_filter, bar.owner_filter
        self.overdue_only, self.repeats_only = bar.overdue_only, bar.repeats_only

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_action = self._action("New", QKeySequence.StandardKey.New, self.new_observation)
        self.edit_action = self._action("Edit", QKeySequence(Qt.Key.Key_Return), self.edit_selected)
        self.recurrence_action = self._action("Record recurrence", None, self.record_recurrence)
        self.delete_action = self._action("Delete", QKeySequence.StandardKey.Delete, self.delete_selected)
        self.lineage_action = self._action("Show lineage", QKeySequence("Ctrl+L"), self.show_lineage)
        self.refresh_action = self._action("Refresh", QKeySequence.StandardKey.Refresh, self.reload)
        self.toolbar.addActions([self.new_action, self.edit_action, self.recurrence_action])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.delete_action, self.lineage_action])
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.refresh_action)

        self.table = observation_table(self.model)
        header = self.table.horizontalHeader()
        self.title_fit = fit_title_column(self.table)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self._sort_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.addActions(
            [self.edit_action, self.recurrence_action, self.lineage_action, self.delete_action]
        )

        self.history = HistoryPanel(self._context)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.history)
        self.splitter.setObjectName("historySplitter")
        self.splitter.setHandleWidth(7)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 270])

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.toolbar)
        layout.addLayout(bar.layout)
        layout.addWidget(self.splitter, 1)
        # Tab walks the filter bar, then the table, then the history panel (Shift+Tab back).
        chain = [*bar.tab_chain(), self.table, self.history.tree]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self._debounce = debounced(self, 300, self.apply_filter)
        bar.connect(self.apply_filter, self._debounce)
        self.model.count_known.connect(self._show_count)
        self.model.count_estimated.connect(self._show_estimate)
        self.model.first_page_loaded.connect(self._first_page_shown)
        self.model.failed.connect(self._show_error)
        self.model.loading_changed.connect(
            lambda busy: self.count_label.setText("Loading…") if busy else None
        )
        self._update_actions()

    def _action(self, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    # -- contract ------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._context.tenant is None or self._context.database is None:
            self._clear()
            return
        self.banner.hide()
        self.model.load(self.model.query, force=True)  # rows first; the filter lists after
        self._load_lookups()

    def _clear(self) -> None:
        """No tenant to show (an empty database): no rows, no history, no choices."""
        self.model.clear()
        self.history.show_for(None)
        self.count_label.setText("")
        self._pending_select = self._pending_engagement = None
        self._lookups_loaded = False
        self.filter_bar.set_lists([], [])
        self._update_actions()

    def has_data(self) -> bool:
        return self.model.rowCount() > 0 and self.model.row_at(0) is not None

    def navigate(self, payload: dict) -> None:
        if "edit" in payload:  # the editor only; the list stays as it is
            self.open_editor_for(int(payload["edit"]))
            return
        if "engagement_id" in payload:
            self.set_engagement(payload["engagement_id"])
        if "observation_id" in payload:
            self.select_observation(payload["observation_id"])

    def focus_search(self) -> None:
        focus_field(self.search, self)

    def new_item(self) -> None:
        self.new_observation()

    def selected_id(self) -> int | None:
        row = self.selected_row()
        return row.id if row is not None else None

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("observations/header", self.table.horizontalHeader().saveState())
        settings.setValue("observations/splitter", self.splitter.saveState())
        self.filter_bar.save(settings)

    def restore_state(self, settings: QSettings) -> None:
        header = self.table.horizontalHeader()
        state = settings.value("observations/header")
        if isinstance(state, QByteArray | bytes):
            with self.title_fit.restoring():
                header.blockSignals(True)
                header.restoreState(state)
                header.blockSignals(False)
                fit_columns(self.table, only_widen=True)  # a layout saved before may cut refs off
        # The rows follow the restored sort arrow (restoring it emits no signal).
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        splitter = settings.value("observations/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(splitter)
        self._restore_filters(settings)

    def _restore_filters(self, settings: QSettings) -> None:
        """The filters as they were; an engagement or owner is chosen once the lists load."""
        self.filter_bar.restore(settings)
        self.apply_filter()

    # -- filters -------------------------------------------------------------------------------
    def _load_lookups(self) -> None:
        tenant_id = self._context.tenant_id

        def job(session):
            engagements = [
                (e.id, e.code) for e in engagement_service.list_page(session, tenant_id, limit=2000)
            ]
            users = [(u.id, u.display_name) for u in tenant_service.list_users(session, tenant_id)]
            return engagements, users

        self._context.worker.submit(job, self._lookups_arrived, key=f"obs-lookups-{id(self)}", owner=self)

    def _lookups_arrived(self, result) -> None:
        engagements, users = result
        self.filter_bar.set_lists(engagements, users)
        self._lookups_loaded = True
        self.filter_bar.choose_restored()
        if self._pending_engagement is not None:
            engagement_id, self._pending_engagement = self._pending_engagement, None
            self.set_engagement(engagement_id)

    def set_engagement(self, engagement_id: int | None) -> None:
        index = self.engagement_filter.findData(engagement_id)
        if index < 0 and engagement_id is not None:
            if not self._lookups_loaded:
                self._pending_engagement = engagement_id
                self.model.set_filter(self.current_filter(engagement_id=engagement_id))
                return
            self.engagement_filter.addItem(f"Engagement {engagement_id}", engagement_id)
            index = self.engagement_filter.count() - 1
        if self.engagement_filter.currentIndex() == max(index, 0):
            self.apply_filter()
        else:
            self.engagement_filter.setCurrentIndex(max(index, 0))

    def current_filter(self, **overrides) -> ObservationFilter:
        return self.filter_bar.current_filter(**overrides)

    def apply_filter(self) -> None:
        self._debounce.stop()
        flt = self.current_filter()
        if flt != self.model.query.flt:
            self.model.set_filter(flt)

    def clear_filters(self) -> None:
        self.filter_bar.reset()
        self.apply_filter()

    def _show_count(self, count: int) -> None:
        self.count_label.setText(f"{count:,} observation{'s' if count != 1 else ''}")

    def _show_estimate(self, count: int) -> None:
        # PostgreSQL's estimate, said as one; the exact count replaces it when it arrives
        self.count_label.setText(f"about {count:,} observations (counting…)")

    def _show_error(self, error: BaseException) -> None:
        """A refusal of this view's own request shows here; a database failure goes to
        the one error display (which also notices a lost connection)."""
        if isinstance(error, AuditDeskError):
            self.banner.show_message(str(error))
        else:
            self._context.show_error(error)

    # -- selection -----------------------------------------------------------------------------
    def selected_row(self) -> ObservationRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.data(index.siblingAtColumn(0), RowRole)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.data(current.siblingAtColumn(0), RowRole) if current.isValid() else None
        self.history.show_for(row)
        self._update_actions()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if sorts(column):
            self.model.sort(column, order)
            return
        # a column that does not sort: the arrow stays where the rows' order is
        query, header = self.model.query, self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column_of(query.sort), Qt.SortOrder.DescendingOrder
                                if query.descending else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)

    def _tenant_changed(self) -> None:
        self._update_actions()  # the person may have changed, and with them their rights
        self.reload()

    def _update_actions(self) -> None:
        has = self.selected_row() is not None
        for action in (self.edit_action, self.recurrence_action, self.lineage_action):
            action.setEnabled(has)
        may_delete = self._context.may_delete_findings
        self.delete_action.setEnabled(has and may_delete)
        self.delete_action.setToolTip("Delete the selected finding (Del)" if may_delete else ONLY_MANAGERS_DELETE)

    def _first_page_shown(self) -> None:
        if self._pending_select is not None:
            self.select_observation(self._pending_select)
        else:
            self._current_changed(self.table.currentIndex(), QModelIndex())

    def select_observation(self, observation_id: int, *, widen: bool = True) -> None:
        """Find the observation in the current order (clearing filters if it is hidden)."""
        if self.model.is_loading():
            self._pending_select = observation_id
            return
        self._pending_select = None
        tenant_id, query = self._context.tenant_id, self.model.query
        self._context.worker.submit(
            lambda s: observation_service.position_of(
                s, tenant_id, observation_id, query.flt, query.sort, query.descending
            ),
            lambda position: self._position_found(observation_id, position, widen),
            self._show_error,
            key=f"obs-position-{id(self)}",
            owner=self,
        )

    def _position_found(self, observation_id: int, position: int | None, widen: bool) -> None:
        if position is None:
            if widen and self.current_filter() != ObservationFilter():
                self._pending_select = observation_id
                self.clear_filters()
            return
        if position >= self.model.rowCount():
            self._pending_select = observation_id
            QTimer.singleShot(50, lambda: self.select_observation(observation_id, widen=False))
            return
        index = self.model.index(position, 0)
        self.table.setCurrentIndex(index)
        self.table.selectRow(position)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        if self.model.row_at(position) is None:
            # The page is on its way: update the side panel when it lands.
            def landed(_page: int) -> None:
                if self.model.row_at(position) is not None:
                    self.model.page_loaded.disconnect(landed)
                    self._current_changed(self.table.currentIndex(), QModelIndex())

            self.model.page_loaded.connect(landed)
        else:
            self._current_changed(index, QModelIndex())

    def _changed(self, changes: Changes) -> None:
        if changes.touches(Table.OBSERVATION):
            ids = tuple(changes.ids(Table.OBSERVATION) or ())
            self.model.refresh_ids(ids)
            if self.history.observation_id is not None and (
                not ids or self.history.observation_id in ids
            ):
                self.history.refresh()
        elif changes.touches(Table.ENGAGEMENT, Table.APP_USER):
            self._load_lookups()
            self.model.refresh_ids(())

    # -- actions -------------------------------------------------------------------------------
    def _open_editor(self, editor: ObservationEditor) -> ObservationEditor:
        self.editor = editor
        editor.saved.connect(lambda obs: self.select_observation(obs.id))
        editor.open()
        return editor

    def new_observation(self) -> ObservationEditor:
        return self._open_editor(
            ObservationEditor(
                self._context, engagement_id=self.engagement_filter.currentData(), parent=self
            )
        )

    def open_editor_for(self, observation_id: int) -> ObservationEditor:
        """Open the editor on one observation; it emits ``loaded`` (and sets ``is_loaded``)."""
        return self._open_editor(ObservationEditor(self._context, observation_id, parent=self))

    def edit_selected(self) -> ObservationEditor | None:
        row = self.selected_row()
        return self.open_editor_for(row.id) if row else None

    def record_recurrence(self) -> ObservationEditor | None:
        row = self.selected_row()
        if row is None:
            return None
        return self._open_editor(
            ObservationEditor(self._context, recurrence_of=row.id, parent=self)
        )

    def show_lineage(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._context.navigate.emit("lineage", {"observation_id": row.id})

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None or not self._context.may_delete_findings:
            return
        tenant_id = self._context.tenant_id
        self._context.worker.submit(
            lambda s: observation_service.repeats_of(s, tenant_id, row.id),
            lambda repeats: self._confirm_delete(row, repeats),
            self._show_error,
            owner=self,
        )

    def _confirm_delete(self, row: ObservationRow, repeats: list[str]) -> None:
        self.confirm_box = ask_to_delete(self, row, repeats, lambda: self._delete(row))

    def _delete(self, row: ObservationRow) -> None:
        actor = self._context.actor
        self._context.worker.submit(
            lambda s: observation_service.delete(s, actor, row.id),
            lambda deleted: self._context.status_message.emit(deleted_message(deleted)),
            self._show_error,
            owner=self,
        )
