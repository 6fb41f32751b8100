"""What a new user tripped over in the tables (issue 13, "Tables and layout"): readable titles
at 1280×800, the history panel's From/To, Tab between filter bar, table and history, the
restored sort and filters, views that never widen the window, the audit trail in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import factories
import obs_helpers
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

from auditdesk.services import observations as obs_data
from auditdesk.ui.models.observations import COLUMNS
from auditdesk.ui.views._common import TitleColumnFit, readable_title_width

obs_world = obs_helpers.obs_world

#: What a view gets of a 1280-pixel window beside the navigation (170 px) and margins.
VIEW_WIDTH_AT_1280 = 1090


def _shown(qtbot, widget, width: int = VIEW_WIDTH_AT_1280, height: int = 700):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_title_column_fit_lets_the_other_columns_give_way(qtbot):
    model = QStandardItemModel(3, 5)
    model.setHorizontalHeaderLabels(["Code", "Title", "Auditee", "Lead", "Status"])
    table = QTableView()
    table.setModel(model)
    for column in range(5):
        table.setColumnWidth(column, 160)
    fit = TitleColumnFit(table, table.horizontalHeader(), 1, 250, {0: 120})
    _shown(qtbot, table, width=700)
    header = table.horizontalHeader()
    assert header.sectionSize(1) >= 250 - 2  # rounding of the shares
    assert header.sectionSize(0) >= 120
    assert sum(header.sectionSize(c) for c in range(5)) <= table.viewport().width()
    table.resize(1400, 400)
    qtbot.waitUntil(lambda: header.sectionSize(1) > 600)  # wide: the title takes the rest
    assert fit.minimum_of(4) >= header.fontMetrics().horizontalAdvance("Status") + 16


def test_observation_titles_are_readable_at_1280(qtbot, obs_world):
    from auditdesk.ui.views.observations import ObservationsView

    view = _shown(qtbot, ObservationsView(obs_world.context))
    header = view.table.horizontalHeader()
    title = [c.key for c in COLUMNS].index("title")
    qtbot.waitUntil(lambda: header.sectionSize(title) >= readable_title_width(view.table) - 2)
    # and the history panel's three columns fit in it, From and To included
    tree = view.history.tree
    assert sum(tree.header().sectionSize(c) for c in range(3)) <= tree.viewport().width()
    assert min(tree.header().sectionSize(c) for c in range(3)) >= 40


@pytest.mark.parametrize("name", ["engagements", "my_engagements"])
def test_engagement_titles_are_readable_at_1280(qtbot, ui_context, database, name):
    from auditdesk.ui.models.engagements import EngagementTableModel, MyEngagementsModel
    from auditdesk.ui.views.engagements import EngagementsView
    from auditdesk.ui.views.my_engagements import MyEngagementsView

    cls, title = {
        "engagements": (EngagementsView, EngagementTableModel.TITLE),
        "my_engagements": (MyEngagementsView, MyEngagementsModel.TITLE),
    }[name]
    with database.sessions.begin() as session:
        factories.engagement(session, factories.actor(ui_context.tenant), title="Cash controls")
    view = _shown(qtbot, cls(ui_context))
    view.reload()
    qtbot.waitUntil(lambda: view.has_data(), timeout=10_000)
    header = view.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(title) >= readable_title_width(view.table) - 2)
    assert sum(header.sectionSize(c) for c in range(header.count())) <= view.table.viewport().width()


def test_lineage_titles_are_readable_at_1280(qtbot, obs_world, database):
    from auditdesk.ui.views.lineage import LineageView

    actor = factories.actor(obs_world.tenant, obs_world.manager)
    with database.sessions.begin() as session:
        first = factories.observation(session, actor, identified_on=date.today() - timedelta(days=90))
        second = factories.observation(session, actor, repeat_of_id=first.id)
    view = _shown(qtbot, LineageView(obs_world.context))
    view.tabs.setCurrentWidget(view.tree)  # the indented tree is the second tab, after the map
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.navigate({"observation_id": second.id})
    header = view.tree.header()
    qtbot.waitUntil(lambda: header.sectionSize(1) >= readable_title_width(view.tree) - 2)


def test_history_from_and_to_elide_with_the_whole_value_in_the_tooltip(qtbot, obs_world, database):
    from auditdesk.ui.views.observations import ObservationsView

    actor = factories.actor(obs_world.tenant, obs_world.manager)
    long_condition = "Purchase orders above the threshold were approved by the requester " * 4
    with database.sessions.begin() as session:
        found = factories.observation(session, actor, condition="Short")
        obs_data.update(
            session, actor, found.id, replace(obs_data.draft_of(found), condition=long_condition),
            found.version,
        )
    view = _shown(qtbot, ObservationsView(obs_world.context))
    view.reload()
    qtbot.waitUntil(lambda: view.has_data(), timeout=10_000)
    view.select_observation(found.id)
    tree = view.history.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=10_000)
    change = tree.topLevelItem(0).child(0)
    assert change.text(0) == "Condition"
    assert long_condition.strip() in change.toolTip(2)
    # nothing runs off the panel's edge
    assert sum(tree.header().sectionSize(c) for c in range(3)) <= tree.viewport().width()


def test_tab_moves_between_filter_bar_table_and_history(qtbot, obs_world):
    from auditdesk.ui.views.observations import ObservationsView

    view = _shown(qtbot, ObservationsView(obs_world.context))
    view.activateWindow()
    qtbot.waitActive(view)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)
    assert view.focusWidget() is view.history.tree
    qtbot.keyClick(view.history.tree, Qt.Key.Key_Backtab)
    assert view.focusWidget() is view.table
    qtbot.keyClick(view.table, Qt.Key.Key_Backtab)
    assert view.focusWidget() is view.owner_filter  # the filter bar's last choice
    for table in view.findChildren(QAbstractItemView):
        assert not table.tabKeyNavigation(), table.objectName()


def test_tables_of_every_view_let_tab_leave(qtbot, ui_context):
    from auditdesk.ui.views.audit_trail import AuditTrailView
    from auditdesk.ui.views.engagements import EngagementsView
    from auditdesk.ui.views.my_engagements import MyEngagementsView

    for cls in (EngagementsView, MyEngagementsView, AuditTrailView):
        view = cls(ui_context)
        qtbot.addWidget(view)
        tables = [t for t in view.findChildren(QAbstractItemView) if not t.inherits("QListView")]
        assert tables and not any(t.tabKeyNavigation() for t in tables), cls.__name__


def test_the_focused_table_is_framed():
    from auditdesk.ui.theme import style_sheet

    assert "QTableView:focus" in style_sheet() and "QTreeView:focus" in style_sheet()


def test_restored_sort_arrow_and_rows_agree_and_filters_come_back(qtbot, obs_world, database, tmp_path):
    from auditdesk.domain.enums import Severity
    from auditdesk.domain.queries import ObservationSort
    from auditdesk.ui.views.observations import ObservationsView

    settings = QSettings(str(tmp_path / "restore.ini"), QSettings.Format.IniFormat)
    first = _shown(qtbot, ObservationsView(obs_world.context))
    due = [c.key for c in COLUMNS].index("due")
    first.table.horizontalHeader().setSortIndicator(due, Qt.SortOrder.DescendingOrder)
    first.severity_filter.setCurrentIndex(first.severity_filter.findData(Severity.HIGH))
    first.overdue_only.setChecked(True)
    first.search.setText("access")
    first.save_state(settings)

    second = _shown(qtbot, ObservationsView(obs_world.context))
    second.restore_state(settings)
    header = second.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        due, Qt.SortOrder.DescendingOrder
    )
    query = second.model.query
    assert query.sort == COLUMNS[due].sort == ObservationSort.DUE and query.descending
    flt = query.flt
    assert flt.severities == (Severity.HIGH,) and flt.overdue_only and flt.text == "access"
    assert second.search.text() == "access"


def test_the_audit_trail_fits_a_1280_window_and_speaks_in_words(qtbot, ui_context, database):
    from auditdesk.ui.views.audit_trail import AuditTrailView

    tenant = ui_context.tenant
    with database.sessions.begin() as session:
        long_name = "Maximiliane Sophie von Wolkenstein-Trostburg (Internal Audit, Group Risk)"
        user = factories.user(session, tenant.id, name=long_name)
        found = factories.observation(session, factories.actor(tenant, user))
        later = factories.observation(session, factories.actor(tenant, user))
        obs_data.update(
            session, factories.actor(tenant, user), later.id,
            replace(obs_data.draft_of(later), repeat_of_id=found.id), later.version,
        )
    view = _shown(qtbot, AuditTrailView(ui_context))
    with qtbot.waitSignal(view.page_shown, timeout=10_000):
        view.reload()
    qtbot.waitUntil(lambda: view.user_filter.count() > 1, timeout=10_000)
    assert view.minimumSizeHint().width() <= VIEW_WIDTH_AT_1280
    shown_tables = {view.table_filter.itemText(i) for i in range(view.table_filter.count())}
    assert {"User", "Observation"} <= shown_tables
    assert not shown_tables & {"app_user", "observation"}
    model = view.model
    cells = {model.index(r, c).data() for r in range(model.rowCount()) for c in (2, 4)}
    assert {"Observation", "Created", "Changed"} <= cells
    assert not cells & {"observation", "app_user", "insert", "update"}
    tips = {model.index(r, c).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())
            for c in range(model.columnCount())}
    assert not any("repeat_of_id" in str(tip) for tip in tips)
    assert any("Repeat of" in str(tip) for tip in tips)
    header = view.table.horizontalHeader()
    last = model.columnCount() - 1
    needed = header.fontMetrics().horizontalAdvance("Changed fields")
    assert header.sectionSize(last) >= needed
    assert view.table.horizontalScrollBar().maximum() == 0


def test_no_view_makes_the_main_window_wider_than_1280(qtbot, qapp, database, database_url,
                                                        ui_settings, tmp_path):
    """Every view of the main window, shown in turn at 1280×800 in the application's font,
    leaves the window at 1280 (the window is as wide as its widest view needs)."""
    from auditdesk.config import DatabaseSource
    from auditdesk.ui.context import AppContext
    from auditdesk.ui.main_window import VIEWS, MainWindow
    from auditdesk.ui.theme import style_sheet

    with database.sessions.begin() as session:
        tenant = factories.tenant(session)
        factories.observation(session, factories.actor(tenant))
    previous = qapp.styleSheet()
    qapp.setStyleSheet(style_sheet())
    try:
        window = MainWindow(AppContext(), ui_settings, profile_path=tmp_path / "profile.ini")
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        window.open_source(DatabaseSource(database_url, None, "option"))
        qtbot.waitUntil(lambda: window.context.tenant is not None, timeout=20_000)
        for spec in VIEWS:
            window.show_view(spec.name)
            qtbot.waitUntil(lambda: not window.context.worker.busy, timeout=20_000)
            assert window.minimumSizeHint().width() <= 1280, spec.name
            assert window.width() == 1280, spec.name
        window.close_database()
    finally:
        qapp.setStyleSheet(previous)
