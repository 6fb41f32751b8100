"""The observation editor's conflict panel: when someone else saved first, both versions
field by field, and the two ways out (*Reload theirs* or *Overwrite with mine*).

``differences`` compares the form's draft with the stored one; the editor words each
value (``describe``), since only it knows the names behind engagement and owner ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.drafts import ObservationDraft
from auditdesk.ui import theme

#: (field name, yours in words, theirs in words)
Difference = tuple[str, str, str]
YOURS_BACKGROUND, THEIRS_BACKGROUND = "#fff8e1", "#e8f5e9"


def differences(
    fields: Iterable[str],
    mine: ObservationDraft,
    stored: ObservationDraft,
    describe: Callable[[str, Any, bool], str],
) -> list[Difference]:
    """The fields whose values differ, worded by ``describe(name, value, theirs)``. An
    original due date left empty keeps the stored one, so it is no difference."""
    rows = []
    for name in fields:
        yours, their = getattr(mine, name), getattr(stored, name)
        if name == "original_due_date" and yours is None:
            continue
        if _norm(yours) != _norm(their):
            rows.append((name, describe(name, yours, False), describe(name, their, True)))
    return rows


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


class ConflictPanel(QFrame):
    """Hidden until ``show_versions``; the buttons emit ``reload_requested`` and
    ``overwrite_requested``."""

    reload_requested = Signal()
    overwrite_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflictPanel")
        self.setStyleSheet(
            f"#conflictPanel {{ background:{theme.WARNING_BG}; border:1px solid #e0b464;"
            " border-radius:4px; }"
        )
        layout = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color:{theme.WARNING_FG}; font-weight:bold;")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Field", "Yours (not saved)", "Theirs (saved)"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.reload_button = QPushButton("Reload theirs (discard mine)")
        self.overwrite_button = QPushButton("Overwrite with mine")
        self.reload_button.clicked.connect(self.reload_requested)
        self.overwrite_button.clicked.connect(self.overwrite_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reload_button)
        row.addWidget(self.overwrite_button)
        layout.addWidget(self.message)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.hide()

    def show_versions(
        self, message: str, rows: list[Difference], labels: dict[str, str]
    ) -> None:
        """``message`` above the table of ``rows`` (fields named by ``labels``)."""
        self.message.setText(message)
        self.table.setRowCount(len(rows))
        for i, (name, yours, their) in enumerate(rows):
            for j, value in enumerate((labels[name], yours, their)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if j:
                    item.setBackground(QColor(YOURS_BACKGROUND if j == 1 else THEIRS_BACKGROUND))
                self.table.setItem(i, j, item)
        self.table.resizeRowsToContents()
        table_height = self.table.horizontalHeader().height() + 4 + sum(
            self.table.rowHeight(i) for i in range(len(rows))
        )
        self.table.setFixedHeight(min(max(table_height, 60), 220))
        self.show()

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as shown: (field label, yours, theirs) per row."""
        table = self.table
        return [
            (table.item(i, 0).text(), table.item(i, 1).text(), table.item(i, 2).text())
            for i in range(table.rowCount())
        ]
