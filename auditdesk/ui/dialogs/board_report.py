"""Reports → Board report…: choose the period, page size, format and file; generate with
progress; preview the result.

The queries run on the AppContext runner (never on the GUI thread). The trend charts
are then drawn on the GUI thread by the dashboard's own chart code
(``auditdesk.ui.charts.render_chart_png``: Qt widgets live on the GUI thread), and the
file is written by a ``run()`` job (no database thread), which also renders page 1 of a PDF to an image
with ``pdftoppm`` when it is installed. The preview shows that image, and the report's
sections as an HTML summary.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.errors import ValidationError
from auditdesk.domain.reports import ReportPeriod
from auditdesk.services import report as board_report
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.save_dialog import remember_folder, suggested_path


class _ProgressRelay(QObject):
    """Emitted from a worker thread, delivered queued on the GUI thread."""

    progress = Signal(int, str)


def _render_page_one(pdf: Path, folder: Path) -> Path | None:
    """Page 1 of ``pdf`` as a PNG (pdftoppm), or None when poppler is not installed."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    prefix = folder / "page1"
    done = subprocess.run(
        [tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
        capture_output=True,
        timeout=120,
    )
    png = prefix.with_suffix(".png")
    return png if done.returncode == 0 and png.exists() else None


class BoardReportDialog(QDialog):
    """The board report dialog; ``generated`` carries the written path."""

    generated = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None,
                 settings: QSettings | None = None):
        super().__init__(parent)
        self.context = context
        self.settings = settings  # where the last file went (None: the application's)
        self.setWindowTitle("Board report")
        self.setObjectName("boardReportDialog")
        self.resize(900, 720)
        self._folder = Path(tempfile.mkdtemp(prefix="auditdesk-board-"))
        self._relay = _ProgressRelay(self)
        self._relay.progress.connect(self._show_progress)
        self.report: board_report.BoardReport | None = None
        self.preview_png: Path | None = None
        self.output: Path | None = None

        today = context.today()
        self.from_check = QCheckBox("From", self)
        self.from_date = QDateEdit(QDate(today.year - 1, today.month, 1), self)
        self.to_check = QCheckBox("To", self)
        self.to_date = QDateEdit(QDate(today.year, today.month, today.day), self)
        for check, edit in ((self.from_check, self.from_date), (self.to_check, self.to_date)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
        period = QHBoxLayout()
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            period.addWidget(widget)
        period.addStretch(1)

        self.page_size = QComboBox(self)
        self.page_size.addItem("A4", "a4")
        self.page_size.addItem("Letter", "letter")
        self.format = QComboBox(self)
        self.format.addItem("PDF (.pdf)", ".pdf")
        self.format.addItem("Excel workbook (.xlsx)", ".xlsx")
        self.format.currentIndexChanged.connect(self._format_changed)

        # the last folder saved into, else the documents folder (created when missing)
        slug = context.tenant.slug if context.tenant else "report"
        name = f"board-report-{slug}-{today:%Y-%m-%d}.pdf"
        self.path = QLineEdit(str(suggested_path(name, settings)), self)
        self.path.setObjectName("outputPath")
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self.choose_path)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)

        form = QFormLayout()
        form.addRow("Period (identified)", period)
        form.addRow("Page size", self.page_size)
        form.addRow("Format", self.format)
        form.addRow("Save as", path_row)
        hint = QLabel(
            "The period selects findings by the day they were identified; statuses, ages and "
            "overdue days are as of today.",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5b6775")

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)

        self.summary = QTextBrowser(self)
        self.summary.setObjectName("reportSummary")
        self.summary.setHtml("<p>Choose the options and press <b>Generate</b>.</p>")
        self.page_image = QLabel("Page 1 appears here after a PDF is generated.", self)
        self.page_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.page_image)
        scroll.setWidgetResizable(True)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(scroll, "Page 1")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.generate_button = self.buttons.addButton(
            "Generate", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)

    # -- options ------------------------------------------------------------------------
    def _format_changed(self, _index: int) -> None:
        suffix = self.format.currentData()
        current = Path(self.path.text().strip() or "board-report.pdf")
        self.path.setText(str(current.with_suffix(suffix)))
        self.page_size.setEnabled(suffix == ".pdf")

    def choose_path(self) -> None:
        current = Path(self.path.text().strip() or "board-report.pdf").expanduser()
        start = current if current.parent.is_dir() else suggested_path(current.name, self.settings)
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            "Save board report",
            str(start),
            "PDF (*.pdf);;Excel workbook (*.xlsx)",
            "Excel workbook (*.xlsx)" if self.format.currentData() == ".xlsx" else "PDF (*.pdf)",
        )
        if chosen:
            self.set_path(chosen)

    def set_path(self, path: str | Path) -> None:
        self.path.setText(str(path))
        suffix = Path(path).suffix.lower()
        index = self.format.findData(suffix)
        if index >= 0:
            self.format.blockSignals(True)
            self.format.setCurrentIndex(index)
            self.format.blockSignals(False)
            self.page_size.setEnabled(suffix == ".pdf")

    def period(self) -> ReportPeriod:
        start = self.from_date.date().toPython() if self.from_check.isChecked() else None
        end = self.to_date.date().toPython() if self.to_check.isChecked() else None
        return ReportPeriod(start, end)

    def set_period(self, start: date | None, end: date | None) -> None:
        self.from_check.setChecked(start is not None)
        self.to_check.setChecked(end is not None)
        if start is not None:
            self.from_date.setDate(QDate(start.year, start.month, start.day))
        if end is not None:
            self.to_date.setDate(QDate(end.year, end.month, end.day))

    # -- generating ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return not self.generate_button.isEnabled()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.generate_button, self.browse, self.path, self.format, self.page_size):
            widget.setEnabled(not busy)
        if not busy:
            self.page_size.setEnabled(self.format.currentData() == ".pdf")

    def _show_progress(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        self.status.setText(message)

    def _fail(self, error: BaseException) -> None:
        self._set_busy(False)
        self.progress.setValue(0)
        if isinstance(error, ValidationError):
            text = "; ".join(error.problems.values())
        else:
            text = user_message(error)
        self.status.setText(f"<span style='color:#b3261e'>Could not write the report: {text}</span>")

    def generate(self) -> None:
        """Collect on the worker, draw the charts here, write on the worker."""
        if self.busy or self.context.tenant is None:
            return
        period = self.period()
        page_size = self.page_size.currentData()
        try:
            if period.start and period.end and period.end < period.start:
                raise ValidationError({"to": "the end of the period is before its start"})
            target = board_report.check_writable(self.path.text().strip())
        except ValidationError as error:
            self._fail(error)
            return
        self._set_busy(True)
        self.preview_png = None
        self._show_progress(1, "Reading the findings")
        tenant, actor, relay = self.context.tenant, self.context.actor, self._relay

        def collect(session):
            return board_report.collect(
                session, tenant, period, actor=actor, progress=relay.progress.emit,
                rows=board_report.rows_for(target),
            )

        def collected(report: board_report.BoardReport) -> None:
            self._show_progress(32, "Drawing the charts")
            try:
                from auditdesk.ui.charts import render_chart_png

                report = board_report.render_charts(report, render_chart_png, self._folder)
            except Exception as error:  # noqa: BLE001 - a report without charts still helps
                report = board_report.with_chart_note(report, f"Charts could not be drawn: {user_message(error)}")
            self.report = report
            self.summary.setHtml(board_report.summary_html(report))
            folder = self._folder

            def write():
                written = board_report.write_report(
                    report, target, page_size=page_size, progress=relay.progress.emit
                )
                png = _render_page_one(written, folder) if written.suffix == ".pdf" else None
                return written, png

            self.context.worker.run(write, self._written, self._fail, key="board-report-write", owner=self)

        self.context.worker.submit(collect, collected, self._fail, key="board-report", owner=self)

    def _written(self, result: tuple[Path, Path | None]) -> None:
        written, png = result
        self.output = written
        remember_folder(written, self.settings)
        self.preview_png = png
        self._set_busy(False)
        self.progress.setValue(100)
        self.status.setText(f"Wrote {written}")
        if png is not None:
            pixmap = QPixmap(str(png))
            self.page_image.setPixmap(pixmap)
            self.tabs.setCurrentIndex(1)
        elif written.suffix == ".pdf":
            self.page_image.setText("Install poppler-utils (pdftoppm) to preview page 1 here.")
        else:
            self.page_image.setText("Page preview is for PDF reports; the workbook was written.")
        self.generated.emit(str(written))

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        if not self.busy:
            shutil.rmtree(self._folder, ignore_errors=True)
        super().done(result)


def open_board_report_dialog(context: AppContext, parent: QWidget | None = None,
                             settings: QSettings | None = None) -> BoardReportDialog:
    """Show the board report dialog (non-modal) for the context's tenant."""
    dialog = BoardReportDialog(context, parent, settings)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.show()
    return dialog

