"""Create or edit an engagement; the domain's validation messages appear beside the fields.

The draft is validated locally first (pure domain rules, no database); the save runs
through the worker, where the database may still refuse (a duplicate code), and that
refusal is shown beside its field too. A save that loses a race offers Reload or
Overwrite explicitly.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from auditdesk.domain.drafts import EngagementDraft
from auditdesk.domain.enums import EngagementStatus
from auditdesk.domain.errors import ConflictError, ValidationError
from auditdesk.domain.records import Engagement
from auditdesk.services import engagements as engagement_service
from auditdesk.services import proposals
from auditdesk.services import tenants as tenant_service
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.date_field import DateField
from auditdesk.ui.dialogs.field_messages import FieldMessages

FIELD_LABELS = {
    "code": "Code",
    "title": "Title",
    "auditee": "Auditee",
    "status": "Status",
    "lead_auditor_id": "Lead auditor",
    "period_start": "Period start",
    "period_end": "Period end",
    "planned_start": "Planned start",
    "planned_end": "Planned end",
    "member_ids": "Team",
}


def field_message(label: str, message: str) -> str:
    """"Title is required"; a message that is a whole sentence stands alone."""
    first = message.split(" ", 1)[0].lower()
    if first in ("is", "are", "must", "has", "no", "should", "cannot"):
        return f"{label} {message}"
    return message[:1].upper() + message[1:]


class EngagementEditor(QDialog):
    saved = Signal(object)  # Engagement

    def __init__(self, context: AppContext, engagement: Engagement | None = None, parent=None):
        super().__init__(parent)
        self.context = context
        self.engagement = engagement
        self.setWindowTitle(f"Edit engagement {engagement.code}" if engagement else "New engagement")
        self.setMinimumWidth(520)

        self.code = QLineEdit(self)
        self.code.setPlaceholderText("ENG-2026-014")
        self.title_edit = QLineEdit(self)
        # Any auditee can be typed; the known ones are suggested in a list below the field
        # rather than completed inline (which turned "Finance" into "Finance and Tax").
        self.auditee = QComboBox(self)
        self.auditee.setEditable(True)
        self.auditee.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.auditee.lineEdit().setPlaceholderText("Type a new auditee or pick a known one")
        self.auditee.setCompleter(self._auditee_completer())
        self.status = QComboBox(self)
        for status in EngagementStatus:
            self.status.addItem(status.label, status)
        self.lead = QComboBox(self)
        self.lead.addItem("— none —", None)
        self.period_start = DateField(optional=True, parent=self, today=context.today)
        self.period_end = DateField(optional=True, parent=self, today=context.today)
        self.planned_start = DateField(optional=True, parent=self, today=context.today)
        self.planned_end = DateField(optional=True, parent=self, today=context.today)
        self.members = QListWidget(self)
        self.members.setMaximumHeight(110)
        self.members.setToolTip("Tick the auditors who work on this engagement")
        self.inputs: dict[str, QWidget] = {
            "code": self.code,
            "title": self.title_edit,
            "auditee": self.auditee,
            "status": self.status,
            "lead_auditor_id": self.lead,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "member_ids": self.members,
        }
        self.messages = FieldMessages(
            lambda name, message: field_message(FIELD_LABELS[name], message),
            mark_invalid=True,
            expanding=True,
        )
        self.errors = self.messages.labels
        self._refused: dict[str, tuple[object, str]] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for name, widget in self.inputs.items():
            form.addRow(FIELD_LABELS[name] + ":", self.messages.holder(name, widget, self))

        self.general_error = QLabel("", self)
        self.general_error.setObjectName("fieldError")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        if engagement is not None:
            self._fill(engagement)
        self._watch_fields()
        self._load_choices()
        if engagement is None:
            self._propose_code()

    def _auditee_completer(self) -> QCompleter:
        completer = QCompleter(self.auditee.model(), self)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        return completer

    def _propose_code(self) -> None:
        """Fill in the next free code, unless the user typed one meanwhile."""
        tenant_id = self.context.tenant_id

        def propose(code: str) -> None:
            if isValid(self) and not self.code.text():
                self.code.setText(code)
                self.code.setPlaceholderText(code)

        self.context.worker.submit(
            lambda session: proposals.next_engagement_code(session, tenant_id), propose, owner=self
        )

    # -- loading ---------------------------------------------------------------------------
    def _fill(self, engagement: Engagement) -> None:
        self.code.setText(engagement.code)
        self.title_edit.setText(engagement.title)
        self.auditee.setEditText(engagement.auditee)
        self.status.setCurrentIndex(self.status.findData(engagement.status))
        self.period_start.set_value(engagement.period_start)
        self.period_end.set_value(engagement.period_end)
        self.planned_start.set_value(engagement.planned_start)
        self.planned_end.set_value(engagement.planned_end)
        for row in range(self.members.count()):
            item = self.members.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in engagement.member_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _load_choices(self) -> None:
        tenant_id = self.context.tenant_id

        def job(session):
            return (
                engagement_service.auditees(session, tenant_id),
                tenant_service.list_users(session, tenant_id),
            )

        self.context.worker.submit(job, self._choices_loaded, owner=self)

    def _choices_loaded(self, result) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        auditees, users = result
        text = self.auditee.currentText()
        self.auditee.clear()
        self.auditee.addItems(auditees)
        self.auditee.setEditText(text)
        wanted = self.engagement.lead_auditor_id if self.engagement else None
        for user in users:
            self.lead.addItem(f"{user.display_name} ({user.role.value})", user.id)
        if wanted is not None:
            index = self.lead.findData(wanted)
            if index < 0:
                self.lead.addItem(self.engagement.lead_auditor_name or f"User {wanted}", wanted)
                index = self.lead.count() - 1
            self.lead.setCurrentIndex(index)
        chosen = set(self.engagement.member_ids) if self.engagement else set()
        self.members.clear()
        for user in users:
            item = QListWidgetItem(user.display_name, self.members)
            item.setData(Qt.ItemDataRole.UserRole, user.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if user.id in chosen else Qt.CheckState.Unchecked)
        self.choices_loaded = True

    # -- saving ----------------------------------------------------------------------------
    def draft(self) -> EngagementDraft:
        return EngagementDraft(
            code=self.code.text(),
            title=self.title_edit.text(),
            auditee=self.auditee.currentText(),
            status=self.status.currentData(),
            lead_auditor_id=self.lead.currentData(),
            period_start=self.period_start.value(),
            period_end=self.period_end.value(),
            planned_start=self.planned_start.value(),
            planned_end=self.planned_end.value(),
            member_ids=self.member_ids(),
        )

    def _names(self, user_ids) -> str:
        names = {
            self.members.item(row).data(Qt.ItemDataRole.UserRole): self.members.item(row).text()
            for row in range(self.members.count())
        }
        return ", ".join(sorted(names.get(i, f"user {i}") for i in user_ids)) or "nobody"

    def member_ids(self) -> tuple[int, ...]:
        if self.members.count() == 0:  # users not loaded yet: keep the stored team
            return self.engagement.member_ids if self.engagement else ()
        return tuple(
            self.members.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.members.count())
            if self.members.item(row).checkState() == Qt.CheckState.Checked
        )

    def date_fields(self) -> dict[str, DateField]:
        return self.messages.date_fields()

    def current_problems(self) -> dict[str, str]:
        """Every problem of the form as it stands: the domain's, and dates typed wrong."""
        problems = self.messages.problems(lambda: self.draft().validated())
        # What the database refused (a code in use) stands until that field changes.
        draft = self.draft()
        for name, (value, message) in self._refused.items():
            if getattr(draft, name, None) == value:
                problems.setdefault(name, message)
        return problems

    def _watch_fields(self) -> None:
        """Re-check the form on every edit (``FieldMessages.recheck``)."""
        self.code.textChanged.connect(self._recheck)
        self.title_edit.textChanged.connect(self._recheck)
        self.auditee.editTextChanged.connect(self._recheck)
        self.status.currentIndexChanged.connect(self._recheck)
        for field in self.date_fields().values():
            field.changed.connect(self._recheck)

    def _recheck(self, *_args) -> None:
        self.messages.recheck(self.current_problems())

    def show_problems(self, problems: dict[str, str]) -> None:
        other = [
            field_message(name.replace("_", " ").capitalize(), message)
            for name, message in self.messages.show(problems)
        ]
        self.general_error.setText("\n".join(other))
        self.general_error.setVisible(bool(other))

    def save(self, overwrite: bool = False) -> None:
        problems = self.current_problems()
        if problems:
            self.show_problems(problems)
            return
        draft = self.draft().validated()
        self.show_problems({})
        actor = self.context.actor
        existing = self.engagement
        expected = None if (overwrite or existing is None) else existing.version

        def job(session):
            if existing is None:
                return engagement_service.create(session, actor, draft)
            return engagement_service.update(session, actor, existing.id, draft, expected)

        self.buttons.setEnabled(False)
        self.context.worker.submit(job, self._save_done, self._save_failed, owner=self)

    def _save_done(self, engagement: Engagement) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        self.buttons.setEnabled(True)
        self.engagement = engagement
        self.saved.emit(engagement)
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        self.buttons.setEnabled(True)
        if isinstance(error, ValidationError):
            draft = self.draft()
            self._refused = {
                name: (getattr(draft, name, None), message) for name, message in error.problems.items()
            }
            self.show_problems(error.problems)
        elif isinstance(error, ConflictError):
            self._conflict(error)
        else:
            self.general_error.setText(user_message(error))
            self.general_error.show()

    def _conflict(self, error: ConflictError) -> None:
        """Someone saved first: show what is stored now beside what the user typed, and let
        them reload theirs or overwrite explicitly. Nothing typed is lost until they choose."""
        mine = self.draft()
        existing = self.engagement
        tenant_id = self.context.tenant_id

        def job(session):
            return engagement_service.get(session, tenant_id, existing.id)

        self.context.worker.submit(job, lambda theirs: self._ask_conflict(error, mine, theirs), owner=self)

    def _ask_conflict(self, error: ConflictError, mine: EngagementDraft, theirs: Engagement) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        stored = engagement_service.draft_of(theirs)
        lines = []
        for name, label in FIELD_LABELS.items():
            ours, current = getattr(mine, name), getattr(stored, name)
            if name == "lead_auditor_id":
                ours, current = self.lead.currentText(), theirs.lead_auditor_name or "— none —"
            elif name == "member_ids":
                ours, current = self._names(ours), self._names(current)
            if _shown(ours) != _shown(current):
                lines.append(f"{label}: theirs “{_shown(current)}”, yours “{_shown(ours)}”")
        details = "\n".join(lines) or "The stored values equal yours."
        box = QMessageBox(QMessageBox.Icon.Warning, "Someone else saved first",
                          f"{error}\n\n{details}", QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("conflict")
        overwrite = box.addButton("Overwrite with mine", QMessageBox.ButtonRole.DestructiveRole)
        reload_ = box.addButton("Reload theirs", QMessageBox.ButtonRole.ResetRole)
        self.conflict_box = box

        def finished(_result: int) -> None:
            if box.clickedButton() is overwrite:
                self.engagement = theirs
                self.save(overwrite=True)
            elif box.clickedButton() is reload_:
                self.engagement = theirs
                self._fill(theirs)
                index = self.lead.findData(theirs.lead_auditor_id)
                self.lead.setCurrentIndex(max(index, 0))

        box.finished.connect(finished)
        box.open()


def _shown(value) -> str:
    if value is None:
        return "—"
    return getattr(value, "label", None) or str(value)
