"""A date field the editors share: typed (ISO or the locale's short format), picked from a
calendar that opens at the field's date or today, and cleared when the date is optional.

``QDateEdit`` cannot be empty: its "no date" is a minimum date behind a special text,
so typing into an empty field edits that hidden minimum and the calendar opens in
1900. This field is a line edit with a calendar button instead; an empty text is no
date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QLocale, QMargins, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.clock import workstation_today

_COMPACT_ISO = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str, locale: QLocale | None = None) -> date | None:
    """The date ``text`` names (2026-10-01, 20261001, or the locale's short format such as
    01/10/2026 or 10/1/26); None when it names none."""
    text = text.strip()
    if not text:
        return None
    compact = _COMPACT_ISO.match(text)
    if compact:
        text = "-".join(compact.groups())
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    locale = locale or QLocale()
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    # A four-digit year first, then two digits (which Qt reads as 19xx).
    two_digit = short.replace("yyyy", "yy")
    for pattern in (two_digit.replace("yy", "yyyy"), two_digit):
        parsed = locale.toDate(text, pattern)
        if parsed.isValid():
            if "yyyy" not in pattern and parsed.year() < 2000:
                parsed = parsed.addYears(100)
            return parsed.toPython()
    return None


class DateField(QWidget):
    """``value()`` is the typed or picked date, or None when empty; ``problem()`` says what
    is wrong with text that names no date. ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(
        self,
        optional: bool = True,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = workstation_today,
    ):
        """``today`` gives the date a required field starts at and the calendar opens at:
        the tenant's clock in the editors (``AppContext.today``)."""
        super().__init__(parent)
        self._optional = optional
        self._today = today
        locale = QLocale()
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("YYYY-MM-DD" if optional else "")
        self.edit.setClearButtonEnabled(optional)
        self.edit.setToolTip(
            "Type a date as 2026-10-01 or "
            f"{locale.toString(QDate(2026, 10, 1), QLocale.FormatType.ShortFormat)}, "
            "or pick one from the calendar" + (" (empty for none)" if optional else "")
        )
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setToolTip("Pick a date from the calendar")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.open_calendar)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.popup: QFrame | None = None
        self.calendar: QCalendarWidget | None = None
        self.edit.textChanged.connect(lambda _text: self.changed.emit())
        self.edit.editingFinished.connect(self._normalise)
        if not optional:
            self.set_value(self._today())

    # -- value -------------------------------------------------------------------------------
    def value(self) -> date | None:
        return parse_date(self.edit.text())

    def set_value(self, value: date | None) -> None:
        if value is None and not self._optional:
            value = self._today()
        self.edit.setText(value.isoformat() if value else "")

    def text(self) -> str:
        return self.edit.text()

    def problem(self) -> str | None:
        """"must be a date …" for text that names no date; None for a date or (optional) empty."""
        text = self.edit.text().strip()
        if not text:
            return None if self._optional else "is required"
        if parse_date(text) is None:
            sample = QLocale().toString(QDate(2026, 10, 1), QLocale.FormatType.ShortFormat)
            return f"must be a date such as 2026-10-01 or {sample}"
        return None

    def _normalise(self) -> None:
        parsed = self.value()
        if parsed is not None and self.edit.text() != parsed.isoformat():
            self.edit.setText(parsed.isoformat())

    # -- calendar ----------------------------------------------------------------------------
    def open_calendar(self) -> QCalendarWidget:
        """Show the calendar below the field, at the field's date or else today."""
        if self.popup is None:
            self.popup = QFrame(self, Qt.WindowType.Popup)
            self.popup.setFrameShape(QFrame.Shape.StyledPanel)
            self.calendar = QCalendarWidget(self.popup)
            self.calendar.setGridVisible(False)
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
            column = QVBoxLayout(self.popup)
            column.setContentsMargins(2, 2, 2, 2)
            column.addWidget(self.calendar)
        assert self.calendar is not None
        shown = self.value() or self._today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        self.calendar.setCurrentPage(shown.year, shown.month)
        self.popup.resize(self.calendar.sizeHint().grownBy(QMargins(4, 4, 4, 4)))
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()
        self.calendar.setFocus()
        return self.calendar

    def _picked(self, picked: QDate) -> None:
        self.set_value(picked.toPython())
        if self.popup is not None:
            self.popup.hide()
        self.edit.setFocus()
