"""The observation editor: loads a finding into its form (``observation_form``), saves it
safely, and shows what went wrong.

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

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.errors import ConflictError, ValidationError
from auditdesk.domain.records import Observation
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.services import proposals
from auditdesk.services import tenants as tenant_service
from auditdesk.services.errors import user_message
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.date_field import DateField
from auditdesk.ui.dialogs.editor_tabs import EditorTabs
from auditdesk.ui.dialogs.evidence_panel import EvidencePanel
from auditdesk.ui.dialogs.observation_conflict import ConflictPanel, differences
from auditdesk.ui.dialogs.observation_form import FIELD_LABELS, ObservationForm, problem_text
from auditdesk.ui.dialogs.repeat_picker import CLEAR, RepeatPicker
from auditdesk.ui.dialogs.save_prompts import SavePrompts


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

        self.form = form = ObservationForm(self._context)
        form.observation_id = self.observation_id
        form.repeat_button.clicked.connect(self.pick_repeat)
        # The fields, as the dialog's own attributes too (tests and callers reach them).
        self.messages, self.widgets, self.errors = form.messages, form.widgets, form.errors
        self.title_edit, self.text_edits = form.title_edit, form.text_edits
        self.engagement_combo, self.severity_combo = form.engagement_combo, form.severity_combo
        self.status_combo, self.owner_combo = form.status_combo, form.owner_combo
        self.identified_edit, self.due_edit = form.identified_edit, form.due_edit
        self.original_due_edit, self.repeat_label = form.original_due_edit, form.repeat_label
        self.due_hint, self.suggestions = form.due_hint, form.suggestions
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form)
        # Tabs: the form, the action plan, the validations (and add_panel for more).
        self.tabs = EditorTabs(self._context, scroll)
        self.tabs.policy_listeners.append(self._policy_read)
        self.tabs.finding_changed.connect(self._finding_moved)
        self.evidence = EvidencePanel(self._context, self.observation_id, self)
        self.tabs.add_panel(self.evidence, "Evidence")
        self.prompts = SavePrompts(self._context, self)

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

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    # -- loading -------------------------------------------------------------------------------
    def _loaded(self, result) -> None:
        observation, template, engagements, users = result
        self.form.set_choices(engagements, users)
        if observation is not None:
            self._fill(observation)
        elif template is not None:
            self._fill_recurrence(template)
        else:
            self._fill_new()
        self.is_loaded = self.form.active = True
        self._set_enabled(True)
        self.tabs.show_finding(observation, users)
        for name in ("condition", "cause"):
            self.text_edits[name].textChanged.connect(self.form.ask_suggestions)
        self.form.ask_suggestions()
        self.title_edit.setFocus()
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        self.subheading.setText("Could not load.")
        self.show_banner(error)

    def _set_statuses(self, current: ObservationStatus | None) -> None:
        self.form.set_statuses(current, self._context.user.role if self._context.user else None)

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
        self.form.set_enabled(enabled)
        self.save_button.setEnabled(enabled)

    # -- the form as a draft ---------------------------------------------------------------------
    def set_draft(self, draft: ObservationDraft, repeat_ref: str | None) -> None:
        self.form.set_draft(draft, repeat_ref)
        self.banner.hide()

    def draft(self) -> ObservationDraft:
        """What the form holds now."""
        return self.form.draft()

    # -- validation messages ----------------------------------------------------------------------
    def date_fields(self) -> dict[str, DateField]:
        return self.form.date_fields()

    def current_problems(self) -> dict[str, str]:
        return self.form.current_problems()

    def clear_problems(self) -> None:
        self.messages.clear()
        self.banner.hide()

    def show_problems(self, problems: dict[str, str]) -> None:
        self.banner.hide()
        unplaced = self.messages.show(problems, focus_order=problems)
        if unplaced:
            self.banner.setText("\n".join(problem_text(*problem) for problem in unplaced))
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
            self.form.set_repeat(None)
        elif isinstance(chosen, dict):
            self.form.set_repeat((chosen["id"], chosen["ref"]))

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
        # A risk acceptance, a close without validation or a later due date asks first.
        self.prompts.complete(self.observation, draft, lambda d: self._submit(d, version))

    def _submit(self, draft: ObservationDraft, version: int | None) -> None:
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

    def _policy_read(self, policy) -> None:
        self.form.due_proposal.policy = policy
        self.form.due_proposal.propose()

    def _finding_moved(self, observation: Observation) -> None:
        """A validation closed the finding or sent it back: show what is stored."""
        self._fill(observation)
        self.saved.emit(observation)

    def overwrite(self) -> None:
        """Save what the form holds over the other person's version, deliberately."""
        self.save(expected_version=None)

    def _saved(self, observation: Observation) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.conflict.hide()
        self.observation = observation
        self.observation_id = self.form.observation_id = observation.id
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
            lambda name, value, stored: self.form.describe(name, value, theirs if stored else None),
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

    def reload_theirs(self) -> None:
        """Replace the form with the saved version (what you typed is discarded on purpose)."""
        if self.theirs is None:
            return
        self._fill(self.theirs)
        self.conflict.hide()

