"""The observations table's action-plan column ("done / total", hidden until asked for in
the header's menu, red when an open action is late) and the "Overdue actions" filter,
which reads the stored earliest due date of a finding's open actions."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import obs_helpers
from PySide6.QtCore import Qt
from sqlalchemy import text

from auditdesk.domain.queries import ObservationFilter
from auditdesk.services import observations as observation_service
from auditdesk.ui.models.observations import COLUMNS, RowRole
from auditdesk.ui.views.observation_table import column_menu
from auditdesk.ui.views.observations import ObservationsView

obs_world = obs_helpers.obs_world
ACTIONS = next(i for i, c in enumerate(COLUMNS) if c.key == "actions")


def _action(session, tenant_id: int, observation_id: int, title: str, due: date,
            status: str = "planned") -> None:
    done = status == "done"
    session.execute(
        text("INSERT INTO remediation_action (tenant_id, observation_id, title, due_date, status,"
             " percent_complete, completed_on) VALUES (:t, :o, :title, :due, :status, :pct, :on)"),
        {"t": tenant_id, "o": observation_id, "title": title, "due": due, "status": status,
         "pct": 100 if done else 0, "on": due if done else None},
    )


def _world(database, obs_world):
    today = date.today()
    who = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        late = factories.observation(session, who, title="Late plan", identified_on=today - timedelta(days=90))
        on_time = factories.observation(session, who, title="On time", identified_on=today - timedelta(days=90))
        factories.observation(session, who, title="No plan", identified_on=today - timedelta(days=90))
        t = obs_world.tenant.id
        _action(session, t, late.id, "Fix the report", today - timedelta(days=30), "done")
        _action(session, t, late.id, "Train the team", today - timedelta(days=3))
        _action(session, t, on_time.id, "Write the policy", today + timedelta(days=20), "in_progress")
    return late, on_time


def test_the_filter_finds_findings_with_a_late_open_action(database, obs_world):
    late, on_time = _world(database, obs_world)
    with database.sessions() as session:
        rows = observation_service.list_page(session, obs_world.tenant.id,
                                             ObservationFilter(overdue_actions_only=True))
        every = {r.title: r for r in observation_service.list_page(session, obs_world.tenant.id)}
    assert [r.id for r in rows] == [late.id]
    assert (every["Late plan"].actions_done, every["Late plan"].actions_total) == (1, 2)
    assert every["Late plan"].has_overdue_actions and not every["On time"].has_overdue_actions
    assert every["No plan"].actions_total == 0


def test_the_column_is_offered_in_the_header_menu_and_shows_done_of_total(qtbot, database, obs_world):
    late, _ = _world(database, obs_world)
    view = ObservationsView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: view.model.total == 3 and view.model.rowCount() == 3, timeout=10_000)
    header = view.table.horizontalHeader()
    assert header.isSectionHidden(ACTIONS)
    menu = column_menu(view.table)
    entry = next(a for a in menu.actions() if a.text() == "Actions")
    assert not entry.isChecked()
    entry.trigger()
    assert not header.isSectionHidden(ACTIONS)
    row = next(r for r in range(3) if view.model.index(r, 0).data(RowRole).id == late.id)
    cell = view.model.index(row, ACTIONS)
    assert cell.data() == "1/2"
    assert "past its due date" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data(Qt.ItemDataRole.ForegroundRole) is not None

    order = (view.model.query.sort, view.model.query.descending)
    header.setSortIndicator(ACTIONS, Qt.SortOrder.DescendingOrder)  # a click on its header
    assert (view.model.query.sort, view.model.query.descending) == order
    assert header.sortIndicatorSection() != ACTIONS

    view.filter_bar.overdue_actions.setChecked(True)
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
