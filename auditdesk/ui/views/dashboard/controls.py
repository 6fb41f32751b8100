"""The dashboard's control row: range presets, a custom range, the granularity and the
daily automatic capture switch. It shows the view's state and reports what the user
chose; the view decides what to load."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from auditdesk.domain.dashboard import CUSTOM, GRANULARITIES, RANGE_PRESETS


class RangeControls(QWidget):
    """Range preset buttons, From/to dates, "Per" granularity, the auto-capture box."""

    preset_chosen = Signal(str)  # a key of RANGE_PRESETS
    custom_chosen = Signal(object, object)  # (from, to) dates typed in
    granularity_chosen = Signal(str)
    auto_capture_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        self.range_buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for key, (text, _days) in RANGE_PRESETS.items():
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setObjectName(f"range_{key}")
            self.range_group.addButton(button)
            self.range_buttons[key] = button
            button.clicked.connect(lambda _checked=False, k=key: self.preset_chosen.emit(k))
            row.addWidget(button)
        row.addSpacing(12)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.dateChanged.connect(self._custom_edited)
        row.addWidget(QLabel("From", self))
        row.addWidget(self.from_edit)
        row.addWidget(QLabel("to", self))
        row.addWidget(self.to_edit)
        row.addSpacing(12)
        row.addWidget(QLabel("Per", self))
        self.granularity_combo = QComboBox(self)
        for key, text in GRANULARITIES:
            self.granularity_combo.addItem(text, key)
        self.granularity_combo.currentIndexChanged.connect(
            lambda _i: self.granularity_chosen.emit(self.granularity_combo.currentData())
        )
        row.addWidget(self.granularity_combo)
        row.addStretch(1)
        self.auto_capture_check = QCheckBox("Capture daily automatically", self)
        self.auto_capture_check.setToolTip(
            "While AuditDesk is open, capture today's snapshot once a day when it is missing"
        )
        self.auto_capture_check.toggled.connect(self.auto_capture_toggled)
        row.addWidget(self.auto_capture_check)

    def custom_dates(self) -> tuple[date, date]:
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()

    def _custom_edited(self, _qdate: QDate) -> None:
        self.custom_chosen.emit(*self.custom_dates())

    def show_state(self, preset: str, granularity: str, shown: tuple[date, date] | None) -> None:
        """Check the preset (none for a custom range), show the dates and the granularity,
        without reporting any of it back as a choice."""
        for key, button in self.range_buttons.items():
            button.setChecked(key == preset)
        if preset == CUSTOM:
            self.range_group.setExclusive(False)
            for button in self.range_buttons.values():
                button.setChecked(False)
            self.range_group.setExclusive(True)
        if shown is not None:
            for edit, day in zip((self.from_edit, self.to_edit), shown, strict=True):
                edit.blockSignals(True)
                edit.setDate(QDate(day))
                edit.blockSignals(False)
        self.granularity_combo.blockSignals(True)
        self.granularity_combo.setCurrentIndex(max(self.granularity_combo.findData(granularity), 0))
        self.granularity_combo.blockSignals(False)

    def show_auto_capture(self, enabled: bool) -> None:
        """Tick or clear the auto-capture box without reporting it as a choice."""
        self.auto_capture_check.blockSignals(True)
        self.auto_capture_check.setChecked(enabled)
        self.auto_capture_check.blockSignals(False)
