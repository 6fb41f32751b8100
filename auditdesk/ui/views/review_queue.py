"""The repeat review queue: pending repeat suggestions for managers (docs/architecture.md).

Left: pending suggestions, largest score first, filtered by auditee and minimum score.
Right: the two findings side by side — title, condition, cause, dates, engagement,
status — with the reasons of the score. Accept (A) links the pair through the same use
case as any link, Reject (R) remembers the refusal, Skip (S or ↓) moves on; the next
suggestion is chosen after each decision. Auditors see the queue but cannot decide.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.queries import SuggestionFilter
from auditdesk.services import repeats
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.widgets import ErrorBanner

ALL_AUDITEES = "All auditees"
COLUMNS = ("Score", "Finding", "May repeat", "Auditee")


def _side_html(heading: str, side: repeats.ReviewSide) -> str:
    closed = f" · closed {side.closed_at:%Y-%m-%d}" if side.closed_at else ""
    rows = [
        ("Identified", f"{side.identified_on:%Y-%m-%d}{closed}"),
        ("Engagement", f"{side.engagement_code or '—'} · {side.auditee or 'no auditee'}"),
        ("Status", f"{side.status.replace('_', ' ').capitalize()} · {side.severity} severity"),
    ]
    table = "".join(
        f"<tr><td style='color:{theme.MUTED_TEXT}; padding-right:8px'>{escape(k)}</td>"
        f"<td>{escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<p style='color:{theme.MUTED_TEXT}; margin:0'>{escape(heading)}</p>"
        f"<h3 style='margin:2px 0 6px 0'>{escape(side.ref)} — {escape(side.title)}</h3>"
        f"<table>{table}</table>"
        f"<p><b>Condition</b><br>{escape(side.condition) or '<i>none</i>'}</p>"
        f"<p><b>Cause</b><br>{escape(side.cause) or '<i>none</i>'}</p>"
    )


class ReviewQueueView(QWidget):
    """Pending repeat suggestions, decided by keyboard."""

    title = "Repeat review"
    shows = (Table.REPEAT_SUGGESTION,)
    queue_loaded = Signal(int)
    decided = Signal(str)  # "accepted" | "rejected"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.items: list[repeats.ReviewItem] = []
        self._build()
        context.changed.connect(self._changed)
        context.tenant_changed.connect(lambda _t: self.reload())

    def _build(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.reload)
        self.auditee = QComboBox()
        self.auditee.addItem(ALL_AUDITEES, None)
        self.auditee.setMinimumContentsLength(14)
        self.min_score = QDoubleSpinBox()
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setDecimals(2)
        self.min_score.setPrefix("score ≥ ")
        self.count_label = QLabel()
        self.count_label.setStyleSheet(f"color:{theme.MUTED_TEXT};")
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Auditee:"))
        filters.addWidget(self.auditee)
        filters.addWidget(self.min_score)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("reviewQueue")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the finding's title gives way so that the candidate and auditee stay visible
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setMinimumWidth(320)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))

        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setStyleSheet("background:#fff3c4; padding:6px; border-radius:3px;")
        self.reasons.setMinimumWidth(200)
        self.later = QTextBrowser()
        self.later.setObjectName("reviewLater")
        self.earlier = QTextBrowser()
        self.earlier.setObjectName("reviewEarlier")
        for browser in (self.later, self.earlier):
            browser.setMinimumWidth(160)
        self.accept_button = QPushButton("Accept: link (A)")
        self.reject_button = QPushButton("Reject (R)")
        self.skip_button = QPushButton("Skip (S)")
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.skip_button.clicked.connect(self.skip)
        self.who_may = QLabel("Only managers and admins decide; you can review the queue.")
        self.who_may.setStyleSheet(f"color:{theme.MUTED_TEXT};")
        self.who_may.setWordWrap(True)  # beside the buttons it must not widen the window
        buttons = QHBoxLayout()
        buttons.addWidget(self.who_may, 1)
        for button in (self.skip_button, self.reject_button, self.accept_button):
            buttons.addWidget(button)

        detail = QWidget()
        grid = QGridLayout(detail)
        grid.setContentsMargins(6, 0, 0, 0)
        grid.addWidget(self.reasons, 0, 0, 1, 2)
        grid.addWidget(self.later, 1, 0)
        grid.addWidget(self.earlier, 1, 1)
        grid.addLayout(buttons, 2, 0, 1, 2)
        grid.setRowStretch(1, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        self.splitter.addWidget(left)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        for key, action in (("A", self.accept_current), ("R", self.reject_current),
                            ("S", self.skip)):
            QShortcut(QKeySequence(key), self, activated=action,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.auditee.currentIndexChanged.connect(lambda _i: self.reload())
        self.min_score.valueChanged.connect(lambda _v: self.reload())
        self._show(-1)

    # -- the view contract ----------------------------------------------------------------
    def current_filter(self) -> SuggestionFilter:
        """The pending suggestions the queue lists (without its 200-row cap), for export."""
        return SuggestionFilter(auditee=self.auditee.currentData(), min_score=self.min_score.value())

    def reload(self) -> None:
        if self._context.tenant is None or self._context.database is None:
            return
        self.banner.hide()
        tenant_id = self._context.tenant_id
        auditee, min_score = self.auditee.currentData(), self.min_score.value()

        def job(session):
            return (repeats.review_queue(session, tenant_id, auditee=auditee, min_score=min_score),
                    repeats.queue_auditees(session, tenant_id))

        self._context.worker.submit(job, self._loaded, self._failed, owner=self,
                                    key=f"review-queue-{id(self)}")

    def has_data(self) -> bool:
        return bool(self.items)

    def navigate(self, payload: dict) -> None:
        self.reload()

    def focus_search(self) -> None:
        self.auditee.setFocus()

    def new_item(self) -> None:
        pass  # suggestions come from detection, not by hand

    def selected_id(self) -> int | None:
        item = self.current_item()
        return item.id if item else None

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("review/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("review/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    # -- showing ---------------------------------------------------------------------------
    def _loaded(self, result) -> None:
        items, auditees = result
        current = self.auditee.currentData()
        self.auditee.blockSignals(True)
        self.auditee.clear()
        self.auditee.addItem(ALL_AUDITEES, None)
        for name in auditees:
            self.auditee.addItem(name, name)
        self.auditee.setCurrentIndex(max(self.auditee.findData(current), 0))
        self.auditee.blockSignals(False)
        keep = self.current_item().id if self.current_item() else None
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            cells = (f"{item.score:.2f}", f"{item.later.ref}  {item.later.title}",
                     item.earlier.ref, item.later.auditee or item.earlier.auditee or "—")
            for column, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                cell.setToolTip(f"{item.later.ref} may repeat {item.earlier.ref}")
                self.table.setItem(row, column, cell)
        self.count_label.setText(f"{len(items)} pending" if items else "Nothing pending")
        rows = [i for i, item in enumerate(items) if item.id == keep]
        if items:
            self.table.setCurrentCell(rows[0] if rows else 0, 0)
        self._show(self.table.currentRow() if items else -1)
        self.queue_loaded.emit(len(items))

    def current_item(self) -> repeats.ReviewItem | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _show(self, row: int) -> None:
        item = self.items[row] if 0 <= row < len(self.items) else None
        may = self._context.may_manage
        for button in (self.accept_button, self.reject_button):
            button.setEnabled(item is not None and may)
        self.skip_button.setEnabled(item is not None)
        self.who_may.setVisible(not may)
        if item is None:
            self.reasons.setText("No pending repeat suggestions. Run detection from the "
                                 "command line (auditdesk lineage detect) to find some.")
            self.later.clear()
            self.earlier.clear()
            return
        self.reasons.setText(
            f"<b>{escape(item.later.ref)} may repeat {escape(item.earlier.ref)}</b> — score "
            f"{item.score:.2f}: {escape('; '.join(item.reasons))}"
        )
        self.later.setHtml(_side_html("The later finding", item.later))
        self.earlier.setHtml(_side_html("May repeat this earlier finding", item.earlier))

    # -- deciding --------------------------------------------------------------------------
    def accept_current(self) -> None:
        self._decide(True)

    def reject_current(self) -> None:
        self._decide(False)

    def skip(self) -> None:
        row = self.table.currentRow()
        if row + 1 < len(self.items):
            self.table.setCurrentCell(row + 1, 0)

    def _decide(self, accept: bool) -> None:
        item = self.current_item()
        if item is None or not self._context.may_manage:
            return
        actor = self._context.actor
        later, earlier = item.later.id, item.earlier.id
        row = self.table.currentRow()

        def job(session):
            return repeats.decide_pair(session, actor, later, earlier, accept=accept)

        def done(decided) -> None:
            self.decided.emit(decided.status)
            self.items = [i for i in self.items if i.id != item.id]
            self.table.removeRow(row)
            if self.items:
                self.table.setCurrentCell(min(row, len(self.items) - 1), 0)
            self._show(self.table.currentRow() if self.items else -1)
            self.count_label.setText(f"{len(self.items)} pending" if self.items else "Nothing pending")

        self._context.worker.submit(job, done, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, AuditDeskError):
            self.banner.show_message(str(error))
        else:
            self._context.show_error(error)

    def _changed(self, changes: Changes) -> None:
        if changes.touches(Table.REPEAT_SUGGESTION) and not changes.ids(Table.REPEAT_SUGGESTION):
            self.reload()  # a detection run (the whole table) — not our own decisions
