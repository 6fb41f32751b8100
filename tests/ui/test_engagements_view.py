"""The engagements table: database-side filter and sort, create and edit with validation
messages, the delete confirmation, navigation to observations, and the table models."""

from __future__ import annotations

from datetime import date

import factories as f
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from auditdesk.domain.enums import EngagementStatus
from auditdesk.ui.models.engagements import EngagementTableModel, MyEngagementsModel


@pytest.fixture
def seeded(ui_context, database):
    """Three engagements (one with observations) and a lead auditor."""
    tenant = ui_context.tenant
    with database.sessions.begin() as session:
        lead = f.user(session, tenant.id, name="Lena Lead")
        who = f.actor(tenant)
        treasury = f.engagement(
            session, who, code="ENG-2026-001", title="Treasury cash controls", auditee="Treasury",
            status="fieldwork", lead_auditor_id=lead.id, planned_end=date(2026, 12, 1),
        )
        payroll = f.engagement(
            session, who, code="ENG-2026-002", title="Payroll review", auditee="Human Resources",
            status="planned", planned_end=date(2026, 6, 1),
        )
        closed = f.engagement(
            session, who, code="ENG-2025-009", title="Zeta closed audit", auditee="Procurement",
            status="closed",
        )
        for _ in range(3):
            f.observation(session, who, engagement_id=treasury.id)
        f.observation(session, who, engagement_id=treasury.id, status="closed")
    return {"lead": lead, "treasury": treasury, "payroll": payroll, "closed": closed}


@pytest.fixture
def view(qtbot, ui_context, ui_idle, seeded):
    from auditdesk.ui.views.engagements import EngagementsView

    widget = EngagementsView(ui_context)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    widget.reload()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 3)
    return widget


def codes(view) -> list[str]:
    return [view.model.record(r).code for r in range(view.model.rowCount())]


def test_rows_show_counts_and_progress(view, seeded, qtmodeltester):
    model = view.model
    row = model.row_of(seeded["treasury"].id)
    assert model.index(row, EngagementTableModel.LEAD).data() == "Lena Lead"
    assert model.index(row, EngagementTableModel.TOTAL).data() == 4
    assert model.index(row, EngagementTableModel.OPEN).data() == 3
    assert model.index(row, EngagementTableModel.PROGRESS).data() == "1/4"
    assert view.has_data()
    qtmodeltester.check(model)


def test_sort_by_any_column_runs_in_the_database(view, qtbot):
    assert codes(view) == ["ENG-2025-009", "ENG-2026-001", "ENG-2026-002"]
    view.table.sortByColumn(EngagementTableModel.TITLE, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: codes(view)[0] == "ENG-2025-009" and codes(view)[-1] == "ENG-2026-002")
    assert [view.model.record(r).title for r in range(3)] == [
        "Zeta closed audit", "Treasury cash controls", "Payroll review"
    ]
    view.table.sortByColumn(EngagementTableModel.TOTAL, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: codes(view)[0] == "ENG-2026-001")
    view.table.sortByColumn(EngagementTableModel.STATUS, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: codes(view) == ["ENG-2026-001", "ENG-2026-002", "ENG-2025-009"])


def test_text_and_status_filters(view, qtbot):
    qtbot.keyClicks(view.search, "payroll")
    qtbot.waitUntil(lambda: codes(view) == ["ENG-2026-002"])
    assert view.count_label.text() == "1 engagement"
    view.search.clear()
    qtbot.waitUntil(lambda: len(codes(view)) == 3)
    view.status_filter.setCurrentIndex(view.status_filter.findData(EngagementStatus.CLOSED))
    qtbot.waitUntil(lambda: codes(view) == ["ENG-2025-009"])
    qtbot.keyClicks(view.search, "nothing like this")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.stack.currentWidget() is view.empty
    assert "No engagement matches" in view.empty.text()


def test_double_click_opens_the_engagements_observations(view, qtbot, ui_context, seeded):
    row = view.model.row_of(seeded["treasury"].id)
    with qtbot.waitSignal(ui_context.navigate) as blocker:
        view.table.doubleClicked.emit(view.model.index(row, 0))
    assert blocker.args == ["observations", {"engagement_id": seeded["treasury"].id}]
    view.table.setFocus()
    view.table.selectRow(row)
    with qtbot.waitSignal(ui_context.navigate) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args[1] == {"engagement_id": seeded["treasury"].id}


def test_create_shows_validation_messages_beside_fields_then_saves(view, qtbot, ui_idle, ui_context):
    dialog = view._edit(None)
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False))
    dialog.code.setText("bad code!")
    dialog.title_edit.setText("")
    dialog.auditee.setEditText("Treasury")
    dialog.period_start.set_value(date(2026, 3, 1))
    dialog.period_end.set_value(date(2026, 1, 1))
    dialog.save()
    assert dialog.errors["code"].isVisible()
    assert dialog.errors["code"].text() == "Use capitals, digits and dashes, e.g. ENG-2026-014"
    assert dialog.errors["title"].text() == "Title is required"
    assert dialog.errors["period_end"].text() == "Period end must not be before period start"
    assert not dialog.errors["auditee"].isVisible()
    assert dialog.isVisible()

    # The database refuses a duplicate code: shown beside the code too.
    dialog.code.setText("ENG-2026-001")
    dialog.title_edit.setText("Liquidity risk")
    dialog.period_end.set_value(date(2026, 6, 30))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.errors["code"].isVisible())
    assert "already used" in dialog.errors["code"].text()

    dialog.code.setText("eng-2026-050")
    lead_index = dialog.lead.findText("Lena Lead", Qt.MatchFlag.MatchStartsWith)
    dialog.lead.setCurrentIndex(lead_index)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    created = saved.args[0]
    assert created.code == "ENG-2026-050" and created.lead_auditor_name == "Lena Lead"
    qtbot.waitUntil(lambda: "ENG-2026-050" in codes(view))
    assert view.selected().code == "ENG-2026-050"


def test_edit_updates_the_row(view, qtbot, seeded):
    view.select_engagement(seeded["payroll"].id)
    view.edit_selected()
    dialog = view.editor
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False))
    assert dialog.code.text() == "ENG-2026-002"
    dialog.title_edit.setText("Payroll and benefits review")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    qtbot.waitUntil(
        lambda: view.model.record(view.model.row_of(seeded["payroll"].id)).title
        == "Payroll and benefits review"
    )


def test_delete_confirmation_says_observations_are_kept(view, qtbot, seeded, database):
    view.select_engagement(seeded["treasury"].id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: getattr(view, "confirmation", None) is not None and view.confirmation.isVisible())
    box = view.confirmation
    assert "ENG-2026-001" in box.text()
    assert "Its 4 observations are kept" in box.text()
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    delete.click()
    qtbot.waitUntil(lambda: seeded["treasury"].id not in [view.model.record(r).id for r in range(view.model.rowCount())])
    from sqlalchemy import text

    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM observation WHERE engagement_id IS NULL")).scalar()
    assert kept == 4


def test_cancelled_delete_keeps_the_engagement(view, qtbot, seeded):
    view.select_engagement(seeded["payroll"].id)
    view.delete_selected()
    qtbot.waitUntil(lambda: getattr(view, "confirmation", None) is not None and view.confirmation.isVisible())
    assert "It has no observations." in view.confirmation.text()
    view.confirmation.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(50)
    assert view.model.row_of(seeded["payroll"].id) >= 0


def test_my_engagements_for_a_user_and_for_the_owner(qtbot, ui_context, ui_idle, seeded, qtmodeltester):
    from auditdesk.ui.views.my_engagements import MyEngagementsView

    view = MyEngagementsView(ui_context)
    qtbot.addWidget(view)
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    # ordered by status (fieldwork, reporting, planned, closed) then planned end
    assert [view.model.record(r).code for r in range(3)] == ["ENG-2026-001", "ENG-2026-002", "ENG-2025-009"]
    assert view.model.index(0, MyEngagementsModel.PROGRESS).data() == "1/4"
    assert view.model.index(0, MyEngagementsModel.OPEN).data() == 3
    qtmodeltester.check(view.model)

    ui_context.set_tenant(ui_context.tenant, seeded["lead"])
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.record(0).code == "ENG-2026-001"
    assert "Lena Lead" in view.subtitle.text()


def test_my_engagements_load_a_page_at_a_time_and_keep_the_place_on_reload(
    qtbot, ui_context, ui_idle, seeded, database, monkeypatch
):
    from auditdesk.services import engagements as engagement_service
    from auditdesk.ui.views.my_engagements import MyEngagementsView

    monkeypatch.setattr(engagement_service, "MY_ENGAGEMENTS_PAGE", 2)
    view = MyEngagementsView(ui_context)
    qtbot.addWidget(view)
    view.reload()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    ui_idle(ui_context)  # a reload still on its way holds the next page back
    assert view.model.canFetchMore()
    assert view.subtitle.text() == "All 3 engagements of the tenant (workspace owner)"
    view.model.fetchMore()
    assert not view.model.canFetchMore()  # one request at a time
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    ui_idle(ui_context)
    assert [view.model.record(r).code for r in range(3)] == ["ENG-2026-001", "ENG-2026-002", "ENG-2025-009"]
    assert not view.model.canFetchMore()

    # A change reloads as many rows as were shown, not only the first page.
    with database.sessions.begin() as session:
        f.engagement(session, f.actor(ui_context.tenant), code="ENG-2027-001", status="fieldwork")
    view.reload()
    qtbot.waitUntil(lambda: view.subtitle.text().startswith("All 4 "))
    assert view.model.rowCount() == 3 and view.model.canFetchMore()

    # Shown in a window, the table asks for pages by itself until its viewport is full.
    view.resize(1000, 600)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 4)
    ui_idle(ui_context)
    assert not view.model.canFetchMore()


def test_save_conflict_shows_both_versions_and_overwrites_only_when_asked(view, qtbot, seeded, database):
    from auditdesk.domain.records import Actor
    from auditdesk.services.engagements import draft_of
    from auditdesk.services.engagements import update as update_engagement

    view.select_engagement(seeded["payroll"].id)
    view.edit_selected()
    dialog = view.editor
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False))
    # Someone else saves first.
    with database.sessions.begin() as session:
        current = seeded["payroll"]
        from dataclasses import replace

        update_engagement(
            session, Actor(current.tenant_id), current.id,
            replace(draft_of(current), title="Their payroll title"), current.version,
        )
    dialog.title_edit.setText("My payroll title")
    dialog.save()
    qtbot.waitUntil(lambda: getattr(dialog, "conflict_box", None) is not None and dialog.conflict_box.isVisible())
    box = dialog.conflict_box
    assert "Title: theirs “Their payroll title”, yours “My payroll title”" in box.text()
    assert dialog.isVisible() and dialog.title_edit.text() == "My payroll title"

    # Reload theirs: the form shows the stored title; nothing was written.
    next(b for b in box.buttons() if b.text() == "Reload theirs").click()
    qtbot.waitUntil(lambda: dialog.title_edit.text() == "Their payroll title")

    # Typing again and saving now works against the reloaded version.
    dialog.title_edit.setText("My payroll title")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    assert saved.args[0].title == "My payroll title"


def test_save_conflict_overwrite(view, qtbot, seeded, database):
    from dataclasses import replace

    from auditdesk.data.engagements import get_engagement
    from auditdesk.domain.records import Actor
    from auditdesk.services.engagements import draft_of
    from auditdesk.services.engagements import update as update_engagement

    view.select_engagement(seeded["payroll"].id)
    view.edit_selected()
    dialog = view.editor
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False))
    current = seeded["payroll"]
    with database.sessions.begin() as session:
        update_engagement(session, Actor(current.tenant_id), current.id,
                          replace(draft_of(current), auditee="Finance"), current.version)
    dialog.title_edit.setText("Overwritten title")
    dialog.save()
    qtbot.waitUntil(lambda: getattr(dialog, "conflict_box", None) is not None and dialog.conflict_box.isVisible())
    assert "Auditee: theirs “Finance”, yours “Human Resources”" in dialog.conflict_box.text()
    with qtbot.waitSignal(dialog.saved):
        next(b for b in dialog.conflict_box.buttons() if b.text() == "Overwrite with mine").click()
    with database.sessions() as session:
        stored = get_engagement(session, current.tenant_id, current.id)
    assert (stored.title, stored.auditee) == ("Overwritten title", "Human Resources")


def test_team_members_chosen_in_the_editor_see_it_in_my_engagements(view, qtbot, ui_context, database, seeded):
    from auditdesk.data.engagements import my_engagements

    with database.sessions.begin() as session:
        member = f.user(session, ui_context.tenant_id, name="Mia Member")
    view.select_engagement(seeded["payroll"].id)
    view.edit_selected()
    dialog = view.editor
    qtbot.waitUntil(lambda: getattr(dialog, "choices_loaded", False))
    item = dialog.members.findItems("Mia Member", Qt.MatchFlag.MatchExactly)[0]
    item.setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    assert saved.args[0].member_ids == (member.id,)
    with database.sessions() as session:
        mine = my_engagements(session, ui_context.tenant_id, member.id)
    assert [e.code for e in mine] == ["ENG-2026-002"]
