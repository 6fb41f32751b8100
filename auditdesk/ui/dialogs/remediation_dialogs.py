"""The small dialogs of remediation: a reason the user must give (extending a due date,
closing without a validation), a risk acceptance (justification and expiry, at most
three years ahead), and "Record validation…" (date, passed or failed, notes), which
saves through ``services.remediation.validation`` on the runner.

Each opens with ``open()`` (never a nested event loop) and reports through signals; a
problem is shown under the dialog's fields and nothing is saved.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.enums import ValidationResult
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import Observation
from auditdesk.domain.remediation import RiskAcceptance, ValidationDraft, latest_risk_expiry
from auditdesk.services.errors import user_message
from auditdesk.services.remediation import validation as validation_service
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.date_field import DateField


def _problem_label() -> QLabel:
    label = QLabel()
    label.setObjectName("dialogProblem")
    label.setWordWrap(True)
    label.setStyleSheet(f"color:{theme.ERROR_FG};")
    label.hide()
    return label


def _show(label: QLabel, problems: dict[str, str] | str) -> None:
    text = problems if isinstance(problems, str) else "\n".join(
        message[:1].upper() + message[1:] for message in problems.values()
    )
    label.setText(text)
    label.show()


class ReasonDialog(QDialog):
    """Asks for one reason; ``given(str)`` when the user confirms a non-empty one."""

    given = Signal(str)

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reasonText")
        self.reason.setPlaceholderText("Reason (required)")
        self.problem = _problem_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(460, 240)

    def confirm(self) -> None:
        text = self.reason.toPlainText().strip()
        if not text:
            _show(self.problem, "Give a reason: it is kept with the finding and in its history.")
            return
        self.accept()
        self.given.emit(text)


class RiskAcceptanceDialog(QDialog):
    """Justification and expiry of a risk acceptance; ``given(RiskAcceptance)``."""

    given = Signal(object)

    def __init__(self, context: AppContext, observation: Observation | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("riskAcceptanceDialog")
        self.setWindowTitle("Accept risk")
        self._today = context.today()
        ref = observation.ref if observation else "this finding"
        intro = QLabel(
            f"Accepting the risk of {ref} closes it until the date below; on that date it "
            "returns to open by itself. A justification is kept with the finding."
        )
        intro.setWordWrap(True)
        self.until = DateField(optional=False, today=context.today)
        self.until.setObjectName("riskUntil")
        current = observation.risk_accepted_until if observation else None
        self.until.set_value(current or self._today + timedelta(days=365))
        latest = latest_risk_expiry(self._today)
        self.range_hint = QLabel(
            f"From {(self._today + timedelta(days=1)).isoformat()} to {latest.isoformat()} "
            "(three years at most)."
        )
        self.range_hint.setStyleSheet(f"color:{theme.MUTED_TEXT};")
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("riskReason")
        self.reason.setPlaceholderText("Why the organisation accepts this risk (required)")
        if observation and observation.risk_acceptance_reason:
            self.reason.setPlainText(observation.risk_acceptance_reason)
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow("Accepted until", self.until)
        form.addRow("", self.range_hint)
        form.addRow("Justification", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def confirm(self) -> None:
        try:
            accepted = RiskAcceptance(self.until.value(), self.reason.toPlainText()).validated(
                self._today
            )
        except ValidationError as error:
            _show(self.problem, error.problems)
            return
        self.accept()
        self.given.emit(accepted)


class ValidationDialog(QDialog):
    """Record the validation of a finding pending validation; ``recorded(Observation)``
    with the finding afterwards (closed when passed, in remediation when failed)."""

    recorded = Signal(object)

    def __init__(self, context: AppContext, observation: Observation,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("validationDialog")
        self.setWindowTitle(f"Record validation — {observation.ref}")
        self._context = context
        self.observation = observation
        intro = QLabel(
            f"Validate the fix of {observation.ref} “{observation.title}”. Passed closes the "
            "finding; failed returns it to remediation with your notes."
        )
        intro.setWordWrap(True)
        self.validated_on = DateField(optional=False, today=context.today)
        self.validated_on.setObjectName("validatedOn")
        self.passed = QRadioButton("Passed — the fix works")
        self.failed = QRadioButton("Failed — back to remediation")
        self.passed.setChecked(True)
        self.results = QButtonGroup(self)
        self.results.addButton(self.passed)
        self.results.addButton(self.failed)
        result_row = QHBoxLayout()
        result_row.addWidget(self.passed)
        result_row.addWidget(self.failed)
        result_row.addStretch(1)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("validationNotes")
        self.notes.setPlaceholderText("What you tested and what you found (required when failed)")
        self.problem = _problem_label()
        form = QFormLayout()
        form.addRow("Validated on", self.validated_on)
        form.addRow("Result", result_row)
        form.addRow("Notes", self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.record_button = buttons.addButton("Record validation",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.record)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def draft(self) -> ValidationDraft:
        result = ValidationResult.PASSED if self.passed.isChecked() else ValidationResult.FAILED
        return ValidationDraft(self.validated_on.value(), result, self.notes.toPlainText())

    def record(self) -> None:
        draft = self.draft()
        try:
            draft.validated(self.observation.identified_on, self._context.today())
        except ValidationError as error:
            _show(self.problem, error.problems)
            return
        actor, finding = self._context.actor, self.observation
        self.record_button.setEnabled(False)
        self._context.worker.submit(
            lambda s: validation_service.record_validation(s, actor, finding.id, draft,
                                                           finding.version),
            self._recorded, self._failed, owner=self,
        )

    def _recorded(self, observation: Observation) -> None:
        self.accept()
        self.recorded.emit(observation)

    def _failed(self, error: BaseException) -> None:
        self.record_button.setEnabled(True)
        if isinstance(error, ValidationError):
            _show(self.problem, error.problems)
        else:
            _show(self.problem, user_message(error))


def describe_acceptance(observation: Observation, today: date) -> str:
    """One line on a risk acceptance: until when, by whom is not known here, why."""
    if observation.risk_accepted_until is None:
        return "Risk accepted (no expiry recorded)."
    days = (observation.risk_accepted_until - today).days
    return (f"Risk accepted until {observation.risk_accepted_until.isoformat()} "
            f"({days} days left): {observation.risk_acceptance_reason or ''}")
