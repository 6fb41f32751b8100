"""Who works in an embedded workspace (``services.workspace_person``): on the first start
ask for the person's name and e-mail address (``dialogs.person``), then in every tenant
chosen act as their application user, so that the audit trail names them instead of
the workspace's owner role.

``policy``: "ask" (the desktop client), "auto" (take the operating-system account
without asking: the selfcheck), "never" (stay the workspace owner). A database on a
server is left alone: there each person signs in with a login of their own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from auditdesk.db.connection import Database
from auditdesk.domain.records import Tenant, User
from auditdesk.services import workspace_person as people
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.person import PersonDialog


class WorkspacePersonFlow(QObject):
    """``settled`` once the person of a newly opened database is known (or not asked):
    the window then goes on to load its tenants."""

    settled = Signal()
    acting = Signal(object)  # User: the person's user in the current tenant

    def __init__(self, context: AppContext, window: QWidget, policy: str = "ask"):
        super().__init__(window)
        self.context = context
        self.window = window
        self.policy = policy
        self.person: people.WorkspacePerson | None = None
        self.workspace: Path | None = None
        self.dialog: PersonDialog | None = None
        context.tenant_changed.connect(self._tenant_changed)

    def database_opened(self, database: Database) -> None:
        """Find (or ask for) the person of an embedded workspace, then ``settled``."""
        self.person = None
        server = database.embedded_server
        self.workspace = server.workspace if server is not None else None
        if self.workspace is None or self.policy == "never":
            self.settled.emit()
            return
        workspace = self.workspace
        self.context.worker.run(
            lambda: people.read_person(workspace), self._read, self._failed, owner=self.window,
            key="workspace-person",
        )

    def _read(self, person: people.WorkspacePerson | None) -> None:
        if person is not None:
            self._known(person)
            return
        proposed = people.os_account_defaults()
        if self.policy == "auto":
            self._save(proposed)
            return
        dialog = PersonDialog(proposed, self.window)
        self.dialog = dialog

        def answered(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted and dialog.person is not None:
                self._save(dialog.person)
            else:
                self.settled.emit()  # the workspace owner for now; asked again next time

        dialog.finished.connect(answered)
        dialog.open()

    def _save(self, person: people.WorkspacePerson) -> None:
        workspace = self.workspace
        if workspace is None:
            return
        self.context.worker.run(
            lambda: people.save_person(workspace, person.display_name, person.email),
            self._known, self._failed, owner=self.window,
        )

    def _failed(self, error: BaseException) -> None:
        self.context.show_error(error)
        self.settled.emit()

    def _known(self, person: people.WorkspacePerson) -> None:
        self.person = person
        self.settled.emit()
        self._tenant_changed(self.context.tenant)

    def _tenant_changed(self, tenant: Tenant | None) -> None:
        """Act as the person in this tenant (their user is made when it is missing)."""
        person = self.person
        if person is None or tenant is None or self.context.database is None:
            return
        tenant_id = tenant.id

        def job(session):
            return people.user_in_tenant(session, tenant_id, person)

        def done(user: User) -> None:
            current = self.context.tenant
            if current is not None and current.id == tenant_id:
                self.context.set_user(user)
                self.acting.emit(user)

        self.context.worker.submit(job, done, self.context.show_error, owner=self.window,
                                   key="workspace-person-user")
