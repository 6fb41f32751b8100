"""What a role may not do is disabled in the client, with the reason as the tooltip:
an auditor cannot delete findings (managers and admins may) nor create, change or delete
engagements (admins only). The database refuses these anyway (tests/security)."""

from __future__ import annotations

from datetime import date

import factories
import obs_helpers
from PySide6.QtCore import Qt

from auditdesk.domain.enums import Role
from auditdesk.ui.role_reasons import ONLY_ADMINS_ENGAGEMENTS, ONLY_MANAGERS_DELETE
from auditdesk.ui.views.engagements import EngagementsView
from auditdesk.ui.views.observations import ObservationsView

obs_world = obs_helpers.obs_world


def _observations_view(qtbot, context) -> ObservationsView:
    view = ObservationsView(context)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: view.model.total == 1 and view.model.rowCount() == 1, timeout=10_000)
    view.table.selectRow(0)
    assert view.selected_row() is not None
    return view


def test_an_auditor_sees_why_deleting_a_finding_is_off(qtbot, obs_world, database):
    with database.sessions() as session, session.begin():
        factories.observation(session, factories.actor(obs_world.tenant, obs_world.manager),
                              title="Cash count", identified_on=date(2026, 3, 1))
    context = obs_world.context
    context.set_tenant(obs_world.tenant, obs_world.auditor)
    view = _observations_view(qtbot, context)
    assert not view.delete_action.isEnabled()
    assert view.delete_action.toolTip() == ONLY_MANAGERS_DELETE
    assert view.edit_action.isEnabled()
    view.delete_selected()  # the Del key while disabled: nothing is asked, nothing deleted
    assert view.confirm_box is None

    context.set_tenant(obs_world.tenant, obs_world.manager)
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    view.table.selectRow(0)
    assert view.delete_action.isEnabled()
    assert view.delete_action.toolTip() != ONLY_MANAGERS_DELETE


def test_only_an_admin_may_create_change_or_delete_engagements(qtbot, obs_world, database):
    context = obs_world.context
    with database.sessions() as session, session.begin():
        factories.engagement(session, factories.actor(obs_world.tenant), code="ENG-2026-001",
                             title="Treasury", auditee="Treasury", status="fieldwork")
        admin = factories.user(session, obs_world.tenant.id, Role.ADMIN, "Ada Admin")
    view = EngagementsView(context)  # the manager is signed in
    qtbot.addWidget(view)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.selectRow(0)
    for button in (view.new_button, view.edit_button, view.delete_button):
        assert not button.isEnabled()
        assert button.toolTip() == ONLY_ADMINS_ENGAGEMENTS
    view.new_engagement()  # Ctrl+N while disabled opens nothing
    assert not [w for w in view.findChildren(type(view.window())) if w.isWindow() and w is not view]

    context.set_tenant(obs_world.tenant, admin)
    qtbot.waitUntil(lambda: view.new_button.isEnabled())
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    view.table.selectRow(0)
    assert view.edit_button.isEnabled() and view.delete_button.isEnabled()
    assert "F2" in view.edit_button.toolTip()
    assert view.table.model().data(view.table.model().index(0, 0), Qt.ItemDataRole.DisplayRole) == "ENG-2026-001"
