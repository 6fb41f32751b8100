"""The observations view: filter bar, the lazy table, and the selected finding's history.

Actions: New (Ctrl+N), Edit (Enter), Record recurrence, Delete (Del; the confirmation
lists the repeats that are kept and lose their link), Show lineage. Filters and
sorting run in the database (see ``models/observations.py``); the free-text filter
is debounced.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.queries import ObservationFilter
from auditdesk.domain.records import AuditEntry, ObservationRow
from auditdesk.services import audit_trail
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.services import tenants as tenant_service
from auditdesk.ui import theme
from auditdesk.ui.audit_format import (
    action_label,
    cell_text,
    field_label,
    field_value,
    tooltip_text,
)
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.models.observations import COLUMNS, ObservationTableModel, RowRole
from auditdesk.ui.views._common import TitleColumnFit, readable_title_width
from auditdesk.ui.views.base import focus_field
from auditdesk.ui.widgets import ErrorBanner, debounced

#: Characters each filter choice shows at least (it grows with the window up to a maximum).
FILTER_COMBO_CHARS = {"engagement": 11, "severity": 8, "status": 11, "owner": 10}
#: The widest text of each fixed-width column, and whether the model draws it bold
#: (``models/observations.py``); the title column takes the remaining width.
COLUMN_SAMPLES: dict[str, tuple[str, bool]] = {
    "ref": ("OBS-000000", True),
    "engagement": ("ENG-2026-000", False),
    "severity": ("Critical", True),
    "status": ("Pending validation", False),
    "owner": ("Anna Lambert", False),
    "due": ("2026-12-31", True),
    "repeat_of": ("OBS-000000", False),
    "recurrence": ("99", False),
}
CELL_PADDING = 10  # the delegate's text margins (3 px a side) and some air
HEADER_PADDING = 16  # the header section's padding (6 px a side, style.qss) and its border


def column_width(table: QTableView, key: str) -> int:
    """Width that shows ``key``'s widest value and its header whole, in the table's font."""
    table.ensurePolished()  # the font comes from the style sheet
    column = next(c for c in COLUMNS if c.key == key)
    sample, bold = COLUMN_SAMPLES[key]
    font = QFont(table.font())
    font.setBold(bold)
    content = QFontMetrics(font).horizontalAdvance(sample) + CELL_PADDING
    header_font = QFont(table.horizontalHeader().font())
    header_font.setWeight(QFont.Weight.DemiBold)
    header = QFontMetrics(header_font).horizontalAdvance(column.header) + HEADER_PADDING
    return max(content, header)


def delete_confirmation_text(ref: str, title: str, repeats: list[str]) -> str:
    """What the Delete confirmation says, including the fate of the repeats."""
    text = f"Delete {ref} “{title}”? This cannot be undone (the audit trail keeps its history)."
    if repeats:
        listed = ", ".join(repeats)
        text += (
            f"\n\n{len(repeats)} later finding(s) repeat it: {listed}. "
            "They are kept and lose their link to it (they become originals)."
        )
    else:
        text += "\n\nNo other finding repeats it."
    return text


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
        self._restored_choices: dict[str, int] = {}
        self.editor: ObservationEditor | None = None
        self.confirm_box: QMessageBox | None = None
        self._build()
        context.changed.connect(self._changed)
        context.tenant_changed.connect(lambda _t: self.reload())

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.reload)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search ref, title, condition…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.engagement_filter = QComboBox()
        self.engagement_filter.addItem("All engagements", None)
        self.severity_filter = QComboBox()
        self.severity_filter.addItem("Any severity", None)
        for severity in Severity:
            self.severity_filter.addItem(severity.label, severity)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", None)
        self.status_filter.addItem("Open (not resolved)", "open-any")
        for status in ObservationStatus:
            self.status_filter.addItem(status.label, status)
        self.owner_filter = QComboBox()
        self.owner_filter.addItem("Any owner", None)
        # Sized by a number of characters, not by their longest entry (a long engagement
        # code or owner name must not widen the window); the popup still shows it whole.
        for combo, characters in (
            (self.engagement_filter, FILTER_COMBO_CHARS["engagement"]),
            (self.severity_filter, FILTER_COMBO_CHARS["severity"]),
            (self.status_filter, FILTER_COMBO_CHARS["status"]),
            (self.owner_filter, FILTER_COMBO_CHARS["owner"]),
        ):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(characters)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.overdue_only = QCheckBox("Overdue only")
        self.repeats_only = QCheckBox("Repeats only")
        self.count_label = QLabel("")
        self.count_label.setStyleSheet(f"color:{theme.MUTED_TEXT};")

        # Two rows, so the view fits a 1024-pixel window: the search, the switches and the
        # count above; the choices below (each from its minimum length up to a maximum).
        search_row = QHBoxLayout()
        search_row.setContentsMargins(0, 0, 0, 0)
        search_row.addWidget(self.search, 1)
        search_row.addSpacing(6)
        search_row.addWidget(self.overdue_only)
        search_row.addWidget(self.repeats_only)
        search_row.addSpacing(12)
        search_row.addWidget(self.count_label)
        choice_row = QHBoxLayout()
        choice_row.setContentsMargins(0, 0, 0, 0)
        for combo in (self.engagement_filter, self.severity_filter, self.status_filter, self.owner_filter):
            combo.setMaximumWidth(280)
            choice_row.addWidget(combo, 1)
        choice_row.addStretch(1)
        filters = QVBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(4)
        filters.addLayout(search_row)
        filters.addLayout(choice_row)

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

        self.table = QTableView()
        self.table.setObjectName("observationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(24)
        vertical.hide()
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        self._fit_columns()
        keys = [c.key for c in COLUMNS]
        self.title_fit = TitleColumnFit(
            self.table, header, keys.index("title"), readable_title_width(self.table),
            {keys.index(k): column_width(self.table, k) for k in ("ref", "due", "repeat_of")},
        )
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sortIndicatorChanged.connect(self.model.sort)
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
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        # Tab walks the filter bar, then the table, then the history panel (Shift+Tab back).
        chain = [
            self.search, self.overdue_only, self.repeats_only, self.engagement_filter,
            self.severity_filter, self.status_filter, self.owner_filter, self.table,
            self.history.tree,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self._debounce = debounced(self, 300, self.apply_filter)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        for combo in (self.engagement_filter, self.severity_filter, self.status_filter, self.owner_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for box in (self.overdue_only, self.repeats_only):
            box.toggled.connect(lambda _on: self.apply_filter())
        self.model.count_known.connect(self._show_count)
        self.model.count_estimated.connect(self._show_estimate)
        self.model.first_page_loaded.connect(self._first_page_shown)
        self.model.failed.connect(self._show_error)
        self.model.loading_changed.connect(
            lambda busy: self.count_label.setText("Loading…") if busy else None
        )
        self._update_actions()

    def _fit_columns(self, *, only_widen: bool = False) -> None:
        """Every column wide enough for its widest value; the title takes what is left."""
        header = self.table.horizontalHeader()
        for i, column in enumerate(COLUMNS):
            if column.key == "title":
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
                continue
            width = column_width(self.table, column.key)
            if not only_widen or header.sectionSize(i) < width:
                self.table.setColumnWidth(i, width)

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
        for combo in (self.engagement_filter, self.owner_filter):
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
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
        flt = self.current_filter()
        settings.setValue("observations/filter/text", flt.text)
        settings.setValue("observations/filter/severity", self.severity_filter.currentIndex())
        settings.setValue("observations/filter/status", self.status_filter.currentIndex())
        settings.setValue("observations/filter/engagement", flt.engagement_id or 0)
        settings.setValue("observations/filter/owner", flt.owner_id or 0)
        settings.setValue("observations/filter/overdue", flt.overdue_only)
        settings.setValue("observations/filter/repeats", flt.repeats_only)

    def restore_state(self, settings: QSettings) -> None:
        header = self.table.horizontalHeader()
        state = settings.value("observations/header")
        if isinstance(state, QByteArray | bytes):
            with self.title_fit.restoring():
                header.blockSignals(True)
                header.restoreState(state)
                header.blockSignals(False)
                self._fit_columns(only_widen=True)  # a layout saved before may cut refs off
        # The rows follow the restored sort arrow (restoring it emits no signal).
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        splitter = settings.value("observations/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(splitter)
        self._restore_filters(settings)

    def _restore_filters(self, settings: QSettings) -> None:
        """The filters as they were; an engagement or owner is chosen once the lists load."""

        def number(key: str) -> int:
            try:
                return int(settings.value(f"observations/filter/{key}", 0) or 0)
            except (TypeError, ValueError):
                return 0

        def flag(key: str) -> bool:
            return str(settings.value(f"observations/filter/{key}", "false")).lower() == "true"

        widgets = (self.search, self.severity_filter, self.status_filter, self.overdue_only,
                   self.repeats_only, self.engagement_filter, self.owner_filter)
        for widget in widgets:
            widget.blockSignals(True)
        self.search.setText(str(settings.value("observations/filter/text", "") or ""))
        for combo, key in ((self.severity_filter, "severity"), (self.status_filter, "status")):
            index = number(key)
            combo.setCurrentIndex(index if 0 <= index < combo.count() else 0)
        self.overdue_only.setChecked(flag("overdue"))
        self.repeats_only.setChecked(flag("repeats"))
        for widget in widgets:
            widget.blockSignals(False)
        self._restored_choices = {"engagement": number("engagement"), "owner": number("owner")}
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
        for combo, items in ((self.engagement_filter, engagements), (self.owner_filter, users)):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value, label in items:
                combo.addItem(label, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self._lookups_loaded = True
        restored, self._restored_choices = self._restored_choices, {}
        for combo, key in ((self.engagement_filter, "engagement"), (self.owner_filter, "owner")):
            index = combo.findData(restored.get(key)) if restored.get(key) else -1
            if index > 0 and combo.currentIndex() == 0:
                combo.setCurrentIndex(index)  # applies the filter
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
        status = self.status_filter.currentData()
        if status == "open-any":
            statuses = (
                ObservationStatus.OPEN,
                ObservationStatus.IN_REMEDIATION,
                ObservationStatus.PENDING_VALIDATION,
            )
        else:
            statuses = (status,) if status else ()
        severity = self.severity_filter.currentData()
        values = {
            "engagement_id": self.engagement_filter.currentData(),
            "severities": (severity,) if severity else (),
            "statuses": statuses,
            "owner_id": self.owner_filter.currentData(),
            "overdue_only": self.overdue_only.isChecked(),
            "repeats_only": self.repeats_only.isChecked(),
            "text": self.search.text().strip(),
        }
        values.update(overrides)
        return ObservationFilter(**values)

    def apply_filter(self) -> None:
        self._debounce.stop()
        flt = self.current_filter()
        if flt != self.model.query.flt:
            self.model.set_filter(flt)

    def clear_filters(self) -> None:
        for widget in (self.engagement_filter, self.severity_filter, self.status_filter, self.owner_filter):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        for box in (self.overdue_only, self.repeats_only):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
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

    def _update_actions(self) -> None:
        has = self.selected_row() is not None
        for action in (self.edit_action, self.recurrence_action, self.delete_action, self.lineage_action):
            action.setEnabled(has)

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
        if row is None:
            return
        tenant_id = self._context.tenant_id
        self._context.worker.submit(
            lambda s: observation_service.repeats_of(s, tenant_id, row.id),
            lambda repeats: self._confirm_delete(row, repeats),
            self._show_error,
            owner=self,
        )

    def _confirm_delete(self, row: ObservationRow, repeats: list[str]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"Delete {row.ref}",
            delete_confirmation_text(row.ref, row.title, repeats),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_box = box
        box.finished.connect(
            lambda result: self._delete(row)
            if result == QMessageBox.StandardButton.Yes
            else None
        )
        box.open()

    def _delete(self, row: ObservationRow) -> None:
        actor = self._context.actor

        def done(deleted) -> None:
            message = f"Deleted {deleted.ref}."
            if deleted.detached_repeats:
                message += f" {', '.join(deleted.detached_repeats)} kept, no longer linked."
            self._context.status_message.emit(message)

        self._context.worker.submit(
            lambda s: observation_service.delete(s, actor, row.id), done, self._show_error, owner=self
        )
