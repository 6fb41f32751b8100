"""The observation editor's tabs: "Finding" (the form), "Action plan" and "Validation",
and ``add_panel`` for any further one (the evidence files' panel goes in with one call).

Once the editor has loaded a finding, ``show_finding`` asks (on the runner) whether the
signed-in person may change it and reads the tenant's due-date policy, which the form's
due-date proposal follows; the panels load their own rows.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from auditdesk.domain.records import Observation
from auditdesk.services.remediation import access, policy
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.action_plan import ActionPlanPanel
from auditdesk.ui.dialogs.validation_panel import ValidationPanel


def _rights_job(actor, observation_id: int | None):
    def job(session):
        may = observation_id is not None and access.may_edit(session, actor, observation_id)
        return may, policy.due_date_policy(session, actor.tenant_id)

    return job


class EditorTabs(QTabWidget):
    """``finding_changed(Observation)`` when a panel's write moved the finding itself (a
    validation closes it or sends it back): the editor shows the stored version."""

    finding_changed = Signal(object)
    ready = Signal()

    def __init__(self, context: AppContext, form_page: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("editorTabs")
        self._context = context
        self.users: list[tuple[int, str]] = []
        self.addTab(form_page, "Finding")
        self.action_plan = ActionPlanPanel(context)
        self.validation = ValidationPanel(context)
        self.addTab(self.action_plan, "Action plan")
        self.addTab(self.validation, "Validation")
        self.validation.validated.connect(self.finding_changed)
        self.policy_listeners: list = []

    def add_panel(self, panel: QWidget, title: str) -> int:
        """Add a further tab (e.g. the finding's evidence files); its index."""
        return self.addTab(panel, title)

    def show_finding(self, observation: Observation | None,
                     users: list[tuple[int, str]]) -> None:
        """Load the tabs for ``observation`` (None: a new finding, read-only plan)."""
        self.users = users
        observation_id = observation.id if observation else None
        self._context.worker.submit(
            _rights_job(self._context.actor, observation_id),
            lambda result: self._rights(observation, *result), owner=self,
        )
        if observation is not None:
            self.validation.show_finding(observation)
        count = observation.actions_total if observation else 0
        done = observation.actions_done if observation else 0
        self.setTabText(1, f"Action plan · {done} of {count} done" if count else "Action plan")

    def _rights(self, observation: Observation | None, may_edit: bool, due_policy) -> None:
        for listener in self.policy_listeners:
            listener(due_policy)
        if observation is not None:
            self.action_plan.show_finding(observation.id, observation.owner_id,
                                          observation.due_date, may_edit, self.users)
        self.ready.emit()
