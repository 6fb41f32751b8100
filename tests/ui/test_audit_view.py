"""The tenant-wide audit trail: rows, filters, paging and from → to details."""

from __future__ import annotations

from dataclasses import replace

import factories
import obs_helpers

from auditdesk.data import observations as obs_data
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
        obs_data.update_observation(
            session, manager, first.id, replace(obs_data.draft_of(first), title="Item renamed"), first.version
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
    assert view.model.index(0, 5).data() == "title"
    # Selecting shows from → to.
    assert view.details.rowCount() == 1
    assert [view.details.item(0, c).text() for c in range(3)] == ["title", "Item 0", "Item renamed"]

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
