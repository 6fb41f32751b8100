"""The observation editor's evidence files: the list (name, size, uploaded by, at), Add…,
files dropped onto the finding, Open (a verified temporary copy, then the system's
default application), Save as…, Remove, and a progress bar with Cancel.

Every transfer is a job on the runner (``context.worker``): the upload streams the file
in chunks in one transaction, so Cancel (which makes the job raise) leaves nothing
behind; progress arrives through a signal of a ``QObject`` living on the GUI thread.
Buttons a person may not use are disabled with the reason in their tooltip. The rules
are the services' (``services.evidence``; docs/architecture.md, "Evidence files").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Table
from auditdesk.domain.evidence import Attachment, UploadCancelled, size_text
from auditdesk.services import evidence
from auditdesk.services.errors import user_message
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.save_dialog import ask_save_path

COLUMNS = ("Name", "Size", "Uploaded by", "Uploaded at")
NOT_SAVED_YET = "Save the finding first; then evidence files can be added to it."


class _Progress(QObject):
    """Lives on the GUI thread: the job's emissions arrive queued."""

    moved = Signal(object, object)  # bytes done, bytes in all


def dropped_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local files (not folders) a drag carries."""
    data = event.mimeData()
    if not data.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
    return [path for path in paths if not path.is_dir()]


class EvidencePanel(QWidget):
    """A finding's evidence files; files dropped on the panel or on ``drop_target`` are added."""

    listed = Signal()  # the list was (re)loaded
    finished = Signal(str)  # a transfer ended: what the status line says

    def __init__(self, context: AppContext, observation_id: int | None,
                 drop_target: QWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evidencePanel")
        self._context = context
        self.observation_id = observation_id
        self.attachments: list[Attachment] = []
        self.may_add = False
        self.queue: list[Path] = []
        self._cancel = threading.Event()
        self._busy = False
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self._progress = _Progress(self)
        self._progress.moved.connect(self._moved)
        self._build()
        self.setAcceptDrops(True)
        if drop_target is not None:
            drop_target.setAcceptDrops(True)
            drop_target.installEventFilter(self)
        context.changed.connect(self._changed)
        self.refresh()

    def _build(self) -> None:
        heading = QLabel("Evidence files")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.hint = QLabel("Drop files here or use Add… (up to 100 MB each).")
        self.hint.setStyleSheet(f"color:{theme.MUTED_TEXT};")
        self.tree = QTreeWidget()
        self.tree.setObjectName("evidenceList")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self.choose_files)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton("Save as…")
        self.save_button.clicked.connect(self.save_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.confirm_remove)
        self.progress = QProgressBar()
        self.progress.setObjectName("evidenceProgress")
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel()
        self.status.setObjectName("evidenceStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addWidget(self.hint, 1)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.open_button, self.save_button, self.remove_button):
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)  # a page of the editor's tabs: the list fills it
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._show_progress(False)
        self._update_buttons()

    # -- the list ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.observation_id is None:
            self.hint.setText(NOT_SAVED_YET)
            self._update_buttons()
            return
        actor, observation_id = self._context.actor, self.observation_id
        self._context.worker.submit(
            lambda session: evidence.list_for(session, actor, observation_id),
            self._listed, self._failed, owner=self, key=f"evidence-{id(self)}",
        )

    def _listed(self, found: evidence.EvidenceList) -> None:
        selected = self.selected()
        self.attachments, self.may_add = list(found.attachments), found.may_add
        self.tree.clear()
        for attachment in self.attachments:
            item = QTreeWidgetItem([
                attachment.file_name, size_text(attachment.size_bytes), attachment.uploader,
                f"{attachment.uploaded_at:%Y-%m-%d %H:%M}",
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, attachment.id)
            item.setToolTip(0, f"{attachment.file_name}\n{attachment.content_type}, "
                               f"{attachment.size_bytes:,} bytes\nSHA-256 {attachment.sha256}")
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if selected is not None and attachment.id == selected.id:
                item.setSelected(True)
        for column in range(1, len(COLUMNS)):
            self.tree.resizeColumnToContents(column)
        self.hint.setText("Drop files here or use Add… (up to 100 MB each)." if self.may_add
                          else "You may read these files; adding needs the right to edit the finding.")
        self._update_buttons()
        self.listed.emit()

    def _changed(self, changes) -> None:
        if changes.touches(Table.ATTACHMENT) and not self._busy:
            self.refresh()

    def selected(self) -> Attachment | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((a for a in self.attachments if a.id == wanted), None)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        saved = self.observation_id is not None
        self.add_button.setEnabled(saved and self.may_add and not self._busy)
        self.add_button.setToolTip(
            NOT_SAVED_YET if not saved else "" if self.may_add else
            "Only managers, admins and auditors of this finding's engagement may add evidence."
        )
        for button in (self.open_button, self.save_button):
            button.setEnabled(chosen is not None and not self._busy)
            button.setToolTip("" if chosen else "Choose a file in the list first.")
        refusal = ("Choose a file in the list first." if chosen is None else
                   evidence.removal_refusal(self._context.actor, chosen, self.may_add))
        self.remove_button.setEnabled(refusal is None and not self._busy)
        self.remove_button.setToolTip(refusal or "")

    # -- adding --------------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add evidence files")
        self.add_files([Path(name) for name in names])

    def add_files(self, paths: list[Path]) -> None:
        """Upload ``paths`` one after the other (each in its own transaction)."""
        if self.observation_id is None or not self.may_add:
            self._say(NOT_SAVED_YET if self.observation_id is None else
                      self.add_button.toolTip(), error=True)
            return
        self.queue.extend(paths)
        if not self._busy:
            self._next_upload()

    def _next_upload(self) -> None:
        if not self.queue:
            return
        path = self.queue.pop(0)
        actor, observation_id, cancel = self._context.actor, self.observation_id, self._cancel
        assert observation_id is not None
        cancel.clear()
        progress = self._progress.moved.emit
        self._start(f"Uploading {path.name}…")

        def job(session):
            return evidence.upload(session, actor, observation_id, path, progress=progress,
                                   cancelled=cancel.is_set)

        self._context.worker.submit(
            job, lambda stored: self._done(f"Added {stored.file_name}."), self._failed, owner=self
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Files dropped anywhere on the finding's editor are added here."""
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_files(event):  # type: ignore[arg-type]
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        elif event.type() == QEvent.Type.Drop and dropped_files(event):  # type: ignore[arg-type]
            self.dropEvent(event)  # type: ignore[arg-type]
            return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if dropped_files(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if dropped_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        files = dropped_files(event)
        if files:
            event.acceptProposedAction()
            self.add_files(files)

    # -- reading -------------------------------------------------------------------------------
    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or self._busy:
            return
        actor, cancel, progress = self._context.actor, self._cancel, self._progress.moved.emit
        cancel.clear()
        self._start(f"Opening {chosen.file_name}…")
        self._context.worker.submit(
            lambda session: evidence.temporary_copy(session, actor, chosen.id, progress=progress,
                                                    cancelled=cancel.is_set),
            self._opened, self._failed, owner=self,
        )

    def _opened(self, path: Path) -> None:
        self._done(f"Opened a checked copy of {path.name}.")
        if not self.open_url(QUrl.fromLocalFile(str(path))):
            self._say(f"No application opened {path.name}; the copy is in {path.parent}.",
                      error=True)

    def save_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or self._busy:
            return
        target = ask_save_path(self, "Save evidence file as", chosen.file_name, "All files (*)")
        if target:
            self.save_to(chosen, Path(target))

    def save_to(self, chosen: Attachment, target: Path) -> None:
        actor, cancel, progress = self._context.actor, self._cancel, self._progress.moved.emit
        cancel.clear()
        self._start(f"Saving {chosen.file_name}…")
        self._context.worker.submit(
            lambda session: evidence.save(session, actor, chosen.id, target, progress=progress,
                                          cancelled=cancel.is_set),
            lambda written: self._done(f"Saved {chosen.file_name} to {written} (checksum verified)."),
            self._failed, owner=self,
        )

    # -- removing ------------------------------------------------------------------------------
    def confirm_remove(self) -> QMessageBox | None:
        chosen = self.selected()
        if chosen is None or not self.remove_button.isEnabled():
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Remove evidence file",
            f"Remove {chosen.file_name} from this finding? The audit trail keeps a record "
            "that it was there, not the file.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda result: self.remove(chosen) if result == QMessageBox.StandardButton.Yes else None
        )
        box.open()
        self.confirmation = box
        return box

    def remove(self, chosen: Attachment) -> None:
        actor = self._context.actor
        self._start(f"Removing {chosen.file_name}…", progress=False)
        self._context.worker.submit(
            lambda session: evidence.remove(session, actor, chosen.id),
            lambda gone: self._done(f"Removed {gone.file_name}."), self._failed, owner=self,
        )

    # -- transfers -----------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()
        self.queue.clear()

    def _start(self, text: str, progress: bool = True) -> None:
        self._busy = True
        self.progress.setRange(0, 0)  # busy until the first figure arrives
        self._show_progress(progress)
        self._say(text)
        self._update_buttons()

    def _moved(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 // total))
            self.progress.setToolTip(f"{size_text(done)} of {size_text(total)}")

    def _show_progress(self, shown: bool) -> None:
        self.progress.setVisible(shown)
        self.cancel_button.setVisible(shown)

    def _done(self, text: str) -> None:
        self._finish(text, error=False)

    def _failed(self, error: BaseException) -> None:
        self._finish(user_message(error), error=not isinstance(error, UploadCancelled))

    def _finish(self, text: str, *, error: bool) -> None:
        self._busy = False
        self._show_progress(False)
        self._say(text, error=error)
        self.finished.emit(text)
        if self.queue:
            self._next_upload()
        else:
            self.refresh()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color:{theme.ERROR_FG if error else theme.MUTED_TEXT};")
