"""The demo-data offer: ask (on an empty embedded workspace, or from the File menu), load
the demo tenants off the GUI thread with a progress dialog, and explain instead of
failing when they are already there."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from auditdesk.domain.changes import Changes, Table
from auditdesk.ui.context import AppContext


class DemoOffer(QObject):
    """``loaded`` after the demo tenants were written; ``declined`` when the user said no
    to the question on an empty workspace; ``explained`` when the notice replaced an
    error (the data was there already)."""

    loaded = Signal()
    declined = Signal()
    explained = Signal()

    def __init__(self, context: AppContext, window: QWidget):
        super().__init__(window)
        self.context = context
        self.window = window
        self.question: QMessageBox | None = None
        self.progress: QProgressDialog | None = None
        self.notice: QMessageBox | None = None

    def ask(self, *, first_launch: bool = False) -> None:
        if self.context.database is None:
            return
        text = (
            "This workspace is empty. Load demo data (two tenants of engagements and findings "
            "with repeat lineage) to look around?"
            if first_launch
            else "Load the demo tenants into this database?"
        )
        box = QMessageBox(QMessageBox.Icon.Question, "Demo data", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setObjectName("demoQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.question = box

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.load()
            elif not self.context.tenants:
                self.declined.emit()

        box.finished.connect(answered)
        box.open()

    def load(self, observations: int | None = None) -> None:
        dialog = QProgressDialog("Loading demo data…", "", 0, 0, self.window)
        dialog.setCancelButton(None)
        dialog.setWindowTitle("Demo data")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.show()
        self.progress = dialog

        def job(session):
            from auditdesk.services.demo import load_demo

            return load_demo(session, observations)

        def finished() -> None:
            dialog.close()
            self.progress = None

        def done(summary) -> None:
            finished()
            self.context.status_message.emit(
                f"Loaded demo data: {summary.engagements} engagements, "
                f"{summary.observations} observations."
            )
            self.context.announce(Changes.tables(Table.TENANT))
            self.loaded.emit()

        def failed(error: BaseException) -> None:
            finished()
            from auditdesk.services.demo import DemoDataExists

            if not isinstance(error, DemoDataExists):
                self.context.show_error(error)
                return
            box = QMessageBox(QMessageBox.Icon.Information, "Demo data", str(error),
                              QMessageBox.StandardButton.Ok, self.window)
            self.notice = box
            box.open()
            self.explained.emit()

        self.context.worker.submit(job, done, failed, owner=self.window)
