"""The observation editor's fields: every field of a finding in two columns, a draft in
and out, the message under each field, the severity policy's due date, the repeat link
and the repeat suggestions beside it.

The form knows nothing of loading or saving: ``ObservationEditor`` fills it
(``set_choices``, ``set_statuses``, ``set_draft``), reads it (``draft``) and turns it on
(``active``) once loaded; before that no message and no suggestion is asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from auditdesk.domain.drafts import LONG_TEXT_FIELDS, ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Role, Severity
from auditdesk.domain.records import Observation
from auditdesk.domain.transitions import INITIAL, next_steps
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.date_field import DateField
from auditdesk.ui.dialogs.due_proposal import DueDateProposal
from auditdesk.ui.dialogs.field_messages import FieldMessages
from auditdesk.ui.dialogs.repeat_suggestions import RepeatSuggestionsPanel

FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "engagement_id": "Engagement",
    "severity": "Severity",
    "status": "Status",
    "owner_id": "Owner",
    "identified_on": "Identified on",
    "due_date": "Due date",
    "original_due_date": "Original due date",
    "repeat_of_id": "Repeat of",
    "criteria": "Criteria",
    "condition": "Condition",
    "cause": "Cause",
    "effect": "Effect",
    "recommendation": "Recommendation",
    "management_response": "Management response",
}


def problem_text(field_name: str, message: str) -> str:
    """"Title is required": the field's label, then the domain's message."""
    return f"{FIELD_LABELS.get(field_name, field_name)} {message}"


def set_combo(combo: QComboBox, value: Any) -> None:
    """Choose ``value`` (added as a choice of its own when the list lacks it)."""
    index = combo.findData(value)
    if index < 0 and value is not None:
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(max(index, 0))


class ObservationForm(QWidget):
    """The fields; ``repeat_of`` is the linked earlier finding as ``(id, ref)``."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.active = False
        self.observation_id: int | None = None  # the finding edited (never its own repeat)
        self.repeat_of: tuple[int, str] | None = None
        self.messages = FieldMessages(
            problem_text,
            label_name=lambda name: f"error_{name}",
            label_style=f"color:{theme.ERROR_FG}; font-size: 11px;",
        )
        self.widgets = self.messages.widgets
        self.errors = self.messages.labels
        # No length cut: text over the limit stays, and the message says by how much.
        self.title_edit = QLineEdit()
        self.engagement_combo = QComboBox()
        self.engagement_combo.setMinimumContentsLength(24)
        self.severity_combo = QComboBox()
        for severity in Severity:
            self.severity_combo.addItem(severity.label, severity)
        self.status_combo = QComboBox()
        self.owner_combo = QComboBox()
        today = context.today
        self.identified_edit = DateField(optional=False, today=today)
        self.due_edit = DateField(optional=True, today=today)
        self.original_due_edit = DateField(optional=True, today=today)
        self.repeat_label = QLabel("—")
        self.repeat_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repeat_button = QPushButton("Repeat of…")
        repeat_box = QWidget()
        repeat_row = QHBoxLayout(repeat_box)
        repeat_row.setContentsMargins(0, 0, 0, 0)
        repeat_row.addWidget(self.repeat_label, 1)
        repeat_row.addWidget(self.repeat_button)

        left = QFormLayout()
        left.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, widget in (
            ("title", self.title_edit),
            ("engagement_id", self.engagement_combo),
            ("severity", self.severity_combo),
            ("status", self.status_combo),
            ("owner_id", self.owner_combo),
            ("identified_on", self.identified_edit),
            ("due_date", self.due_edit),
            ("original_due_date", self.original_due_edit),
            ("repeat_of_id", repeat_box),
        ):
            left.addRow(FIELD_LABELS[name] + ":", self.messages.holder(name, widget))
        # The due date the severity policy gives, shown in the field before saving.
        self.due_proposal = DueDateProposal(self.severity_combo, self.identified_edit, self.due_edit)
        self.due_hint = self.due_proposal.hint
        self.due_edit.parentWidget().layout().addWidget(self.due_hint)
        self.suggestions = RepeatSuggestionsPanel(context)
        self.suggestions.link_chosen.connect(lambda found_id, ref: self.set_repeat((found_id, ref)))
        left.addRow(self.suggestions)
        for signal in (self.title_edit.textChanged, self.engagement_combo.currentIndexChanged,
                       self.identified_edit.changed):
            signal.connect(lambda *_: self.ask_suggestions())

        right = QFormLayout()
        right.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.text_edits: dict[str, QPlainTextEdit] = {}
        for name in LONG_TEXT_FIELDS:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(86)
            self.text_edits[name] = edit
            right.addRow(FIELD_LABELS[name] + ":", self.messages.holder(name, edit))

        columns = QGridLayout(self)
        columns.addLayout(left, 0, 0, Qt.AlignmentFlag.AlignTop)
        columns.addLayout(right, 0, 1, Qt.AlignmentFlag.AlignTop)
        columns.setColumnStretch(0, 4)
        columns.setColumnStretch(1, 5)
        columns.setHorizontalSpacing(24)
        self._watch_fields()

    # -- filling -------------------------------------------------------------------------------
    def set_choices(self, engagements: list[tuple[int, str]], users: list[tuple[int, str]]) -> None:
        self.engagement_combo.clear()
        self.engagement_combo.addItem("(no engagement)", None)
        for engagement_id, label in engagements:
            self.engagement_combo.addItem(label, engagement_id)
        self.owner_combo.clear()
        self.owner_combo.addItem("(unassigned)", None)
        for user_id, name in users:
            self.owner_combo.addItem(name, user_id)

    def set_statuses(self, current: ObservationStatus | None, role: Role | None) -> None:
        """A new finding starts as a draft or open; a stored one stays as it is or takes
        one of the workflow's next steps, each offered by its name."""
        self.status_combo.clear()
        if current is None:
            for status in INITIAL:
                self.status_combo.addItem(status.label, status)
            self.status_combo.setToolTip("")
            return
        self.status_combo.addItem(f"{current.label} (no change)", current)
        steps = next_steps(current, role)
        for step in steps:
            self.status_combo.addItem(f"{step.action} → {step.target.label}", step.target)
        self.status_combo.setToolTip(
            "Next steps from " + current.label.lower() + ": "
            + (", ".join(step.action for step in steps) or "none")
        )

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.widgets.values():
            widget.setEnabled(enabled)

    def set_draft(self, draft: ObservationDraft, repeat_ref: str | None) -> None:
        self.title_edit.setText(draft.title)
        self.title_edit.setCursorPosition(0)  # show the start of a long title, not its end
        set_combo(self.engagement_combo, draft.engagement_id)
        set_combo(self.severity_combo, Severity(draft.severity))
        set_combo(self.status_combo, ObservationStatus(draft.status))
        set_combo(self.owner_combo, draft.owner_id)
        self.identified_edit.set_value(draft.identified_on)
        self.due_edit.set_value(draft.due_date)
        self.due_proposal.start(draft.due_date)
        self.original_due_edit.set_value(draft.original_due_date)
        for name, edit in self.text_edits.items():
            edit.setPlainText(getattr(draft, name) or "")
        self.set_repeat((draft.repeat_of_id, repeat_ref or "") if draft.repeat_of_id else None)
        self.messages.clear()

    def draft(self) -> ObservationDraft:
        """What the form holds now."""
        return ObservationDraft(
            title=self.title_edit.text(),
            severity=self.severity_combo.currentData() or Severity.MEDIUM,
            identified_on=self.identified_edit.value(),
            engagement_id=self.engagement_combo.currentData(),
            status=self.status_combo.currentData() or ObservationStatus.OPEN,
            owner_id=self.owner_combo.currentData(),
            due_date=self.due_edit.value(),
            original_due_date=self.original_due_edit.value(),
            repeat_of_id=self.repeat_of[0] if self.repeat_of else None,
            **{name: edit.toPlainText() for name, edit in self.text_edits.items()},
        )

    # -- the repeat link and its suggestions ----------------------------------------------------
    def set_repeat(self, repeat_of: tuple[int, str] | None) -> None:
        self.repeat_of = repeat_of
        self.repeat_label.setText(repeat_of[1] if repeat_of else "— (not a repeat)")
        self.suggestions.set_suppressed(repeat_of is not None)

    def ask_suggestions(self) -> None:
        if not self.active or self.repeat_of is not None:
            return
        self.suggestions.request(
            title=self.title_edit.text(),
            condition=self.text_edits["condition"].toPlainText(),
            cause=self.text_edits["cause"].toPlainText(),
            identified_on=self.identified_edit.value(),
            engagement_id=self.engagement_combo.currentData(),
            observation_id=self.observation_id,
        )

    # -- validation messages ----------------------------------------------------------------------
    def date_fields(self) -> dict[str, DateField]:
        return self.messages.date_fields()

    def current_problems(self) -> dict[str, str]:
        """Every problem of the form as it stands: the domain's, and dates typed wrong."""
        return self.messages.problems(lambda: self.draft().validated(self._context.today()))

    def _watch_fields(self) -> None:
        """Re-check the form on every edit: a message goes as soon as its field is valid,
        and text over a field's limit is said at once (nothing is cut)."""
        self.title_edit.textChanged.connect(self._recheck)
        for combo in (self.engagement_combo, self.severity_combo, self.status_combo, self.owner_combo):
            combo.currentIndexChanged.connect(self._recheck)
        for field in self.date_fields().values():
            field.changed.connect(self._recheck)
        for edit in self.text_edits.values():
            edit.textChanged.connect(self._recheck)

    def _recheck(self, *_args) -> None:
        if self.active:
            self.messages.recheck(self.current_problems())

    # -- a value in words (the conflict panel) ---------------------------------------------------
    def describe(self, name: str, value: Any, theirs: Observation | None = None) -> str:
        """``value`` of field ``name`` as the user reads it (``theirs``: the stored version's)."""
        if value is None or value == "":
            return "—"
        if name == "engagement_id":
            index = self.engagement_combo.findData(value)
            return self.engagement_combo.itemText(index) if index >= 0 else str(value)
        if name == "owner_id":
            index = self.owner_combo.findData(value)
            return self.owner_combo.itemText(index) if index >= 0 else str(value)
        if name == "repeat_of_id":
            if theirs is not None:
                return theirs.repeat_of_ref or str(value)
            return self.repeat_of[1] if self.repeat_of else str(value)
        if name == "severity":
            return Severity(value).label
        if name == "status":
            return ObservationStatus(value).label
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
