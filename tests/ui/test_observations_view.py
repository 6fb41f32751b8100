"""The observations table: lazy bounded model, filters, sort, navigation, delete confirmation."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import obs_helpers
from obs_helpers import bulk_observations
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from auditdesk.data import observations as obs_data
from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.enums import Severity
from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.services import observations as observation_service
from auditdesk.ui.models.observations import (
    MAX_PAGES,
    PAGE_SIZE,
    PLACEHOLDER,
    ObservationTableModel,
    Query,
    RowRole,
)
from auditdesk.ui.views.observations import ObservationsView

obs_world = obs_helpers.obs_world


def _loaded(model: ObservationTableModel, row: int) -> bool:
    return model.row_at(row) is not None


def test_lazy_model_pages_on_demand_and_keeps_a_bounded_cache(qtbot, qtmodeltester, obs_world, database):
    bulk_observations(database, obs_world.tenant.id, 5000)
    model = ObservationTableModel(obs_world.context)
    model.load(Query())
    qtbot.waitUntil(lambda: model.total == 5000, timeout=10_000)
    assert model.rowCount() == 5000
    assert model.cached_pages == [0]
    assert model.index(0, 0).data() == "OBS-000001"

    # A row far away is not cached: a placeholder now, the real row after its page arrives.
    index = model.index(2500, 0)
    assert index.data() == PLACEHOLDER
    with qtbot.waitSignal(model.dataChanged, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: _loaded(model, 2500), timeout=10_000)
    assert model.index(2500, 0).data() == "OBS-002501"

    # The last row comes from the reversed order with no offset at all.
    model.row_at(4999)
    qtbot.waitUntil(lambda: _loaded(model, 4999), timeout=10_000)
    assert model.index(4999, 0).data() == "OBS-005000"
    page_no, plan = model.page_plans[-1]
    assert page_no == 4999 // PAGE_SIZE
    assert plan.reverse and plan.offset == 0 and plan.descending

    # The page after a cached one is walked by keyset from its last row.
    model.row_at(2600)
    qtbot.waitUntil(lambda: _loaded(model, 2600), timeout=10_000)
    assert model.page_plans[-1][1].after == ("OBS-002600", model.row_at(2599).id)
    assert model.index(2600, 0).data() == "OBS-002601"

    # Scroll through everything: memory stays bounded.
    for row in range(0, 5000, PAGE_SIZE):
        model.row_at(row)
        qtbot.waitUntil(lambda row=row: _loaded(model, row), timeout=10_000)
        assert model.index(row, 0).data() == f"OBS-{row + 1:06d}"
        assert len(model.cached_pages) <= MAX_PAGES
        assert model.cached_row_count() <= MAX_PAGES * PAGE_SIZE
    qtmodeltester.check(model)


def test_sort_and_filter_run_in_the_database(qtbot, qtmodeltester, obs_world, database):
    bulk_observations(database, obs_world.tenant.id, 600)
    model = ObservationTableModel(obs_world.context)
    model.load(Query())
    qtbot.waitUntil(lambda: model.total == 600, timeout=10_000)

    with qtbot.waitSignal(model.first_page_loaded, timeout=10_000):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "OBS-000600"
    assert model.rowCount() == 600  # a re-sort keeps the count

    with qtbot.waitSignal(model.first_page_loaded, timeout=10_000):
        model.sort(3, Qt.SortOrder.AscendingOrder)  # severity: critical first
    assert model.index(0, 3).data() == "Critical"
    assert model.data(model.index(0, 3), Qt.ItemDataRole.BackgroundRole) is not None

    with qtbot.waitSignal(model.count_known, timeout=10_000):
        model.set_filter(ObservationFilter(severities=(Severity.HIGH,), text="finding 1"))
    expected = [n for n in range(1, 601) if n % 4 == 1 and "finding 1" in f"bulk finding {n}"]
    assert model.rowCount() == len(expected)
    shown = {model.data(model.index(r, 0), RowRole).severity for r in range(model.rowCount())}
    assert shown == {Severity.HIGH}
    qtmodeltester.check(model)


def _view(qtbot, context) -> ObservationsView:
    view = ObservationsView(context)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    view.reload()
    return view


def test_view_filters_sorts_and_shows_overdue(qtbot, obs_world, database):
    context = obs_world.context
    with database.sessions() as session, session.begin():
        actor = factories.actor(obs_world.tenant, obs_world.manager)
        engagement = factories.engagement(session, actor, code="ENG-2026-900")
        old = date.today() - timedelta(days=200)
        late = factories.observation(
            session, actor, title="Late remediation", identified_on=old, due_date=old + timedelta(days=10),
            engagement_id=engagement.id, severity="high",
        )
        factories.observation(session, actor, title="On time", severity="low")
        factories.observation(session, actor, title="Elsewhere", severity="critical")
    view = _view(qtbot, context)
    qtbot.waitUntil(lambda: view.model.total == 3, timeout=10_000)
    assert "3 observations" in view.count_label.text()

    view.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
    index = view.model.index(0, 6)
    assert view.model.index(0, 1).data() == "Late remediation"
    assert view.model.data(index, Qt.ItemDataRole.ToolTipRole).startswith("Overdue since")
    view.overdue_only.setChecked(False)
    qtbot.waitUntil(lambda: view.model.total == 3, timeout=10_000)

    # Free text is debounced and searched in the database.
    qtbot.keyClicks(view.search, "elsewhere")
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
    assert view.model.index(0, 1).data() == "Elsewhere"
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.total == 3, timeout=10_000)

    # Navigation from the engagements view filters by engagement.
    view.navigate({"engagement_id": engagement.id})
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
    assert view.engagement_filter.currentData() == engagement.id

    # Clicking the title header sorts by title.
    view.clear_filters()
    qtbot.waitUntil(lambda: view.model.total == 3, timeout=10_000)
    view.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: view.model.query.sort is ObservationSort.TITLE, timeout=10_000)
    qtbot.waitUntil(lambda: view.model.index(0, 1).data() == "Elsewhere", timeout=10_000)
    assert [view.model.index(r, 1).data() for r in range(3)] == [
        "Elsewhere", "Late remediation", "On time"
    ]

    # navigate to an observation selects it and shows its history.
    view.navigate({"observation_id": late.id})
    qtbot.waitUntil(lambda: view.selected_row() is not None and view.selected_row().id == late.id, timeout=10_000)
    qtbot.waitUntil(lambda: view.history.tree.topLevelItemCount() == 1, timeout=10_000)
    assert "created" in view.history.tree.topLevelItem(0).text(0)
    assert view.has_data()


def test_history_panel_shows_from_and_to(qtbot, obs_world, database):
    context = obs_world.context
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        found = factories.observation(session, actor, title="Before")
    with database.sessions() as session, session.begin():
        draft = observation_service.draft_of(found)
        from dataclasses import replace

        observation_service.update(session, actor, found.id, replace(draft, title="After"), found.version)
    view = _view(qtbot, context)
    view.navigate({"observation_id": found.id})
    qtbot.waitUntil(lambda: view.history.tree.topLevelItemCount() == 2, timeout=10_000)
    newest = view.history.tree.topLevelItem(0)
    assert "Maria Manager" in newest.text(0) and "changed" in newest.text(0)
    change = newest.child(0)
    assert (change.text(0), change.text(1), change.text(2)) == ("Title", "Before", "After")


def test_delete_confirmation_lists_repeats_that_are_kept(qtbot, obs_world, database):
    context = obs_world.context
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    day = date.today() - timedelta(days=100)
    with database.sessions() as session, session.begin():
        original = factories.observation(session, actor, title="Original", identified_on=day)
        first = factories.observation(
            session, actor, title="Again", identified_on=day + timedelta(days=10), repeat_of_id=original.id
        )
        second = factories.observation(
            session, actor, title="And again", identified_on=day + timedelta(days=20), repeat_of_id=original.id
        )
    view = _view(qtbot, context)
    view.navigate({"observation_id": original.id})
    qtbot.waitUntil(lambda: view.selected_row() is not None and view.selected_row().id == original.id, timeout=10_000)
    view.delete_action.trigger()
    qtbot.waitUntil(lambda: view.confirm_box is not None and view.confirm_box.isVisible(), timeout=10_000)
    text = view.confirm_box.text()
    assert original.ref in text
    assert f"{first.ref}, {second.ref}" in text
    assert "kept and lose their link" in text
    with qtbot.waitSignal(context.changed, timeout=10_000):
        view.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: view.model.total == 2, timeout=10_000)
    with database.sessions() as session:
        again = obs_data.get_observation(session, obs_world.tenant.id, first.id)
    assert again.repeat_of_id is None


def test_data_changed_refreshes_only_the_affected_rows(qtbot, obs_world, database):
    bulk_observations(database, obs_world.tenant.id, 450)
    view = _view(qtbot, obs_world.context)
    qtbot.waitUntil(lambda: view.model.total == 450, timeout=10_000)
    model = view.model
    model.row_at(400)
    qtbot.waitUntil(lambda: _loaded(model, 400), timeout=10_000)
    target = model.row_at(5)
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        current = obs_data.get_observation(session, obs_world.tenant.id, target.id)
        from dataclasses import replace

        observation_service.update(
            session, actor, target.id, replace(observation_service.draft_of(current), title="Renamed elsewhere"),
            current.version,
        )
    fetched = model.fetch_count
    with qtbot.waitSignal(model.page_loaded, timeout=10_000) as loaded:
        obs_world.context.announce(Changes.of(Table.OBSERVATION, [target.id]))
    assert loaded.args == [0]  # only the page holding the changed row
    assert model.index(5, 1).data() == "Renamed elsewhere"
    context_total = model.total
    assert context_total == 450
    view.model.row_at(400)
    qtbot.wait(100)
    assert model.fetch_count == fetched + 1


NAVIGATION_WIDTH = 150  # the main window's navigation list (its minimum width)


def test_view_fits_a_1024_pixel_window_and_shows_every_column_whole(qtbot, qapp, obs_world, database):
    from PySide6.QtGui import QFont, QFontMetrics

    from auditdesk.domain.enums import Role
    from auditdesk.ui.theme import style_sheet

    previous = qapp.styleSheet()
    qapp.setStyleSheet(style_sheet())  # the application's fonts and paddings
    try:
        actor = factories.actor(obs_world.tenant, obs_world.manager)
        with database.sessions() as session, session.begin():
            factories.user(session, obs_world.tenant.id, Role.AUDITOR, "Maximilian Featherstonehaugh-Worthington")
            original = factories.observation(session, actor, identified_on=date.today() - timedelta(days=30))
            factories.observation(session, actor, repeat_of_id=original.id)
        view = ObservationsView(obs_world.context)
        qtbot.addWidget(view)
        view.resize(1440 - NAVIGATION_WIDTH, 800)  # the default window size
        view.show()
        view.reload()
        qtbot.waitUntil(lambda: view.model.total == 2 and view.owner_filter.count() == 4, timeout=10_000)

        # The filter bar wraps and its choices shrink: the view fits beside the navigation
        # in a 1024-pixel window, even with a long owner name in its list.
        assert view.minimumSizeHint().width() <= 1024 - NAVIGATION_WIDTH - 20

        # A whole ref fits its column (bold, as the model draws it).
        header = view.table.horizontalHeader()
        bold = QFont(view.table.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for ref in ("OBS-000000", original.ref):
            assert header.sectionSize(0) >= metrics.horizontalAdvance(ref) + 6

        # Every column, the last ones included, is on screen beside the history panel.
        qtbot.waitUntil(lambda: view.history.isVisible() and view.history.width() >= 200)
        viewport = view.table.viewport().width()
        from auditdesk.ui.models.observation_cells import COLUMNS, HIDDEN_AT_FIRST

        for column in range(view.model.columnCount()):
            # the action-plan column is shown only when asked for (the header's menu)
            assert view.table.isColumnHidden(column) == (COLUMNS[column].key in HIDDEN_AT_FIRST)
            if view.table.isColumnHidden(column):
                continue
            right = header.sectionViewportPosition(column) + header.sectionSize(column)
            assert header.sectionViewportPosition(column) >= 0 and right <= viewport, column
        assert header.sectionSize(1) >= 120  # the title takes what is left
        assert view.model.index(1, 7).data() == original.ref
    finally:
        qapp.setStyleSheet(previous)


def test_reload_without_a_tenant_clears_the_rows(qtbot, qtmodeltester, obs_world, database):
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions() as session, session.begin():
        shown = factories.observation(session, actor, title="From the first database")
    view = _view(qtbot, obs_world.context)
    qtbot.waitUntil(lambda: view.model.total == 1 and view.owner_filter.count() > 1, timeout=10_000)
    view.navigate({"observation_id": shown.id})
    qtbot.waitUntil(lambda: view.history.tree.topLevelItemCount() == 1, timeout=10_000)

    # Switching to a database without any tenant (what the main window does) empties the view.
    obs_world.context.set_tenant(None)
    assert view.model.rowCount() == 0
    assert not view.has_data()
    assert view.selected_row() is None
    assert view.history.tree.topLevelItemCount() == 0
    assert view.count_label.text() == ""
    assert view.owner_filter.count() == 1 and view.engagement_filter.count() == 1
    assert not view.edit_action.isEnabled()
    qtbot.waitUntil(lambda: not obs_world.context.worker.busy, timeout=30_000)
    qtbot.wait(50)  # answers still on the way bring nothing back
    assert view.model.rowCount() == 0
    qtmodeltester.check(view.model)

    obs_world.context.set_tenant(obs_world.tenant, obs_world.manager)
    qtbot.waitUntil(lambda: view.model.total == 1, timeout=10_000)
    assert view.model.index(0, 1).data() == "From the first database"


def test_opening_a_database_compiles_the_first_page_query_in_the_background(qtbot, database):
    from auditdesk.ui.context import AppContext

    compiled = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        compiled.append(statement)

    from sqlalchemy import event

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        context = AppContext()
        context.set_database(database)
        assert context.worker.busy  # the warm-up runs on the worker, not here
        qtbot.waitUntil(lambda: not context.worker.busy)
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
        qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
    assert any("FROM observation" in s and "ORDER BY" in s for s in compiled)


def test_count_label_says_about_first_then_the_exact_count(qtbot, obs_world, database, monkeypatch):
    bulk_observations(database, obs_world.tenant.id, 300)
    monkeypatch.setattr(obs_data, "COUNT_EXACT_UP_TO", 20)  # many matches: an estimate first
    view = _view(qtbot, obs_world.context)
    qtbot.waitUntil(lambda: view.model.total == 300, timeout=10_000)
    assert view.count_label.text() == "300 observations"  # unfiltered: the tally, exact at once
    shown: list[str] = []
    view.model.count_estimated.connect(lambda _n: shown.append(view.count_label.text()))
    with qtbot.waitSignal(view.model.count_known, timeout=10_000):
        view.model.set_filter(ObservationFilter(text="bulk finding"))
    assert len(shown) == 1 and shown[0].startswith("about ") and shown[0].endswith("(counting…)")
    assert view.count_label.text() == "300 observations"
    with database.sessions() as session:  # few matches: exact at once, never "about"
        few = ObservationFilter(text="finding 12")  # 12 and 120-129
        assert observation_service.count_at_once(session, obs_world.tenant.id, few) == (11, True)
        many, exact = observation_service.count_at_once(
            session, obs_world.tenant.id, ObservationFilter(text="finding"))
        assert not exact and many > 20
