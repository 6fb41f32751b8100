"""The admin's dialog for the tenant's due-date policy: days from identification to the
due date for each severity (a new finding's due date is proposed from it). Everyone may
look; only an admin may save (the fields are read-only otherwise, the reason in the
tooltip). Reads and saves through ``services.remediation.policy`` on the runner."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.enums import Severity
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.remediation import POLICY_DAYS_MAX, DueDatePolicy
from auditdesk.services.errors import user_message
from auditdesk.services.remediation import policy as policy_service
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.role_reasons import ONLY_ADMINS_DUE_POLICY


class DuePolicyDialog(QDialog):
    loaded = Signal()
    saved = Signal(object)  # DueDatePolicy

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duePolicyDialog")
        self.setWindowTitle("Due-date policy")
        self._context = context
        self.may_edit = policy_service.may_edit_policy(
            context.user.role if context.user else None
        )
        intro = QLabel("Days from the day a finding is identified to its due date. A new "
                       "finding's due date is proposed from these; changing them moves no "
                       "existing due date.")
        intro.setWordWrap(True)
        self.fields: dict[Severity, QSpinBox] = {}
        form = QFormLayout()
        for severity in Severity:
            spin = QSpinBox()
            spin.setObjectName(f"policy_{severity.value}")
            spin.setRange(1, POLICY_DAYS_MAX)
            spin.setSuffix(" days")
            spin.setValue(severity.default_due_days)
            spin.setEnabled(False)
            self.fields[severity] = spin
            form.addRow(severity.label, spin)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{theme.ERROR_FG};")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        tenant_id = context.tenant_id
        context.worker.submit(lambda s: policy_service.due_date_policy(s, tenant_id),
                              self._show, self._failed, owner=self)

    def _show(self, policy: DueDatePolicy) -> None:
        for severity, spin in self.fields.items():
            spin.setValue(policy.days_for(severity))
            spin.setEnabled(self.may_edit)
            spin.setToolTip("" if self.may_edit else ONLY_ADMINS_DUE_POLICY)
        self.save_button.setEnabled(self.may_edit)
        self.save_button.setToolTip("" if self.may_edit else ONLY_ADMINS_DUE_POLICY)
        self.loaded.emit()

    def save(self) -> None:
        changes = {severity.value: spin.value() for severity, spin in self.fields.items()}
        actor = self._context.actor
        self.save_button.setEnabled(False)
        self._context.worker.submit(
            lambda s: policy_service.update_due_date_policy(s, actor, changes),
            self._saved, self._failed, owner=self,
        )

    def _saved(self, policy: DueDatePolicy) -> None:
        self.saved.emit(policy)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(self.may_edit)
        if isinstance(error, ValidationError):
            self.problem.setText("\n".join(f"{k}: {v}" for k, v in error.problems.items()))
        else:
            self.problem.setText(user_message(error))
        self.problem.show()


def open_due_policy(window) -> DuePolicyDialog | None:
    """Tools → Due-date policy…: the dialog for the window's tenant (kept by the window
    while open)."""
    if window.context.tenant is None:
        window.show_banner("Open a database and choose a tenant first.", "info", retry=False)
        return None
    dialog = DuePolicyDialog(window.context, window)
    window.due_policy_dialog = dialog
    dialog.open()
    return dialog
