"""The "Repeat of…" picker: search the earlier findings an observation may repeat.

Candidates of a saved finding come from ``services.repeats.search``: ranked like the
editor's suggestions, against what is typed (or the finding's own text when nothing is).
Choosing one runs ``lineage.check_link`` in the background; a refusal (a cycle, a
later finding, itself) is explained in the dialog, which stays open. A ref typed
into the search box can be checked directly even when the list does not offer it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.services import lineage as lineage_service
from auditdesk.services import repeats
from auditdesk.services.errors import user_message
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.widgets import debounced

CLEAR = object()  # chosen value meaning "no longer a repeat"


def _search_job(tenant_id: int, later_id: int | None, identified_on: date | None, search: str):
    def job(session):
        if later_id is not None:
            # The same ranking as the editor's suggestions (services.repeats).
            return repeats.picker_rows(session, tenant_id, later_id, search)
        return lineage_service.earlier_candidates(session, tenant_id, later_id, identified_on, search)

    return job


def _check_job(tenant_id: int, later_id: int | None, identified_on: date | None, target):
    """Resolve ``target`` (an id or a typed ref) and check that the link is allowed."""

    def job(session):
        earlier = lineage_service.check_earlier(session, tenant_id, later_id, identified_on, target)
        return {"id": earlier.id, "ref": earlier.ref, "title": earlier.title}

    return job


class RepeatPicker(QDialog):
    """Pick the earlier finding an observation repeats (or clear the link)."""

    candidates_loaded = Signal(int)
    refused = Signal(str)

    def __init__(
        self,
        context: AppContext,
        later_id: int | None,
        identified_on: date | None = None,
        *,
        later_ref: str = "",
        allow_clear: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._context = context
        self._later_id = later_id
        self._identified_on = identified_on
        self.chosen: dict | object | None = None
        self.setWindowTitle(f"Repeat of… {later_ref}".strip())
        self.resize(760, 460)

        intro = QLabel(
            "Earlier findings of this organisation, same auditee first. "
            "Type a ref or words from the title or condition."
        )
        intro.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search ref, title or condition…  (Enter checks a typed ref)")
        self.search.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            ["Ref", "Title", "Engagement", "Identified", "Match / severity", "Same auditee"]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("pickerMessage")
        self.message.setStyleSheet(
            f"background:{theme.ERROR_BG}; color:{theme.ERROR_FG}; padding:6px; border-radius:3px;"
        )
        self.message.hide()

        buttons = QDialogButtonBox()
        self.choose_button = buttons.addButton("Link", QDialogButtonBox.ButtonRole.AcceptRole)
        self.clear_button = QPushButton("Not a repeat")
        if allow_clear:
            buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.choose_button.clicked.connect(self.choose_selected)
        self.clear_button.clicked.connect(self._clear)
        self.choose_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(self.search)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self._debounce = debounced(self, 250, self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._check_typed)
        self.table.itemSelectionChanged.connect(
            lambda: self.choose_button.setEnabled(bool(self.table.selectedItems()))
        )
        self.table.itemDoubleClicked.connect(lambda _item: self.choose_selected())
        self.refresh()

    # -- loading -----------------------------------------------------------------------------
    def refresh(self) -> None:
        job = _search_job(
            self._context.tenant_id, self._later_id, self._identified_on, self.search.text()
        )
        self._context.worker.submit(job, self._show, self._show_error, key=f"picker-{id(self)}", owner=self)

    def _show(self, rows: list[dict]) -> None:
        self.table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            values = [
                c["ref"],
                c["title"],
                c.get("engagement_code") or "—",
                c["identified_on"].isoformat() if c.get("identified_on") else "",
                c.get("match") or str(c.get("severity", "")).capitalize(),
                "yes" if c.get("same_auditee") else "",
            ]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, c["id"])
                self.table.setItem(i, j, item)
        self.candidates_loaded.emit(len(rows))

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(user_message(error))
        self.message.show()

    # -- choosing ------------------------------------------------------------------------------
    def choose_selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            self.choose(items[0].data(Qt.ItemDataRole.UserRole))

    def _check_typed(self) -> None:
        text = self.search.text().strip()
        if text:
            self.choose(text.upper())

    def choose(self, target: int | str) -> None:
        """Check ``target`` (an observation id or ref); accept if allowed, else explain."""
        self.message.hide()
        job = _check_job(self._context.tenant_id, self._later_id, self._identified_on, target)
        self._context.worker.submit(job, self._accepted, self._refused, key=f"pick-{id(self)}", owner=self)

    def _accepted(self, chosen: dict) -> None:
        self.chosen = chosen
        self.accept()

    def _refused(self, error: BaseException) -> None:
        text = user_message(error)
        self.message.setText(text)
        self.message.show()
        self.refused.emit(text)

    def _clear(self) -> None:
        self.chosen = CLEAR
        self.accept()
