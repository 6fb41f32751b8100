"""File → Import findings…: the mapping preview, the problem list, and the import itself.

Every read and the write run on the runner's database threads (docs/architecture.md,
"Threading rule"): the preview is ``services.importing.plan``; *Import* is
``services.importing.apply`` in one transaction, reporting progress through a signal
and stopping at *Cancel* by raising inside the job, which rolls everything back. A
mapping the user changed is kept in QSettings under the file's headers and reused for
the next file with the same headers.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.importing.fields import FIELD_NAMES, label, normalise
from auditdesk.domain.importing.values import DayOrder
from auditdesk.services import importing
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext

PREVIEW_COLUMNS = ("Ref", "Title", "Severity", "Status", "Identified", "Due", "Engagement", "Owner",
                   "Repeat of")
ACTION_LABELS = {"create": "New", "update": "Update", "unchanged": "Unchanged", "rejected": "Rejected"}


class _Relay(QObject):
    progress = Signal(int, int)  # done, expected (0: unknown)


def mapping_key(headers) -> str:
    """The QSettings key of a saved mapping: the file's headers, normalised."""
    digest = hashlib.sha1("\x1f".join(normalise(h or "") for h in headers).encode()).hexdigest()
    return f"import/mappings/{digest[:16]}"


class ImportDialog(QDialog):
    """Preview and import one file; ``imported`` carries the result after a write."""

    imported = Signal(object)

    def __init__(self, context: AppContext, path: Path, settings: QSettings | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.path = Path(path)
        self.settings = settings if settings is not None else QSettings()
        self.plan: importing.ImportPlan | None = None
        self.result: importing.ImportResult | None = None
        self.choices: dict[str, str] = {}
        self._saved_tried = False
        self.busy = False  # an import is running
        self._cancel = threading.Event()
        self._relay = _Relay(self)
        self._relay.progress.connect(self._show_progress)
        self.setObjectName("importDialog")
        self.setWindowTitle(f"Import findings — {self.path.name}")
        self.resize(1100, 680)
        self._build()
        self.refresh()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_label = QLabel(self.path.name, self)
        self.day_order = QComboBox(self)
        self.day_order.setObjectName("dayOrder")
        self.day_order.addItem("Detect from the file", None)
        self.day_order.addItem("Day first (31/12/2026)", DayOrder.DAY_FIRST)
        self.day_order.addItem("Month first (12/31/2026)", DayOrder.MONTH_FIRST)
        self.day_order.currentIndexChanged.connect(lambda _i: self.refresh())
        self.create_engagements = QCheckBox("Create missing engagements", self)
        self.create_engagements.toggled.connect(lambda _on: self.refresh())
        self.valid_only = QCheckBox("Import only the valid rows", self)
        self.valid_only.setObjectName("validOnly")
        self.valid_only.toggled.connect(lambda _on: self.refresh())
        options = QHBoxLayout()
        options.addWidget(QLabel("Dates like 03/04/2026:", self))
        options.addWidget(self.day_order)
        options.addSpacing(16)
        options.addWidget(self.create_engagements)
        options.addWidget(self.valid_only)
        options.addStretch(1)

        self.columns = QTableWidget(0, 2, self)
        self.columns.setObjectName("columnMapping")
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Imported as"])
        self.columns.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.columns.verticalHeader().hide()
        self.preview = self._table("previewRows", ["Row", "Action", *PREVIEW_COLUMNS])
        self.problems = self._table("problemList", ["Row", "Column", "Problem"])
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.preview, "First rows as they will be stored")
        self.tabs.addTab(self.problems, "Problems")
        body = QHBoxLayout()
        body.addWidget(self.columns, 1)
        body.addWidget(self.tabs, 3)

        self.summary = QLabel("Reading the file…", self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.import_button = QPushButton("Import", self)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.source_label)
        layout.addLayout(options)
        layout.addLayout(body, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        return table

    # -- preview ---------------------------------------------------------------------------
    def options(self) -> importing.ImportOptions:
        order = self.day_order.currentData()  # Qt hands the enum back as its string
        return importing.ImportOptions(
            mapping=dict(self.choices), day_order=DayOrder(order) if order else None,
            create_engagements=self.create_engagements.isChecked(),
            valid_rows_only=self.valid_only.isChecked(),
        )

    def refresh(self) -> None:
        """Plan again with the current choices (off the GUI thread)."""
        if self.context.tenant is None or self.context.database is None:
            return
        actor, path, options = self.context.actor, self.path, self.options()
        self.import_button.setEnabled(False)
        self.summary.setText("Reading the file…")
        self.context.worker.submit(
            lambda session: importing.plan(session, actor, path, options),
            self._planned, self._failed, owner=self, key="import-plan",
        )

    def _planned(self, plan: importing.ImportPlan) -> None:
        if plan.mapping is not None and not self._saved_tried and not self.choices:
            self._saved_tried = True
            saved = self.settings.value(mapping_key(plan.mapping.headers))
            if isinstance(saved, str) and saved:
                self.choices = json.loads(saved)
                self.refresh()
                return
        self.plan = plan
        self.source_label.setText(f"{plan.file_name} — {plan.detail}" if plan.detail else plan.file_name)
        self._show_columns(plan)
        self._show_preview(plan)
        self._show_problems(plan)
        self.summary.setText(self.summary_text(plan))
        self.import_button.setEnabled(
            plan.can_write and (not plan.problems or self.valid_only.isChecked())
        )

    def summary_text(self, plan: importing.ImportPlan) -> str:
        if plan.file_problems:
            return "Nothing can be imported: " + " ".join(p.message for p in plan.file_problems)
        text = (f"{plan.rows_read:,} rows read: {plan.created:,} new, {plan.updated:,} to update, "
                f"{plan.unchanged:,} unchanged, {plan.rejected_rows:,} rejected.")
        if plan.new_engagements:
            text += f" Engagements to create: {', '.join(plan.new_engagements)}."
        if plan.day_order_detected and plan.day_order is not None:
            text += f" Dates read {plan.day_order.value} (detected)."
        if plan.needs_day_order:
            text += " Choose how to read dates like 03/04/2026."
        if plan.problems and not self.valid_only.isChecked():
            text += " Nothing is written while a row has a problem; fix the file or import only the valid rows."
        return text

    def _show_columns(self, plan: importing.ImportPlan) -> None:
        mapping = plan.mapping
        self.columns.setRowCount(0)
        if mapping is None:
            return
        headers = [h for h in mapping.headers if h]
        self.columns.setRowCount(len(headers))
        by_header = {mapping.headers[i]: f for i, f in mapping.fields.items()}
        for row, header in enumerate(headers):
            self.columns.setItem(row, 0, QTableWidgetItem(header))
            combo = QComboBox(self.columns)
            combo.addItem("(not imported)", "")
            for name in FIELD_NAMES:
                combo.addItem(label(name), name)
            combo.setCurrentIndex(max(combo.findData(by_header.get(header, "")), 0))
            combo.currentIndexChanged.connect(
                lambda _i, h=header, c=combo: self.choose(h, c.currentData()))
            self.columns.setCellWidget(row, 1, combo)

    def choose(self, header: str, field_name: str) -> None:
        self.choices[header] = field_name
        if self.plan is not None and self.plan.mapping is not None:
            self.settings.setValue(mapping_key(self.plan.mapping.headers), json.dumps(self.choices))
        self.refresh()

    def _show_preview(self, plan: importing.ImportPlan) -> None:
        self.preview.setRowCount(len(plan.preview))
        for row, item in enumerate(plan.preview):
            cells = [str(item.number), ACTION_LABELS[item.action],
                     *(item.values.get(c, "") for c in PREVIEW_COLUMNS)]
            for column, value in enumerate(cells):
                self.preview.setItem(row, column, QTableWidgetItem(value))
        self.preview.resizeColumnsToContents()

    def _show_problems(self, plan: importing.ImportPlan) -> None:
        self.problems.setRowCount(len(plan.problems))
        for row, problem in enumerate(plan.problems):
            cells = [str(problem.row) if problem.row else "File", problem.column, problem.message]
            for column, value in enumerate(cells):
                self.problems.setItem(row, column, QTableWidgetItem(value))
        self.problems.resizeColumnToContents(0)
        self.problems.resizeColumnToContents(1)
        self.tabs.setTabText(1, f"Problems ({len(plan.problems)})" if plan.problems else "Problems")
        if plan.problems and not plan.preview:
            self.tabs.setCurrentIndex(1)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.progress.setVisible(False)
        self.import_button.setEnabled(self.plan is not None and self.plan.can_write)
        self.cancel_button.setText("Close")
        self.summary.setText(user_message(error))

    # -- import ----------------------------------------------------------------------------
    def start_import(self) -> None:
        actor, path, options = self.context.actor, self.path, self.options()
        errors_to = self.path.with_name(f"{self.path.stem}-rejected.xlsx")
        cancel, relay = self._cancel, self._relay
        cancel.clear()

        def progress(done: int, expected: int | None) -> None:
            if cancel.is_set():
                raise importing.ImportCancelled()
            relay.progress.emit(done, expected or 0)

        def job(session):
            return importing.apply(session, actor, path, options, progress, errors_to=errors_to)

        self.busy = True
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.summary.setText("Importing…")
        self.context.worker.submit(job, self._imported, self._failed, owner=self, key="import-apply")

    def _show_progress(self, done: int, expected: int) -> None:
        if expected:
            self.progress.setRange(0, expected)
            self.progress.setValue(min(done, expected))

    def cancel(self) -> None:
        """While importing: stop, and the transaction writes nothing. Else close."""
        if self.busy:
            self._cancel.set()
            self.summary.setText("Cancelling; nothing will be written…")
        else:
            self.reject()

    def _imported(self, result: importing.ImportResult) -> None:
        self.result = result
        self.busy = False
        self.progress.setVisible(False)
        plan = result.plan
        text = f"Imported: {plan.created:,} new, {plan.updated:,} updated, {plan.unchanged:,} unchanged."
        if result.error_file is not None:
            text += f" The {plan.rejected_rows:,} rejected rows are in {result.error_file}."
        self.summary.setText(text if result.written else self.summary_text(plan))
        self.cancel_button.setText("Close")
        if result.written:
            self.imported.emit(result)
