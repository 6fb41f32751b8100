"""The due date the tenant's due-date policy proposes, shown in the observation editor's
due-date field until the user chooses one (``domain.remediation.DueDatePolicy``).

While the user has not typed a due date the field shows the policy's date for the
chosen severity and identification day, with a line saying why; typing takes over, and
emptying the field gives the policy's date back.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QLabel

from auditdesk.domain.enums import Severity
from auditdesk.domain.remediation import DueDatePolicy
from auditdesk.ui import theme
from auditdesk.ui.date_field import DateField


class DueDateProposal:
    """Follows ``severity`` and ``identified``; writes into ``due`` while ``proposed``.
    ``hint`` is the explaining line (the caller places it under the field)."""

    def __init__(self, severity: QComboBox, identified: DateField, due: DateField):
        self.severity, self.identified, self.due = severity, identified, due
        self.proposed = False
        # The tenant's policy once the editor has read it; the defaults until then.
        self.policy = DueDatePolicy.defaults()
        self.hint = QLabel()
        self.hint.setObjectName("dueHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color:{theme.MUTED_TEXT}; font-size: 11px;")
        self.hint.hide()
        severity.currentIndexChanged.connect(lambda _i: self.propose())
        identified.changed.connect(self.propose)
        due.edit.textEdited.connect(self._typed)
        due.edit.editingFinished.connect(self._left)

    def proposed_date(self) -> date | None:
        severity, identified = self.severity.currentData(), self.identified.value()
        if severity is None or identified is None:
            return None
        return self.policy.proposed_due_date(Severity(severity), identified)

    def start(self, due_date: date | None) -> None:
        """A draft was loaded: propose unless it has a due date of its own."""
        self.proposed = due_date is None
        self.propose()

    def propose(self) -> None:
        """While the user has not chosen a due date, the field shows the policy's."""
        proposed = self.proposed_date()
        if proposed is None:
            return
        self.due.edit.setPlaceholderText(f"{proposed.isoformat()} (proposed)")
        if self.proposed:
            self.due.set_value(proposed)
            severity = Severity(self.severity.currentData())
            self.hint.setText(
                f"Proposed by the due-date policy: {severity.label} findings are due "
                f"{self.policy.days_for(severity)} days after they are identified."
            )
        self.hint.setVisible(self.proposed)

    def _typed(self, _text: str) -> None:
        self.proposed = False
        self.hint.hide()

    def _left(self) -> None:
        if not self.due.text().strip():  # emptied: the policy's date applies again
            self.proposed = True
            self.propose()
