"""The observation editor's "Validation" tab: the finding's validations (latest first),
"Record validation…" while it is pending validation (not for its owner: the button is
disabled with the reason), and what its status carries — the risk acceptance and its
expiry, the reason a manager closed it without validation, a due-date extension."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.records import Observation
from auditdesk.domain.remediation_records import ObservationValidation
from auditdesk.services.remediation import validation as validation_service
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.remediation_dialogs import ValidationDialog, describe_acceptance
from auditdesk.ui.role_reasons import NOT_PENDING_VALIDATION, OWN_FINDING_VALIDATION


def validation_block_reason(context: AppContext, observation: Observation | None) -> str | None:
    """Why the signed-in person may not record a validation now (None: they may)."""
    if observation is None or observation.status is not ObservationStatus.PENDING_VALIDATION:
        return NOT_PENDING_VALIDATION
    if context.user is not None and context.user.id == observation.owner_id:
        return OWN_FINDING_VALIDATION
    return None


class ValidationPanel(QWidget):
    """``validated(Observation)`` after a validation was recorded."""

    validated = Signal(object)
    loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("validationPanel")
        self._context = context
        self.observation: Observation | None = None
        self.dialog: ValidationDialog | None = None
        self.state = QLabel("Save the finding first.")
        self.state.setObjectName("remediationState")
        self.state.setWordWrap(True)
        self.history = QTreeWidget()
        self.history.setObjectName("validationHistory")
        self.history.setHeaderLabels(["Validated on", "Result", "By", "Notes"])
        self.history.setRootIsDecorated(False)
        self.history.setColumnWidth(0, 110)
        self.history.setColumnWidth(1, 80)
        self.history.setColumnWidth(2, 160)
        self.record_button = QPushButton("Record validation…")
        self.record_button.setObjectName("recordValidation")
        self.record_button.clicked.connect(self.open_dialog)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(QLabel("Validations of the fix, latest first:"))
        layout.addWidget(self.history, 1)
        layout.addLayout(row)
        self._apply_rights()

    def show_finding(self, observation: Observation) -> None:
        self.observation = observation
        self.state.setText(self._describe(observation))
        self._apply_rights()
        tenant_id, observation_id = self._context.tenant_id, observation.id
        self._context.worker.submit(
            lambda s: validation_service.list_validations(s, tenant_id, observation_id),
            self._show_history, owner=self,
        )

    def _describe(self, observation: Observation) -> str:
        status = observation.status
        lines = [f"Status: {status.label.lower()}."]
        if status is ObservationStatus.PENDING_VALIDATION:
            lines.append("Waiting for an auditor other than its owner to validate the fix.")
        if status is ObservationStatus.RISK_ACCEPTED:
            lines.append(describe_acceptance(observation, self._context.today()))
        if status is ObservationStatus.CLOSED and observation.closure_reason:
            lines.append(f"Closed without a passed validation: {observation.closure_reason}")
        if observation.due_date_extension_reason and observation.original_due_date and (
            observation.due_date and observation.due_date > observation.original_due_date
        ):
            lines.append(
                f"Due date extended from {observation.original_due_date.isoformat()} to "
                f"{observation.due_date.isoformat()}: {observation.due_date_extension_reason}"
            )
        return " ".join(lines)

    def _apply_rights(self) -> None:
        reason = validation_block_reason(self._context, self.observation)
        self.record_button.setEnabled(reason is None)
        self.record_button.setToolTip(reason or "")

    def _show_history(self, rows: list[ObservationValidation]) -> None:
        self.history.clear()
        for v in rows:
            item = QTreeWidgetItem([v.validated_on.isoformat(), v.result.label,
                                    v.validated_by_name or "—", v.notes])
            item.setToolTip(3, v.notes)
            if v.result.value == "failed":
                item.setForeground(1, QBrush(QColor(theme.ERROR_FG)))
            self.history.addTopLevelItem(item)
        self.loaded.emit()

    def open_dialog(self) -> ValidationDialog | None:
        if self.observation is None or validation_block_reason(self._context, self.observation):
            return None
        dialog = ValidationDialog(self._context, self.observation, self)
        dialog.recorded.connect(self._recorded)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _recorded(self, observation: Observation) -> None:
        self.show_finding(observation)
        self.validated.emit(observation)

