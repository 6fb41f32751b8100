"""What the observation editor asks before it saves a step that needs more than the
form holds: accepting a risk (justification and expiry), closing without a passed
validation (a reason), moving a raised finding's due date later (a reason). The
questions are asked one after another in small dialogs opened with ``open()``; when
all are answered the draft, completed, goes to ``proceed``; cancelling any saves
nothing. The rules themselves are the domain's (``domain.remediation``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import QDialog, QWidget

from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.enums import ObservationStatus
from auditdesk.domain.records import Observation
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.remediation_dialogs import ReasonDialog, RiskAcceptanceDialog

S = ObservationStatus
Question = Callable[[ObservationDraft, Callable[[ObservationDraft], None]], QDialog]


class SavePrompts:
    def __init__(self, context: AppContext, parent: QWidget):
        self._context = context
        self._parent = parent
        self.dialog: QDialog | None = None  # the question asked now (tests answer it)

    def questions(self, stored: Observation | None, draft: ObservationDraft) -> list[Question]:
        """The questions ``draft`` needs answered, in order (none for a new finding)."""
        if stored is None:
            return []
        asked: list[Question] = []
        status = S(draft.status)
        if status is S.RISK_ACCEPTED and stored.status is not S.RISK_ACCEPTED:
            asked.append(lambda d, then: self._accept_risk(stored, d, then))
        if status is S.CLOSED and stored.status is not S.CLOSED:
            asked.append(lambda d, then: self._reason(
                "Close without validation",
                f"{stored.ref} has no passed validation. Say why it is closed anyway; the "
                "reason is kept with the finding.",
                lambda d, text: replace(d, closure_reason=text), d, then))
        if (stored.status is not S.DRAFT and stored.due_date and draft.due_date
                and draft.due_date > stored.due_date):
            asked.append(lambda d, then: self._reason(
                "Extend the due date",
                f"The due date moves from {stored.due_date.isoformat()} to "
                f"{draft.due_date.isoformat() if draft.due_date else ''}. Say why; the original "
                f"due date ({(stored.original_due_date or stored.due_date).isoformat()}) is kept.",
                lambda d, text: replace(d, due_date_extension_reason=text), d, then))
        return asked

    def complete(self, stored: Observation | None, draft: ObservationDraft,
                 proceed: Callable[[ObservationDraft], None]) -> None:
        """Ask what ``draft`` needs, then ``proceed`` with the answers in it."""
        pending = self.questions(stored, draft)

        def next_question(current: ObservationDraft) -> None:
            if not pending:
                self.dialog = None
                proceed(current)
                return
            self.dialog = pending.pop(0)(current, next_question)

        next_question(draft)

    def _accept_risk(self, stored: Observation, draft: ObservationDraft,
                     then: Callable[[ObservationDraft], None]) -> QDialog:
        dialog = RiskAcceptanceDialog(self._context, stored, self._parent)
        dialog.given.connect(lambda accepted: then(replace(
            draft, risk_accepted_until=accepted.until, risk_acceptance_reason=accepted.reason)))
        dialog.open()
        return dialog

    def _reason(self, title: str, prompt: str,
                fill: Callable[[ObservationDraft, str], ObservationDraft],
                draft: ObservationDraft, then: Callable[[ObservationDraft], None]) -> QDialog:
        dialog = ReasonDialog(title, prompt, self._parent)
        dialog.given.connect(lambda text: then(fill(draft, text)))
        dialog.open()
        return dialog
