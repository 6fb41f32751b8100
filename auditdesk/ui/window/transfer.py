"""File → Import findings… and File → Export…, and the tables' "Export…" context action.

Import opens ``ImportDialog`` (``auditdesk/ui/dialogs/import_findings.py``) and, after
a write, offers repeat detection on the imported findings. Export writes the current
view's table — observations in the view's filter and sort, engagements, the audit
trail, the repeat suggestions of the review queue — as .xlsx or .csv, on a database thread with a progress dialog whose Cancel
stops the job and removes the partial file (docs/architecture.md, "Import and export").
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from auditdesk.domain.errors import AuditDeskError
from auditdesk.services import exporting, repeats
from auditdesk.services.errors import user_message
from auditdesk.ui.views.audit_trail import AuditTrailView
from auditdesk.ui.views.engagements import EngagementsView
from auditdesk.ui.views.observations import ObservationsView
from auditdesk.ui.views.review_queue import ReviewQueueView

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow

#: view name -> what its export is called
# The views whose table has an "Export…" context action (each keeps its table in ``table``).
EXPORTABLE_VIEWS = (ObservationsView, EngagementsView, AuditTrailView, ReviewQueueView)
EXPORTABLE = {"observations": "observations", "engagements": "engagements", "audit_trail": "audit-trail",
              "review_queue": "repeat-suggestions"}


class ExportCancelled(AuditDeskError):
    def __init__(self) -> None:
        super().__init__("The export was cancelled.")


class _Relay(QObject):
    progress = Signal(int, int)


def _documents() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder or Path.home())


def _ready(window: MainWindow) -> bool:
    if window.context.tenant is None or window.context.database is None:
        window.show_banner("Open a database and choose a tenant first.", "info", retry=False)
        return False
    return True


# -- import -----------------------------------------------------------------------------------


def import_findings(window: MainWindow, path: Path | None = None):
    """Choose a file and open the import preview; returns the dialog (or None)."""
    if not _ready(window):
        return None
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            window, "Import findings", str(_documents()),
            "Spreadsheets (*.xlsx *.xlsm *.csv *.txt);;All files (*)",
        )
        if not chosen:
            return None
        path = Path(chosen)
    from auditdesk.ui.dialogs.import_findings import ImportDialog

    dialog = ImportDialog(window.context, path, window.settings, window)
    dialog.imported.connect(lambda result: offer_repeat_detection(window, result))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def offer_repeat_detection(window: MainWindow, result) -> None:
    ids = result.observation_ids
    if not ids or result.plan.created == 0:
        return
    answer = QMessageBox.question(
        window, "Look for repeats?",
        f"{result.plan.created:,} findings were imported. Look for earlier findings they may "
        "repeat? Proposals go to the review queue; nothing is linked without a review.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    actor, newest = window.context.actor, result.plan.created

    def done(summary) -> None:
        window.context.status_message.emit(
            f"Repeat detection: {len(summary.proposed):,} proposals for {summary.scanned:,} findings")

    window.context.worker.submit(lambda session: repeats.detect(session, actor, newest=newest),
                                 done, owner=window)


# -- export -----------------------------------------------------------------------------------


def export_current(window: MainWindow) -> None:
    export_view(window, window.current_view_name)


def export_view(window: MainWindow, name: str, path: Path | None = None) -> QProgressDialog | None:
    """Export the table of view ``name`` (as it is filtered and sorted) to a chosen file."""
    if not _ready(window):
        return None
    if name not in EXPORTABLE:
        window.show_banner("This view has no table to export; open Observations, Engagements, "
                           "the Audit trail or Repeat review.", "info", retry=False)
        return None
    if path is None:
        suggested = _documents() / f"{EXPORTABLE[name]}.xlsx"
        chosen, _ = QFileDialog.getSaveFileName(
            window, "Export", str(suggested), "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)")
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in exporting.FORMATS:
            path = path.with_suffix(".xlsx")
    write = _writer(window, name)
    return _run_export(window, path, write)


def _writer(window: MainWindow, name: str):
    view: Any = window.views[name]
    tenant_id = window.context.tenant_id
    flt = view.current_filter()
    if name == "observations":
        query = view.model.query
        return lambda s, path, p: exporting.export_observations(
            s, tenant_id, path, flt, query.sort, query.descending, p)
    if name == "engagements":
        sort, descending = view.model.sort_key, view.model.descending
        return lambda s, path, p: exporting.export_engagements(s, tenant_id, path, flt, sort, descending, p)
    if name == "review_queue":
        return lambda s, path, p: exporting.export_suggestions(s, tenant_id, path, flt, p)
    return lambda s, path, p: exporting.export_audit(s, tenant_id, path, flt, p)


def _run_export(window: MainWindow, path: Path, write) -> QProgressDialog:
    dialog = QProgressDialog(f"Exporting to {path.name}…", "Cancel", 0, 0, window)
    dialog.setObjectName("exportProgress")
    dialog.setWindowTitle("Export")
    dialog.setMinimumDuration(300)
    relay = _Relay(dialog)
    cancel = threading.Event()
    dialog.canceled.connect(cancel.set)

    def shown(done: int, total: int) -> None:
        if total:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))

    relay.progress.connect(shown)

    def progress(done: int, total: int) -> None:
        if cancel.is_set():
            raise ExportCancelled()
        relay.progress.emit(done, total)

    def job(session):
        try:
            return write(session, path, progress)
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written file is left behind
            raise

    def done(result) -> None:
        dialog.reset()
        window.context.status_message.emit(f"{result.rows:,} rows exported to {result.path}")

    def failed(error: BaseException) -> None:
        dialog.reset()
        if not isinstance(error, ExportCancelled):
            QMessageBox.warning(window, "Export", user_message(error))

    window.context.worker.submit(job, done, failed, owner=window)
    return dialog


def install_export_actions(window: MainWindow) -> None:
    """An "Export…" action in the context menu of each exportable table."""
    for name in EXPORTABLE:
        view = window.views.get(name)
        if not isinstance(view, EXPORTABLE_VIEWS):
            continue
        table = view.table
        action = QAction("Export…", table)
        action.setStatusTip("Save this table, as filtered and sorted, as Excel or CSV")
        action.triggered.connect(lambda _checked=False, n=name: export_view(window, n))
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        table.addAction(action)
