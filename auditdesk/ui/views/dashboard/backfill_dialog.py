"""Dashboard → *Backfill…*: asks for the days to rebuild from the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)


class BackfillDialog(QDialog):
    """Asks for the days to rebuild from the audit trail."""

    def __init__(self, today: date, first: date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Backfill snapshots")
        intro = QLabel(
            "Rebuild the daily figures of past days from the findings' dates and the "
            "audit trail. Days that were captured are kept unless you replace them.", self,
        )
        intro.setWordWrap(True)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setMaximumDate(QDate(today))
        start = first or (today - timedelta(days=364))
        self.from_edit.setDate(QDate(start))
        self.to_edit.setDate(QDate(today))
        self.overwrite = QCheckBox("Replace captured days too", self)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        form = QFormLayout()
        form.addRow("From", self.from_edit)
        form.addRow("To", self.to_edit)
        form.addRow("", self.overwrite)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Backfill")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def dates(self) -> tuple[date, date]:
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()

    def _accept(self) -> None:
        start, end = self.dates()
        if start > end:
            self.error.setText("'From' must be on or before 'To'.")
            return
        self.accept()
