"""The lineage view: roots by size, the highlighted and expanded finding, link changes."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import obs_helpers
from PySide6.QtCore import Qt

from auditdesk.data import observations as obs_data
from auditdesk.ui.models.lineage import LineageTreeModel
from auditdesk.ui.views.lineage import LineageView

obs_world = obs_helpers.obs_world


def _chain(session, actor, titles, start):
    made, previous = [], None
    for step, title in enumerate(titles):
        previous = factories.observation(
            session, actor, title=title, identified_on=start + timedelta(days=30 * step),
            repeat_of_id=previous.id if previous else None,
        )
        made.append(previous)
    return made


def _world(database, world):
    actor = factories.actor(world.tenant, world.manager)
    start = date.today() - timedelta(days=300)
    with database.sessions() as session, session.begin():
        big = _chain(session, actor, ["Root", "Repeat 1", "Repeat 2", "Repeat 3"], start)
        sibling = factories.observation(
            session, actor, title="Sibling of repeat 1", identified_on=start + timedelta(days=40),
            repeat_of_id=big[0].id,
        )
        small = _chain(session, actor, ["Small root", "Small repeat"], start)
    return big, sibling, small


def test_navigation_highlights_expands_and_scrolls(qtbot, qtmodeltester, obs_world, database):
    big, sibling, small = _world(database, obs_world)
    view = LineageView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    with qtbot.waitSignal(view.roots_loaded, timeout=10_000):
        view.reload()
    # Roots ordered by tree size: the 5-finding tree before the 2-finding one.
    assert view.list.count() == 2
    assert view.list.item(0).data(Qt.ItemDataRole.UserRole) == big[0].id
    assert view.list.item(0).text().startswith("5 findings · ")

    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.navigate({"observation_id": big[3].id})
    model = view.model
    qtmodeltester.check(model)
    assert model.node_count() == 5
    root = model.index(0, 0)
    assert root.data() == big[0].ref
    index = model.index_of(big[3].id)
    assert index.data() == big[3].ref
    # Each repeat sits under the finding it repeats.
    assert index.parent().data() == big[2].ref
    assert index.parent().parent().data() == big[1].ref
    # Highlighted, expanded to, selected and visible.
    assert index.data(Qt.ItemDataRole.FontRole).bold()
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index_of(big[1].id).data(Qt.ItemDataRole.FontRole) is None
    parent = index.parent()
    while parent.isValid():
        assert view.tree.isExpanded(parent)
        parent = parent.parent()
    assert view.tree.currentIndex() == index
    assert view.tree.visualRect(index).intersects(view.tree.viewport().rect())
    assert model.index(0, 6, index.parent()).data() in ("repeat 3", "repeat 2")
    assert index.siblingAtColumn(6).data() == "repeat 3"
    assert big[3].ref in view.heading.text()

    # Search by ref finds any observation.
    with qtbot.waitSignal(view.roots_loaded, timeout=10_000):
        view.search.setText(small[1].ref)
    assert view.list.count() == 1
    view._list_chosen(view.list.item(0))
    qtbot.waitUntil(lambda: model.node_count() == 2, timeout=10_000)
    assert model.index_of(small[1].id).data(Qt.ItemDataRole.FontRole).bold()


def test_manager_clears_and_changes_a_link(qtbot, obs_world, database):
    big, sibling, small = _world(database, obs_world)
    view = LineageView(obs_world.context)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.navigate({"observation_id": big[2].id})

    # Clear link: big[2] and its repeat become a tree of their own.
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.clear_link(big[2].id)
    assert view.model.root.id == big[2].id
    assert view.model.node_count() == 2

    # Change link through the picker: a refusal is explained, an allowed link is made.
    picker = view.change_link(view.model.root)
    qtbot.waitUntil(lambda: picker.table.rowCount() > 0, timeout=10_000)
    with qtbot.waitSignal(picker.refused, timeout=10_000):
        picker.search.setText(big[3].ref)  # its own (later) repeat
        picker.choose(big[3].ref)
    assert picker.message.text() == (
        f"{big[2].ref} (identified {big[2].identified_on:%Y-%m-%d}) cannot repeat {big[3].ref}, "
        f"which was identified later ({big[3].identified_on:%Y-%m-%d})."
    )
    assert picker.isVisible()
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        picker.choose(small[0].id)
    assert view.model.root.id == small[0].id
    assert view.model.index_of(big[2].id).parent().data() == small[0].ref
    with database.sessions() as session:
        assert obs_data.get_observation(session, obs_world.tenant.id, big[2].id).repeat_of_id == small[0].id


def test_lineage_model_empty_and_single(qtmodeltester):
    model = LineageTreeModel()
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_ref_column_fits_the_deepest_ref(qtbot, qapp, obs_world, database):
    from PySide6.QtGui import QFont, QFontMetrics

    from auditdesk.ui.theme import style_sheet

    actor = factories.actor(obs_world.tenant, obs_world.manager)
    start = date.today() - timedelta(days=400)
    with database.sessions() as session, session.begin():
        chain = _chain(session, actor, [f"Step {n}" for n in range(8)], start)
    previous = qapp.styleSheet()
    qapp.setStyleSheet(style_sheet())  # the application's 10 pt font
    try:
        view = LineageView(obs_world.context)
        qtbot.addWidget(view)
        view.resize(1280, 700)
        view.show()
        view.tabs.setCurrentWidget(view.tree)  # the indented tree is the second tab now
        with qtbot.waitSignal(view.tree_shown, timeout=10_000):
            view.navigate({"observation_id": chain[-1].id})
        deepest = view.model.index_of(chain[-1].id)
        rect = view.tree.visualRect(deepest)  # the text's cell, right of its indentation
        bold = QFont(view.tree.font())
        bold.setBold(True)  # the chosen finding is drawn bold
        assert rect.left() >= 7 * view.tree.indentation()
        assert rect.right() < view.tree.header().sectionSize(0)
        assert rect.width() >= QFontMetrics(bold).horizontalAdvance(chain[-1].ref) + 6
        # Every column is on screen: the title gives way, status and recurrence stay visible.
        header = view.tree.header()
        last = header.logicalIndexAt(header.length() - 1)
        assert header.sectionViewportPosition(last) + header.sectionSize(last) <= (
            view.tree.viewport().width()
        )
    finally:
        qapp.setStyleSheet(previous)


def test_enter_in_the_search_box_opens_the_only_match(qtbot, obs_world, database):
    big, sibling, small = _world(database, obs_world)
    view = LineageView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.reload()  # the largest tree is shown first
    assert view.model.root.id == big[0].id

    # Typed and Enter at once (before the debounced search ran): the one match opens.
    view.search.setFocus()
    view.search.setText(small[1].ref)
    with qtbot.waitSignal(view.tree_shown, timeout=10_000) as shown:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert shown.args == [small[1].id]
    assert view.model.root.id == small[0].id
    assert small[1].ref in view.heading.text()

    # Enter again once the list shows the match: it opens again, nothing else happens.
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.show_tree(big[0].id)
    with qtbot.waitSignal(view.tree_shown, timeout=10_000) as shown:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert shown.args == [small[1].id]

    # Several matches: Enter moves to the list with the first match chosen, opens nothing.
    view.search.setText("Small")
    with qtbot.waitSignal(view.roots_loaded, timeout=10_000):
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.list.count() == 2
    assert view.list.currentRow() == 0
    assert view.list.hasFocus()
    assert view.current_id == small[1].id  # still the tree opened before


def test_nothing_of_the_previous_tenant_remains_after_switching(qtbot, obs_world, database):
    big, sibling, small = _world(database, obs_world)
    with database.sessions() as session, session.begin():
        other = factories.tenant(session)
    view = LineageView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.navigate({"observation_id": big[3].id})
    assert big[3].ref in view.heading.text()
    view.search.setText(big[0].ref)
    qtbot.waitUntil(lambda: view.list.count() == 1, timeout=10_000)

    # A tree asked for just before the switch must not arrive in the other tenant.
    view.show_tree(big[1].id)
    obs_world.context.set_tenant(other)
    qtbot.waitUntil(lambda: not obs_world.context.worker.busy, timeout=10_000)
    qtbot.wait(50)

    previous_refs = [o.ref for o in (*big, sibling, *small)]
    assert not any(ref in view.heading.text() for ref in previous_refs)
    assert "findings" not in view.heading.text()
    assert view.search.text() == ""
    assert view.model.root is None and view.model.rowCount() == 0
    assert view.map.root is None and not view.map.cards
    assert view.list.count() == 0
    assert view.current_id is None
