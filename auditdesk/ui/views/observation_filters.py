"""The observations view's filter bar: the search, the four choices and the two switches
in two rows (so the view fits a 1024-pixel window), read as an ``ObservationFilter``,
emptied, refilled with the tenant's engagements and owners, and kept in QSettings.

The bar holds widgets and a layout, not a widget of its own: the view places
``layout`` where the bar goes and connects ``connect(apply, debounce)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.enums import OPEN_STATUSES, ObservationStatus, Severity
from auditdesk.domain.queries import ObservationFilter
from auditdesk.ui import theme
from auditdesk.ui.widgets import refill_choices

#: Characters each filter choice shows at least (it grows with the window up to a maximum).
FILTER_COMBO_CHARS = {"engagement": 11, "severity": 8, "status": 11, "owner": 10}
#: The status choice meaning "every open status".
OPEN_ANY = "open-any"
SETTINGS = "observations/filter"


class ObservationFilterBar:
    """``search``, ``engagement_filter``, ``severity_filter``, ``status_filter``,
    ``owner_filter``, ``overdue_only``, ``repeats_only``, ``overdue_actions`` and the ``count_label``."""

    def __init__(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search ref, title, condition…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.engagement_filter = QComboBox()
        self.engagement_filter.addItem("All engagements", None)
        self.severity_filter = QComboBox()
        self.severity_filter.addItem("Any severity", None)
        for severity in Severity:
            self.severity_filter.addItem(severity.label, severity)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", None)
        self.status_filter.addItem("Open (not resolved)", OPEN_ANY)
        for status in ObservationStatus:
            self.status_filter.addItem(status.label, status)
        self.owner_filter = QComboBox()
        self.owner_filter.addItem("Any owner", None)
        # Sized by a number of characters, not by their longest entry (a long engagement
        # code or owner name must not widen the window); the popup still shows it whole.
        for combo, characters in zip(self.choices(), FILTER_COMBO_CHARS.values(), strict=True):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(characters)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.overdue_only = QCheckBox("Overdue only")
        self.repeats_only = QCheckBox("Repeats only")
        self.overdue_actions = QCheckBox("Overdue actions")
        self.overdue_actions.setToolTip("Only findings with an action still open after its due date")
        self.count_label = QLabel("")
        self.count_label.setStyleSheet(f"color:{theme.MUTED_TEXT};")
        #: The engagement and owner chosen when the settings were restored, chosen once
        #: the lists have loaded.
        self.restored_choices: dict[str, int] = {}

        # The search, the switches and the count above; the choices below (each from its
        # minimum length up to a maximum).
        search_row = QHBoxLayout()
        search_row.setContentsMargins(0, 0, 0, 0)
        search_row.addWidget(self.search, 1)
        search_row.addSpacing(6)
        search_row.addWidget(self.overdue_only)
        search_row.addWidget(self.repeats_only)
        search_row.addWidget(self.overdue_actions)
        search_row.addSpacing(12)
        search_row.addWidget(self.count_label)
        choice_row = QHBoxLayout()
        choice_row.setContentsMargins(0, 0, 0, 0)
        for combo in self.choices():
            combo.setMaximumWidth(280)
            choice_row.addWidget(combo, 1)
        choice_row.addStretch(1)
        self.layout = QVBoxLayout()
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.layout.setSpacing(4)
        self.layout.addLayout(search_row)
        self.layout.addLayout(choice_row)

    def choices(self) -> tuple[QComboBox, QComboBox, QComboBox, QComboBox]:
        return (self.engagement_filter, self.severity_filter, self.status_filter, self.owner_filter)

    def switches(self) -> tuple[QCheckBox, QCheckBox, QCheckBox]:
        return (self.overdue_only, self.repeats_only, self.overdue_actions)

    def tab_chain(self) -> list[QWidget]:
        """The order Tab walks the bar."""
        return [self.search, *self.switches(), *self.choices()]

    def connect(self, apply: Callable[[], None], debounce: QTimer) -> None:
        """Typing restarts ``debounce``; a choice or switch applies at once."""
        self.search.textChanged.connect(lambda _text: debounce.start())
        for combo in self.choices():
            combo.currentIndexChanged.connect(lambda _i: apply())
        for box in self.switches():
            box.toggled.connect(lambda _on: apply())

    def current_filter(self, **overrides) -> ObservationFilter:
        status = self.status_filter.currentData()
        if status == OPEN_ANY:
            statuses = tuple(s for s in ObservationStatus if s in OPEN_STATUSES)
        else:
            statuses = (status,) if status else ()
        severity = self.severity_filter.currentData()
        values = {
            "engagement_id": self.engagement_filter.currentData(),
            "severities": (severity,) if severity else (),
            "statuses": statuses,
            "owner_id": self.owner_filter.currentData(),
            "overdue_only": self.overdue_only.isChecked(),
            "repeats_only": self.repeats_only.isChecked(),
            "overdue_actions_only": self.overdue_actions.isChecked(),
            "text": self.search.text().strip(),
        }
        values.update(overrides)
        return ObservationFilter(**values)

    def reset(self) -> None:
        """Every filter back to "all", without a signal (the caller applies)."""
        for widget in self.choices():
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        for box in self.switches():
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)

    def set_lists(self, engagements: Sequence[tuple[int, str]], users: Sequence[tuple[int, str]]) -> None:
        """Refill the engagement and owner choices (an empty list empties them), keeping
        the current choice where it is still there; no signal."""
        refill_choices(self.engagement_filter, engagements)
        refill_choices(self.owner_filter, users)

    def choose_restored(self) -> None:
        """Choose the engagement and owner the settings named, once their lists loaded
        (each choice applies the filter)."""
        restored, self.restored_choices = self.restored_choices, {}
        for combo, key in ((self.engagement_filter, "engagement"), (self.owner_filter, "owner")):
            index = combo.findData(restored.get(key)) if restored.get(key) else -1
            if index > 0 and combo.currentIndex() == 0:
                combo.setCurrentIndex(index)

    def save(self, settings: QSettings) -> None:
        flt = self.current_filter()
        settings.setValue(f"{SETTINGS}/text", flt.text)
        settings.setValue(f"{SETTINGS}/severity", self.severity_filter.currentIndex())
        settings.setValue(f"{SETTINGS}/status", self.status_filter.currentIndex())
        settings.setValue(f"{SETTINGS}/engagement", flt.engagement_id or 0)
        settings.setValue(f"{SETTINGS}/owner", flt.owner_id or 0)
        settings.setValue(f"{SETTINGS}/overdue", flt.overdue_only)
        settings.setValue(f"{SETTINGS}/repeats", flt.repeats_only)
        settings.setValue(f"{SETTINGS}/overdue_actions", flt.overdue_actions_only)

    def restore(self, settings: QSettings) -> None:
        """The filters as they were, without a signal; an engagement or owner is chosen
        by ``choose_restored`` once the lists load."""

        def number(key: str) -> int:
            try:
                return int(settings.value(f"{SETTINGS}/{key}", 0) or 0)
            except (TypeError, ValueError):
                return 0

        def flag(key: str) -> bool:
            return str(settings.value(f"{SETTINGS}/{key}", "false")).lower() == "true"

        widgets = (self.search, self.severity_filter, self.status_filter, *self.switches(),
                   self.engagement_filter, self.owner_filter)
        for widget in widgets:
            widget.blockSignals(True)
        self.search.setText(str(settings.value(f"{SETTINGS}/text", "") or ""))
        for combo, key in ((self.severity_filter, "severity"), (self.status_filter, "status")):
            index = number(key)
            combo.setCurrentIndex(index if 0 <= index < combo.count() else 0)
        self.overdue_only.setChecked(flag("overdue"))
        self.repeats_only.setChecked(flag("repeats"))
        self.overdue_actions.setChecked(flag("overdue_actions"))
        for widget in widgets:
            widget.blockSignals(False)
        self.restored_choices = {"engagement": number("engagement"), "owner": number("owner")}
