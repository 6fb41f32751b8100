"""The tenant-wide audit trail: rows, filters, paging and from → to details."""

from __future__ import annotations

from dataclasses import replace

import factories
import obs_helpers

from auditdesk.services import observations as observation_service
from auditdesk.ui.models.audit import AuditTableModel
from auditdesk.ui.views import audit_trail
from auditdesk.ui.views.audit_trail import AuditTrailView

obs_world = obs_helpers.obs_world


def test_audit_view_filters_pages_and_details(qtbot, qtmodeltester, obs_world, database, monkeypatch):
    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 5)
    manager = factories.actor(obs_world.tenant, obs_world.manager)
    auditor = factories.actor(obs_world.tenant, obs_world.auditor)
    with database.sessions() as session, session.begin():
        engagement = factories.engagement(session, manager, code="ENG-2026-777")
        made = [factories.observation(session, auditor, title=f"Item {n}") for n in range(6)]
    with database.sessions() as session, session.begin():
        first = made[0]
        observation_service.update(
            session, manager, first.id, replace(observation_service.draft_of(first), title="Item renamed"), first.version
        )

    view = AuditTrailView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 600)
    view.show()
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.reload()
    qtmodeltester.check(view.model)
    # 1 engagement + 6 observations + 1 update; users/tenant rows too.
    total = view.total
    assert total >= 8
    assert view.range_label.text() == f"rows 1–5 of {total}"
    newest = view.model.entry(0)
    assert newest.action.value == "update"
    assert view.model.index(0, 1).data() == "Maria Manager"
    assert view.model.index(0, 3).data() == first.ref
    assert view.model.index(0, 5).data() == "Title"
    # Selecting shows from → to.
    assert view.details.rowCount() == 1
    assert [view.details.item(0, c).text() for c in range(3)] == ["Title", "Item 0", "Item renamed"]

    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.next_button.click()
    assert view.range_label.text() == f"rows 6–{min(10, total)} of {total}"
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.previous_button.click()
    assert view.range_label.text().startswith("rows 1–5")

    # Filter by table, then by user.
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.table_filter.setCurrentIndex(view.table_filter.findData("audit_engagement"))
    assert view.total == 1
    assert view.model.index(0, 3).data() == engagement.code
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.table_filter.setCurrentIndex(view.table_filter.findData("observation"))
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.user_filter.setCurrentIndex(view.user_filter.findData(f"user:{obs_world.auditor.id}"))
    assert view.total == 6
    assert {view.model.index(r, 1).data() for r in range(view.model.rowCount())} == {"Alex Auditor"}
    # A date range that excludes everything.
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.use_dates.setChecked(True)
    assert view.total == 6
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.date_to.setDate(view.date_to.date().addDays(-400))
    assert view.total == 0
    assert view.range_label.text() == "no changes recorded"


def test_audit_model_empty(qtmodeltester):
    qtmodeltester.check(AuditTableModel())


def _linked_world(database, obs_world):
    """An update that moves a finding to another engagement and owner, links it as a repeat
    and writes a long management response."""
    from datetime import date, timedelta

    manager = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        first = factories.engagement(session, manager, code="ENG-2026-101")
        second = factories.engagement(session, manager, code="ENG-2026-102")
        earlier = factories.observation(
            session, manager, title="Earlier", identified_on=date.today() - timedelta(days=90)
        )
        later = factories.observation(
            session, manager, title="Later", engagement_id=first.id, owner_id=obs_world.manager.id
        )
    response = "Agreed. " + "We will fix the control and evidence it every quarter. " * 12
    with database.sessions() as session, session.begin():
        draft = replace(
            observation_service.draft_of(later),
            engagement_id=second.id,
            owner_id=obs_world.auditor.id,
            repeat_of_id=earlier.id,
            management_response=response,
        )
        observation_service.update(session, manager, later.id, draft, later.version)
    return first, second, earlier, later, response


def _changes(table) -> dict[str, tuple[str, str, str, str]]:
    """Label -> (from, to, to's tooltip, field name) of a details table."""
    return {
        table.item(r, 0).text(): (
            table.item(r, 1).text(), table.item(r, 2).text(), table.item(r, 2).toolTip(),
            table.item(r, 0).toolTip(),
        )
        for r in range(table.rowCount())
    }


def test_audit_view_shows_labels_and_resolves_ids(qtbot, obs_world, database):
    first, second, earlier, later, response = _linked_world(database, obs_world)
    view = AuditTrailView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 600)
    view.show()
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.reload()
    assert view.model.entry(0).row_id == later.id
    assert set(view.model.index(0, 5).data().split(", ")) == {
        "Engagement", "Owner", "Repeat of", "Management response"
    }
    changes = _changes(view.details)
    assert changes["Engagement"][:2] == ("ENG-2026-101", "ENG-2026-102")
    assert changes["Owner"][:2] == ("Maria Manager", "Alex Auditor")
    assert changes["Repeat of"][:2] == ("—", earlier.ref)
    assert changes["Engagement"][3] == "Engagement"  # never the column's name (issue 13)
    # Long text: one shortened line in the cell, the whole text in the tooltip.
    shown, tooltip = changes["Management response"][1], changes["Management response"][2]
    assert shown.endswith("…") and len(shown) < len(response) and response.startswith(shown[:-1])
    assert response.strip() in tooltip

    # The insert of the finding lists its fields by label, its engagement and owner by name.
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.table_filter.setCurrentIndex(view.table_filter.findData("observation"))
    inserted = next(
        r for r in range(view.model.rowCount())
        if view.model.entry(r).row_id == later.id and view.model.entry(r).action.value == "insert"
    )
    view.table.selectRow(inserted)
    changes = _changes(view.details)
    assert changes["Engagement"][1] == "ENG-2026-101"
    assert changes["Owner"][1] == "Maria Manager"
    assert changes["Severity"][1] == "Medium"
    assert "engagement_id" not in changes and "owner_id" not in changes


def test_history_panel_shows_labels_and_resolves_ids(qtbot, obs_world, database):
    from auditdesk.ui.views.observations import ObservationsView

    first, second, earlier, later, response = _linked_world(database, obs_world)
    view = ObservationsView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1440, 800)
    view.show()
    view.reload()
    view.navigate({"observation_id": later.id})
    qtbot.waitUntil(lambda: view.history.tree.topLevelItemCount() == 2, timeout=10_000)
    update = view.history.tree.topLevelItem(0)
    rows = {
        update.child(i).text(0): (update.child(i).text(1), update.child(i).text(2), update.child(i).toolTip(2))
        for i in range(update.childCount())
    }
    assert rows["Engagement"][:2] == ("ENG-2026-101", "ENG-2026-102")
    assert rows["Owner"][:2] == ("Maria Manager", "Alex Auditor")
    assert rows["Repeat of"][:2] == ("—", earlier.ref)
    assert rows["Management response"][1].endswith("…")
    assert response.strip() in rows["Management response"][2]
    assert not any(label.endswith("_id") or "_" in label for label in rows)


def test_resolve_labels_one_page(database, obs_world):
    from auditdesk.data import audit

    first, second, earlier, later, _response = _linked_world(database, obs_world)
    with database.sessions() as session:
        entries = audit.list_entries(session, obs_world.tenant.id)
        names = audit.resolve_labels(session, obs_world.tenant.id, entries)
        assert audit.resolve_labels(session, obs_world.tenant.id, []) == {}
    assert names["engagement_id"] == {first.id: "ENG-2026-101", second.id: "ENG-2026-102"}
    assert names["owner_id"][obs_world.auditor.id] == "Alex Auditor"
    assert names["repeat_of_id"] == {earlier.id: earlier.ref}
