"""The tenant-wide audit trail: filter by table, user and date range; page through it.

Each row says when, who (the user's name, or the database login), which table and
row, the action and the fields changed; selecting a row shows each field from → to.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.audit import AuditFilter
from auditdesk.domain.changes import Table
from auditdesk.domain.errors import AuditDeskError
from auditdesk.services import audit_trail as audit_service
from auditdesk.services.audit_trail import AuditPage
from auditdesk.ui import theme
from auditdesk.ui.audit_format import (
    action_label,
    cell_text,
    field_label,
    field_value,
    table_label,
    tooltip_text,
)
from auditdesk.ui.context import AppContext
from auditdesk.ui.models.audit import HEADERS, AuditTableModel, entry_summary
from auditdesk.ui.views._common import TitleColumnFit, restore_header, restore_splitter, text_width
from auditdesk.ui.views.base import focus_field
from auditdesk.ui.widgets import ErrorBanner, refill_choices

PAGE_SIZE = 100
FILTER_COMBO_CHARS = 14


class AuditTrailView(QWidget):
    """Every recorded change of the tenant, newest first, a page at a time."""

    title = "Audit trail"
    shows = tuple(Table)  # every write leaves a row in the audit trail
    page_shown = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.model = AuditTableModel(self)
        self.offset = 0
        self.total: int | None = None
        #: field -> {stored id: code, ref or name} for the ids on the shown page
        self.names: dict[str, dict[int, str]] = {}
        self._build()
        context.tenant_changed.connect(lambda _t: self.reload())
        # every write leaves an audit row, whatever table it changed
        context.changed.connect(lambda _changes: self._refresh_if_first_page())

    def _build(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.reload)
        self.table_filter = QComboBox()
        self.table_filter.addItem("All tables", None)
        self.user_filter = QComboBox()
        self.user_filter.addItem("All users", None)
        self.use_dates = QCheckBox("From")
        today = self._context.today()  # the days of the filter are on the tenant's clock
        self.date_from = QDateEdit(QDate(today.year, today.month, today.day).addDays(-30))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        # Sized by characters, not by their longest entry: a long user name must not
        # widen the window (the popup still shows it whole).
        for combo in (self.table_filter, self.user_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(FILTER_COMBO_CHARS)
        self.use_dates.toggled.connect(self.date_from.setEnabled)
        self.use_dates.toggled.connect(self.date_to.setEnabled)
        self.previous_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.range_label = QLabel("")
        self.range_label.setStyleSheet(f"color:{theme.MUTED_TEXT};")

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Table:"))
        filters.addWidget(self.table_filter)
        filters.addWidget(QLabel("User:"))
        filters.addWidget(self.user_filter)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.date_to)
        filters.addStretch(1)
        # Paging sits under the table, so the filter row fits a 1280-pixel window.
        paging = QHBoxLayout()
        paging.addStretch(1)
        paging.addWidget(self.range_label)
        paging.addWidget(self.previous_button)
        paging.addWidget(self.next_button)

        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        table = self.table
        for column, sample in enumerate(
            ("2026-12-31 23:59:59", "Maria Manager", "Engagement team", "OBS-000000", "Changed")
        ):
            table.setColumnWidth(column, text_width(table, sample, padding=18))
        # "Changed fields" takes the free width; the others give way before its header is cut.
        changed = len(HEADERS) - 1
        self.changed_fit = TitleColumnFit(
            table, header, changed,
            header.fontMetrics().horizontalAdvance(HEADERS[changed]) + 40,
            {0: text_width(table, "2026-12-31 23:59", padding=18), 3: text_width(table, "OBS-000000")},
        )
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

        self.details_heading = QLabel("Select a change to see each field from → to.")
        self.details_heading.setWordWrap(True)
        self.details = QTableWidget(0, 3)
        self.details.setHorizontalHeaderLabels(["Field", "From", "To"])
        self.details.verticalHeader().hide()
        self.details.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.details.setTabKeyNavigation(False)
        self.details.setWordWrap(False)
        self.details.setTextElideMode(Qt.TextElideMode.ElideRight)
        details_header = self.details.horizontalHeader()
        details_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        details_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        details_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        side_layout.addWidget(self.details_heading)
        side_layout.addWidget(self.details, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([700, 420])

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(paging)

        for combo in (self.table_filter, self.user_filter):
            combo.currentIndexChanged.connect(lambda _i: self.first_page())
        self.use_dates.toggled.connect(lambda _on: self.first_page())
        self.date_from.dateChanged.connect(lambda _d: self._dates_changed())
        self.date_to.dateChanged.connect(lambda _d: self._dates_changed())
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self._update_buttons()

    # -- contract ------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._context.tenant is None or self._context.database is None:
            return
        self.banner.hide()
        self._load_lookups()
        self._load_page()

    def has_data(self) -> bool:
        return self.model.rowCount() > 0

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Opening the view shows current data: the CLI, scheduled jobs and other clients
        write to the audit trail without telling this window (the first open is the main
        window's, which loads a view that has no data)."""
        super().showEvent(event)
        if not event.spontaneous() and self.has_data():
            self.reload()

    def navigate(self, payload: dict) -> None:
        if "table" in payload:
            index = self.table_filter.findData(payload["table"])
            if index >= 0:
                self.table_filter.setCurrentIndex(index)
        self.reload()

    def focus_search(self) -> None:
        focus_field(None, self)

    def new_item(self) -> None:
        """The audit trail is written by the database, never by hand."""

    def selected_id(self) -> int | None:
        entry = self.model.entry(self.table.currentIndex().row())
        return entry.id if entry is not None else None

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("audit/header", self.table.horizontalHeader().saveState())
        settings.setValue("audit/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        restore_header(settings, "audit/header", self.table.horizontalHeader())
        restore_splitter(settings, "audit/splitter", self.splitter)

    # -- filters and paging ---------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        user = self.user_filter.currentData()
        date_from = date_to = None
        if self.use_dates.isChecked():
            d1, d2 = self.date_from.date(), self.date_to.date()
            date_from = date(d1.year(), d1.month(), d1.day())
            date_to = date(d2.year(), d2.month(), d2.day())
        return AuditFilter(
            table_name=self.table_filter.currentData(),
            app_user_id=int(user[5:]) if user and user.startswith("user:") else None,
            db_login=user[6:] if user and user.startswith("login:") else None,
            date_from=date_from,
            date_to=date_to,
        )

    def _dates_changed(self) -> None:
        if self.use_dates.isChecked():
            self.first_page()

    def first_page(self) -> None:
        self.offset = 0
        self._load_page()

    def next_page(self) -> None:
        if self.total is not None and self.offset + PAGE_SIZE < self.total:
            self.offset += PAGE_SIZE
            self._load_page()

    def previous_page(self) -> None:
        if self.offset > 0:
            self.offset = max(self.offset - PAGE_SIZE, 0)
            self._load_page()

    def _refresh_if_first_page(self) -> None:
        if self.offset == 0 and self._context.tenant is not None and self.isVisible():
            self._load_page()

    def _load_lookups(self) -> None:
        tenant_id = self._context.tenant_id

        def job(session):
            return audit_service.filter_choices(session, tenant_id)

        self._context.worker.submit(job, self._lookups_arrived, key=f"audit-lookups-{id(self)}", owner=self)

    def _lookups_arrived(self, result) -> None:
        tables, users = result
        for combo, items in (
            (self.table_filter, [(t, table_label(t)) for t in tables]),
            (
                self.user_filter,
                [(f"user:{u.id}", u.display_name) for u in users]
                + [(f"login:{u.db_login}", f"login {u.db_login}") for u in users if u.db_login],
            ),
        ):
            refill_choices(combo, items)

    def _load_page(self) -> None:
        if self._context.tenant is None:
            return
        tenant_id, flt, offset = self._context.tenant_id, self.current_filter(), self.offset

        def job(session):
            return audit_service.page(session, tenant_id, flt, offset=offset, limit=PAGE_SIZE)

        self.range_label.setText("Loading…")
        self._context.worker.submit(
            job, self._page_arrived, self._show_error, key=f"audit-page-{id(self)}", owner=self
        )

    def _page_arrived(self, result: AuditPage) -> None:
        entries, total, names = result.entries, result.total, result.labels
        self.total = total
        self.names = names
        if entries == [] and self.offset > 0 and total > 0:
            self.offset = max(((total - 1) // PAGE_SIZE) * PAGE_SIZE, 0)
            self._load_page()
            return
        self.model.set_entries(entries)
        if total:
            self.range_label.setText(
                f"rows {self.offset + 1:,}–{self.offset + len(entries):,} of {total:,}"
            )
        else:
            self.range_label.setText("no changes recorded")
        self._update_buttons()
        if entries:
            self.table.selectRow(0)
        else:
            self._show_details(QModelIndex(), QModelIndex())
        self.page_shown.emit()

    def _update_buttons(self) -> None:
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.total is not None and self.offset + PAGE_SIZE < self.total)

    def _show_error(self, error: BaseException) -> None:
        """A refusal of this view's own request shows here; a database failure goes to
        the one error display (which also notices a lost connection)."""
        if isinstance(error, AuditDeskError):
            self.banner.show_message(str(error))
        else:
            self._context.show_error(error)

    # -- details ---------------------------------------------------------------------------------
    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current.row()) if current.isValid() else None
        if entry is None:
            self.details_heading.setText("Select a change to see each field from → to.")
            self.details.setRowCount(0)
            return
        who = entry.user_name or entry.db_login or "unknown"
        self.details_heading.setText(
            f"{entry_summary(entry)}\n{action_label(entry.action)} by {who} at "
            f"{entry.changed_at.astimezone():%Y-%m-%d %H:%M:%S}"
        )
        self.details.setRowCount(len(entry.changes))
        for i, change in enumerate(entry.changes):
            label = QTableWidgetItem(field_label(change.field))
            label.setToolTip(field_label(change.field))
            self.details.setItem(i, 0, label)
            for j, value in enumerate((change.old, change.new), start=1):
                text = field_value(change.field, value, self.names)
                item = QTableWidgetItem(cell_text(text))
                item.setToolTip(tooltip_text(text))
                self.details.setItem(i, j, item)
