"""What every view shares: the open database, the runner (``worker``), the current tenant
and user, ``changed`` announcing what a write changed (a ``Changes``) so views refresh
only what they show, and ``show_error``, the one way an error reaches the user
(docs/architecture.md, "How errors reach a user")."""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QObject, Signal

from auditdesk.db.connection import Database
from auditdesk.domain.changes import Changes
from auditdesk.domain.clock import DEFAULT_TIME_ZONE, today_in
from auditdesk.domain.records import Actor, Tenant, User
from auditdesk.services import observations as observation_service
from auditdesk.services.errors import user_message
from auditdesk.ui.runner import Runner

log = logging.getLogger(__name__)


class AppContext(QObject):
    tenant_changed = Signal(object)  # Tenant
    user_changed = Signal(object)  # User | None: who acts, in the same tenant
    database_changed = Signal(object)  # Database | None
    changed = Signal(object)  # Changes: the tables (and rows) a write changed
    error_raised = Signal(object)  # an error for the one error display (the banner)
    status_message = Signal(str)
    # Ask the main window to show a view: ("observations", {"engagement_id": 7}),
    # ("lineage", {"observation_id": 42}), ("editor", {"observation_id": 42}), ...
    navigate = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.worker = Runner(parent=self)
        self.worker.changed.connect(self.announce)
        self.worker.failed.connect(self.show_error)
        self.database: Database | None = None
        self.tenant: Tenant | None = None
        self.tenants: list[Tenant] = []
        self.user: User | None = None  # the application user of the current login, if mapped

    # -- state -------------------------------------------------------------------------------
    def set_database(self, database: Database | None) -> None:
        self.database = database
        self.worker.set_sessions(database.sessions if database else None)
        if database is not None:
            self.worker.submit(_warm_up, owner=self)
        self.database_changed.emit(database)

    def set_tenant(self, tenant: Tenant | None, user: User | None = None) -> None:
        self.tenant = tenant
        self.user = user if (user is not None and tenant and user.tenant_id == tenant.id) else None
        self.tenant_changed.emit(tenant)

    def set_user(self, user: User | None) -> None:
        """Act as ``user`` in the current tenant from now on (the workspace's person, once
        their user is known); a user of another tenant is refused."""
        if user is not None and (self.tenant is None or user.tenant_id != self.tenant.id):
            raise ValueError("the user belongs to another tenant")
        self.user = user
        self.user_changed.emit(user)

    @property
    def tenant_id(self) -> int:
        if self.tenant is None:
            raise RuntimeError("no tenant selected")
        return self.tenant.id

    def today(self) -> date:
        """Today on the current tenant's clock (its zone), computed here without a query
        (docs/architecture.md, "One clock")."""
        return today_in(self.tenant.time_zone if self.tenant is not None else DEFAULT_TIME_ZONE)

    @property
    def actor(self) -> Actor:
        if self.user is not None:
            return Actor(self.tenant_id, self.user.id, self.user.role, self.user.display_name)
        return Actor(self.tenant_id)

    @property
    def may_manage(self) -> bool:
        """Managers, admins and the embedded workspace owner (no mapped user)."""
        return self.user is None or self.user.role.may_accept_risk

    @property
    def may_delete_findings(self) -> bool:
        return self.user is None or self.user.role.may_delete_findings

    @property
    def may_manage_engagements(self) -> bool:
        return self.user is None or self.user.role.may_manage_engagements

    def announce(self, changes: Changes) -> None:
        """Tell the views what changed; each refreshes only if it shows those tables."""
        if changes:
            self.changed.emit(changes)

    def show_error(self, error: BaseException) -> None:
        """The one way an error nobody else explains reaches the user."""
        log.info("shown to the user: %s", user_message(error))
        self.error_raised.emit(error)


def _warm_up(session) -> None:
    """While the database opens: compile the first table page's SQL (never fails loudly;
    the real query reports any problem)."""
    try:
        observation_service.warm_up(session)
    except Exception:  # a warm-up that fails costs nothing
        session.rollback()
