"""The observation editor: every field, validation beside each field, safe saving.

* Status: no change, or one of the workflow's next steps by its name
  (``transitions.next_steps`` for the user's role).
* The domain's ``ValidationError.problems`` are shown under the fields they concern.
* Saving uses optimistic locking: when someone else saved first, the dialog shows
  both versions field by field and the user chooses *Reload theirs* or *Overwrite
  with mine* (saved with ``expected_version=None``). Nothing typed is lost on an
  error: the dialog stays open with the message.
* Modes: edit an existing observation, create a new one, or record a recurrence
  (a new observation linked as a repeat of an earlier one, its text copied for editing).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.drafts import LONG_TEXT_FIELDS, ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.errors import ConflictError, ValidationError
from auditdesk.domain.records import Observation
from auditdesk.domain.transitions import INITIAL, next_steps
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.services import proposals
from auditdesk.services import tenants as tenant_service
from auditdesk.services.errors import user_message
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.date_field import DateField
from auditdesk.ui.dialogs.due_proposal import DueDateProposal
from auditdesk.ui.dialogs.field_messages import FieldMessages
from auditdesk.ui.dialogs.observation_conflict import ConflictPanel, differences
from auditdesk.ui.dialogs.repeat_picker import CLEAR, RepeatPicker
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


def _load_job(tenant_id: int, observation_id: int | None, template_id: int | None):
    def job(session):
        observation = (
            observation_service.get(session, tenant_id, observation_id)
            if observation_id is not None
            else None
        )
        template = (
            observation_service.get(session, tenant_id, template_id)
            if template_id is not None
            else None
        )
        engagements = [
            (e.id, f"{e.code} — {e.title}")
            for e in engagement_service.list_page(session, tenant_id, limit=2000)
        ]
        users = [(u.id, u.display_name) for u in tenant_service.list_users(session, tenant_id)]
        return observation, template, engagements, users

    return job


class ObservationEditor(QDialog):
    """Edit, create, or record a recurrence of an observation."""

    loaded = Signal()
    saved = Signal(object)  # Observation
    conflict_shown = Signal()
    problems_shown = Signal(dict)

    def __init__(
        self,
        context: AppContext,
        observation_id: int | None = None,
        *,
        recurrence_of: int | None = None,
        engagement_id: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._context = context
        self.observation_id = observation_id
        self._recurrence_of = recurrence_of
        self._preset_engagement = engagement_id
        self.observation: Observation | None = None
        self.version: int | None = None
        self.theirs: Observation | None = None
        self.is_loaded = False
        self._repeat_of: tuple[int, str] | None = None
        self._saving = False
        self.setObjectName("observationEditor")
        self.setWindowTitle(self._base_title())
        self.resize(1040, 720)
        self._build()
        self._set_enabled(False)
        context.worker.submit(
            _load_job(context.tenant_id, observation_id, recurrence_of),
            self._loaded,
            self._load_failed,
            owner=self,
        )

    def _base_title(self) -> str:
        if self.observation_id is not None:
            return "Edit observation"
        return "Record recurrence" if self._recurrence_of is not None else "New observation"

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel(self._base_title())
        self.heading.setObjectName("editorHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.subheading = QLabel("Loading…")
        self.subheading.setStyleSheet(f"color:{theme.MUTED_TEXT};")

        self.banner = QLabel()
        self.banner.setObjectName("editorBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet(
            f"background:{theme.ERROR_BG}; color:{theme.ERROR_FG}; padding:8px; border-radius:3px;"
        )
        self.banner.hide()
        self.conflict = ConflictPanel()
        self.conflict.reload_requested.connect(self.reload_theirs)
        self.conflict.overwrite_requested.connect(self.overwrite)
        self.conflict_message, self.conflict_table = self.conflict.message, self.conflict.table
        self.reload_button = self.conflict.reload_button
        self.overwrite_button = self.conflict.overwrite_button

        self.messages = FieldMessages(
            self._problem_text,
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
        today = self._context.today
        self.identified_edit = DateField(optional=False, today=today)
        self.due_edit = DateField(optional=True, today=today)
        self.original_due_edit = DateField(optional=True, today=today)
        self.repeat_label = QLabel("—")
        self.repeat_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repeat_button = QPushButton("Repeat of…")
        self.repeat_button.clicked.connect(self.pick_repeat)
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
            left.addRow(FIELD_LABELS[name] + ":", self._with_error(name, widget))
        # The due date the severity policy gives, shown in the field before saving.
        self.due_proposal = DueDateProposal(self.severity_combo, self.identified_edit, self.due_edit)
        self.due_hint = self.due_proposal.hint
        self.due_edit.parentWidget().layout().addWidget(self.due_hint)
        self.suggestions = RepeatSuggestionsPanel(self._context)
        self.suggestions.link_chosen.connect(self._suggestion_linked)
        left.addRow(self.suggestions)
        for signal in (self.title_edit.textChanged, self.engagement_combo.currentIndexChanged,
                       self.identified_edit.changed):
            signal.connect(lambda *_: self._ask_suggestions())

        right = QFormLayout()
        right.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.text_edits: dict[str, QPlainTextEdit] = {}
        for name in LONG_TEXT_FIELDS:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(86)
            self.text_edits[name] = edit
            right.addRow(FIELD_LABELS[name] + ":", self._with_error(name, edit))

        columns = QGridLayout()
        columns.addLayout(left, 0, 0, Qt.AlignmentFlag.AlignTop)
        columns.addLayout(right, 0, 1, Qt.AlignmentFlag.AlignTop)
        columns.setColumnStretch(0, 4)
        columns.setColumnStretch(1, 5)
        columns.setHorizontalSpacing(24)
        body = QWidget()
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        self._watch_fields()

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _with_error(self, name: str, widget: QWidget) -> QWidget:
        return self.messages.holder(name, widget)

    # -- loading -------------------------------------------------------------------------------
    def _loaded(self, result) -> None:
        observation, template, engagements, users = result
        self.engagement_combo.clear()
        self.engagement_combo.addItem("(no engagement)", None)
        for engagement_id, label in engagements:
            self.engagement_combo.addItem(label, engagement_id)
        self.owner_combo.clear()
        self.owner_combo.addItem("(unassigned)", None)
        for user_id, name in users:
            self.owner_combo.addItem(name, user_id)
        if observation is not None:
            self._fill(observation)
        elif template is not None:
            self._fill_recurrence(template)
        else:
            self._fill_new()
        self.is_loaded = True
        self._set_enabled(True)
        for name in ("condition", "cause"):
            self.text_edits[name].textChanged.connect(self._ask_suggestions)
        self._ask_suggestions()
        self.title_edit.setFocus()
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self.subheading.setText("Could not load.")
        self.show_banner(error)

    def _set_combo(self, combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index < 0 and value is not None:
            combo.addItem(str(value), value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def _set_statuses(self, current: ObservationStatus | None) -> None:
        """A new finding starts as a draft or open; a stored one stays as it is or takes
        one of the workflow's next steps, each offered by its name."""
        self.status_combo.clear()
        if current is None:
            for status in INITIAL:
                self.status_combo.addItem(status.label, status)
            self.status_combo.setToolTip("")
            return
        self.status_combo.addItem(f"{current.label} (no change)", current)
        role = self._context.user.role if self._context.user else None
        steps = next_steps(current, role)
        for step in steps:
            self.status_combo.addItem(f"{step.action} → {step.target.label}", step.target)
        self.status_combo.setToolTip(
            "Next steps from " + current.label.lower() + ": "
            + (", ".join(step.action for step in steps) or "none")
        )

    def _fill(self, observation: Observation) -> None:
        self.observation = observation
        self.version = observation.version
        self.heading.setText(f"{observation.ref} — {observation.title}")
        self.subheading.setText(
            f"Version {observation.version} · last saved {observation.updated_at:%Y-%m-%d %H:%M}"
        )
        self.setWindowTitle(f"Edit {observation.ref}")
        self._set_statuses(observation.status)
        self.set_draft(observation_service.draft_of(observation), observation.repeat_of_ref)

    def _fill_new(self) -> None:
        self._set_statuses(None)
        self.subheading.setText("A new finding gets the next reference number when saved.")
        self.set_draft(
            ObservationDraft(
                title="",
                severity=Severity.MEDIUM,
                identified_on=self._context.today(),
                engagement_id=self._preset_engagement,
                status=ObservationStatus.OPEN,
            ),
            None,
        )

    def _fill_recurrence(self, template: Observation) -> None:
        self._set_statuses(None)
        self.heading.setText(f"Record recurrence of {template.ref}")
        self.subheading.setText(
            f"A new finding linked as a repeat of {template.ref}; its text is copied for editing. "
            "Choose the engagement where it was found again."
        )
        draft = replace(
            observation_service.draft_of(template),
            engagement_id=self._preset_engagement,
            status=ObservationStatus.OPEN,
            identified_on=self._context.today(),
            due_date=None,
            original_due_date=None,
            management_response="",
            repeat_of_id=template.id,
        )
        self.set_draft(draft, template.ref)
        if self._preset_engagement is None:
            self._propose_recurrence_engagement(template.id)

    def _propose_recurrence_engagement(self, template_id: int) -> None:
        """Propose the auditee's engagement in fieldwork, unless the user chose one meanwhile."""
        tenant_id = self._context.tenant_id
        chosen_before = self.engagement_combo.currentData()

        def propose(engagement_id: int | None) -> None:
            if engagement_id is None or self.engagement_combo.currentData() != chosen_before:
                return
            index = self.engagement_combo.findData(engagement_id)
            if index >= 0:
                self.engagement_combo.setCurrentIndex(index)

        self._context.worker.submit(
            lambda session: proposals.recurrence_engagement(session, tenant_id, template_id),
            propose,
            owner=self,
        )

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (*self.widgets.values(), self.save_button):
            widget.setEnabled(enabled)

    # -- the form as a draft ---------------------------------------------------------------------
    def set_draft(self, draft: ObservationDraft, repeat_ref: str | None) -> None:
        self.title_edit.setText(draft.title)
        self.title_edit.setCursorPosition(0)  # show the start of a long title, not its end
        self._set_combo(self.engagement_combo, draft.engagement_id)
        self._set_combo(self.severity_combo, Severity(draft.severity))
        self._set_combo(self.status_combo, ObservationStatus(draft.status))
        self._set_combo(self.owner_combo, draft.owner_id)
        self.identified_edit.set_value(draft.identified_on)
        self.due_edit.set_value(draft.due_date)
        self.due_proposal.start(draft.due_date)
        self.original_due_edit.set_value(draft.original_due_date)
        for name, edit in self.text_edits.items():
            edit.setPlainText(getattr(draft, name) or "")
        self._repeat_of = (draft.repeat_of_id, repeat_ref or "") if draft.repeat_of_id else None
        self._show_repeat()
        self.clear_problems()

    def _show_repeat(self) -> None:
        self.repeat_label.setText(self._repeat_of[1] if self._repeat_of else "— (not a repeat)")
        self.suggestions.set_suppressed(self._repeat_of is not None)

    def _ask_suggestions(self) -> None:
        if not self.is_loaded or self._repeat_of is not None:
            return
        self.suggestions.request(
            title=self.title_edit.text(),
            condition=self.text_edits["condition"].toPlainText(),
            cause=self.text_edits["cause"].toPlainText(),
            identified_on=self.identified_edit.value(),
            engagement_id=self.engagement_combo.currentData(),
            observation_id=self.observation_id,
        )

    def _suggestion_linked(self, observation_id: int, ref: str) -> None:
        self._repeat_of = (observation_id, ref)
        self._show_repeat()

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
            repeat_of_id=self._repeat_of[0] if self._repeat_of else None,
            **{name: edit.toPlainText() for name, edit in self.text_edits.items()},
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
        if self.is_loaded:
            self.messages.recheck(self.current_problems())

    @staticmethod
    def _problem_text(field_name: str, message: str) -> str:
        return f"{FIELD_LABELS.get(field_name, field_name)} {message}"

    def clear_problems(self) -> None:
        self.messages.clear()
        self.banner.hide()

    def show_problems(self, problems: dict[str, str]) -> None:
        self.banner.hide()
        unplaced = self.messages.show(problems, focus_order=problems)
        if unplaced:
            self.banner.setText("\n".join(self._problem_text(*problem) for problem in unplaced))
            self.banner.show()
        self.problems_shown.emit(dict(problems))

    def show_banner(self, error: BaseException | str) -> None:
        if isinstance(error, str):
            text = error
        else:
            text = user_message(error)
        self.banner.setText(text)
        self.banner.show()

    # -- repeat picker ---------------------------------------------------------------------------
    def pick_repeat(self) -> RepeatPicker:
        picker = RepeatPicker(
            self._context,
            self.observation_id,
            self.identified_edit.value(),
            later_ref=self.observation.ref if self.observation else "",
            parent=self,
        )
        picker.accepted.connect(lambda: self._picked(picker.chosen))
        picker.open()
        self.picker = picker
        return picker

    def _picked(self, chosen) -> None:
        if chosen is CLEAR:
            self._repeat_of = None
        elif isinstance(chosen, dict):
            self._repeat_of = (chosen["id"], chosen["ref"])
        self._show_repeat()

    # -- saving ----------------------------------------------------------------------------------
    def save(self, *, expected_version: int | None | str = "current") -> None:
        if not self.is_loaded or self._saving:
            return
        draft = self.draft()
        problems = self.current_problems()
        if problems:
            self.show_problems(problems)
            return
        self.clear_problems()
        version = self.version if expected_version == "current" else expected_version
        actor = self._context.actor
        observation_id = self.observation_id
        if observation_id is None:
            def job(session):
                return observation_service.create(session, actor, draft)
        else:
            def job(session):
                return observation_service.update(session, actor, observation_id, draft, version)
        self._saving = True
        self.save_button.setEnabled(False)
        self._context.worker.submit(job, self._saved, self._save_failed, owner=self)

    def overwrite(self) -> None:
        """Save what the form holds over the other person's version, deliberately."""
        self.save(expected_version=None)

    def _saved(self, observation: Observation) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.conflict.hide()
        self.observation = observation
        self.observation_id = observation.id
        self.version = observation.version
        self.saved.emit(observation)
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.show_problems(error.problems)
        elif isinstance(error, ConflictError) and self.observation_id is not None:
            self._fetch_theirs(error)
        else:
            self.show_banner(error)

    def _fetch_theirs(self, error: ConflictError) -> None:
        tenant_id, observation_id = self._context.tenant_id, self.observation_id
        self._context.worker.submit(
            lambda s: observation_service.get(s, tenant_id, observation_id),
            lambda theirs: self.show_conflict(error, theirs),
            self.show_banner,
            owner=self,
        )

    def show_conflict(self, error: ConflictError, theirs: Observation) -> None:
        """Both versions, field by field; the user reloads or overwrites."""
        self.theirs = theirs
        rows = differences(
            FIELD_LABELS, self.draft(), observation_service.draft_of(theirs),
            lambda name, value, stored: self._describe(name, value, theirs if stored else None),
        )
        self.conflict.show_versions(
            f"{error} Version {theirs.version} is saved now. "
            + (f"{len(rows)} field(s) differ:" if rows else "Your values are the same as theirs."),
            rows,
            FIELD_LABELS,
        )
        self.conflict_shown.emit()

    def conflict_rows(self) -> list[tuple[str, str, str]]:
        return self.conflict.rows()

    def _describe(self, name: str, value: Any, theirs: Observation | None = None) -> str:
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
            return self._repeat_of[1] if self._repeat_of else str(value)
        if name == "severity":
            return Severity(value).label
        if name == "status":
            return ObservationStatus(value).label
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def reload_theirs(self) -> None:
        """Replace the form with the saved version (what you typed is discarded on purpose)."""
        if self.theirs is None:
            return
        self._fill(self.theirs)
        self.conflict.hide()

