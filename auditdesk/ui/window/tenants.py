"""The tenant switcher: load the tenants of the open database and the signed-in login's
user, choose one (preferred, remembered, the user's own, or the first), and switch."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from auditdesk.domain.records import Tenant, User
from auditdesk.ui.context import AppContext

Warn = Callable[[str], None]


class TenantSwitcher(QObject):
    """``chosen`` after a tenant was selected (loaded or picked); ``loaded`` once the
    tenants of a database arrived and one was chosen; ``none_found`` when it has none."""

    chosen = Signal(object)  # Tenant
    loaded = Signal()
    none_found = Signal()

    def __init__(self, context: AppContext, settings: QSettings, toolbar: QToolBar, warn: Warn,
                 preferred: str | None = None):
        super().__init__(toolbar)
        self.context = context
        self.settings = settings
        self.preferred = preferred
        self._warn = warn
        self.login_user: User | None = None
        self.combo = QComboBox(toolbar)
        self.combo.setObjectName("tenantSwitcher")
        self.combo.setMinimumWidth(200)
        self.combo.activated.connect(self._picked)
        self.label_action = toolbar.addWidget(QLabel("Tenant:", toolbar))
        self.combo_action = toolbar.addWidget(self.combo)
        self.label_action.setVisible(False)
        self.combo_action.setVisible(False)

    def load(self) -> None:
        if self.context.database is None:
            return

        from auditdesk.services.tenants import sign_in

        self.context.worker.submit(sign_in, self._loaded, key="main:tenants", owner=self.combo)

    def _loaded(self, result: tuple[list[Tenant], User | None]) -> None:
        tenants, user = result
        self.context.tenants = list(tenants)
        self.login_user = user
        self.combo.blockSignals(True)
        self.combo.clear()
        for tenant in tenants:
            self.combo.addItem(tenant.name, tenant.id)
        self.combo.blockSignals(False)
        several = len(tenants) > 1
        self.label_action.setVisible(several)
        self.combo_action.setVisible(several)
        if not tenants:
            self.context.set_tenant(None)
            self.none_found.emit()
            return
        self.select(self._choose(tenants, user))
        self.loaded.emit()

    def _choose(self, tenants: list[Tenant], user: User | None) -> Tenant:
        by_slug = {t.slug: t for t in tenants}
        if self.preferred and self.preferred in by_slug:
            return by_slug[self.preferred]
        if self.preferred:
            self._warn(f"No tenant '{self.preferred}' here; showing {tenants[0].name}.")
        remembered = self.settings.value("tenant")
        if remembered in by_slug:
            return by_slug[remembered]
        if user is not None:
            for tenant in tenants:
                if tenant.id == user.tenant_id:
                    return tenant
        return tenants[0]

    def select(self, tenant: Tenant) -> None:
        self.context.set_tenant(tenant, self.login_user)
        index = self.combo.findData(tenant.id)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        self.settings.setValue("tenant", tenant.slug)
        self.chosen.emit(tenant)

    def _picked(self, index: int) -> None:
        tenant_id = self.combo.itemData(index)
        current = self.context.tenant
        for tenant in self.context.tenants:
            if tenant.id == tenant_id and (current is None or tenant.id != current.id):
                self.select(tenant)
