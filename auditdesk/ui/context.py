"""What every view shares: the open database, the worker, the current tenant and user,
and a signal announcing what a write changed so views refresh only what is affected."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from auditdesk.data import observations as obs_data
from auditdesk.db.connection import Database
from auditdesk.domain.records import Actor, Tenant, User
from auditdesk.ui.worker import DbWorker


class AppContext(QObject):
    tenant_changed = Signal(object)  # Tenant
    database_changed = Signal(object)  # Database | None
    # table name ("observation", "audit_engagement", "dashboard_snapshot", ...), ids (tuple)
    data_changed = Signal(str, object)
    status_message = Signal(str)
    # Ask the main window to show a view: ("observations", {"engagement_id": 7}),
    # ("lineage", {"observation_id": 42}), ("editor", {"observation_id": 42}), ...
    navigate = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.worker = DbWorker(parent=self)
        self.database: Database | None = None
        self.tenant: Tenant | None = None
        self.tenants: list[Tenant] = []
        self.user: User | None = None  # the application user of the current login, if mapped

    # -- state -------------------------------------------------------------------------------
    def set_database(self, database: Database | None) -> None:
        self.database = database
        self.worker.set_sessions(database.sessions if database else None)
        if database is not None:
            self.worker.submit(_warm_up)
        self.database_changed.emit(database)

    def set_tenant(self, tenant: Tenant | None, user: User | None = None) -> None:
        self.tenant = tenant
        self.user = user if (user is not None and tenant and user.tenant_id == tenant.id) else None
        self.tenant_changed.emit(tenant)

    @property
    def tenant_id(self) -> int:
        if self.tenant is None:
            raise RuntimeError("no tenant selected")
        return self.tenant.id

    @property
    def actor(self) -> Actor:
        if self.user is not None:
            return Actor(self.tenant_id, self.user.id, self.user.role, self.user.display_name)
        return Actor(self.tenant_id)

    @property
    def may_manage(self) -> bool:
        """Managers, admins and the embedded workspace owner (no mapped user)."""
        return self.user is None or self.user.role.may_accept_risk

    def announce_change(self, table: str, ids=()) -> None:
        self.data_changed.emit(table, tuple(ids))


def _warm_up(session) -> None:
    """While the database opens: compile the first table page's SQL (never fails loudly;
    the real query reports any problem)."""
    try:
        obs_data.warm_up(session)
    except Exception:  # a warm-up that fails costs nothing
        session.rollback()
