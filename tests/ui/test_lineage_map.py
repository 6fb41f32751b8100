"""The lineage map: layout along time, long chains and big trees, highlight, zoom, click
to open, export (real PostgreSQL behind the lineage view)."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import obs_helpers
from PySide6.QtCore import QPoint, Qt

from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.records import LineageNode
from auditdesk.ui.views.lineage import LineageView
from auditdesk.ui.views.lineage_map import CARD_H, CARD_W, CHAIN_COLUMNS, LineageMap, layout

obs_world = obs_helpers.obs_world


def _node(id_, day, depth, parent=None, children=()):
    return LineageNode(
        id=id_, ref=f"OBS-{id_:06d}", title=f"Finding number {id_} about something long enough",
        severity=list(Severity)[id_ % 4], status=ObservationStatus.OPEN, identified_on=day,
        engagement_id=None, engagement_code=f"ENG-{id_:03d}", repeat_of_id=parent, depth=depth,
        children=tuple(children),
    )


def chain(length: int, start: date = date(2020, 1, 1)) -> LineageNode:
    node = None
    for depth in range(length - 1, -1, -1):
        node = _node(depth + 1, start + timedelta(days=40 * depth), depth,
                     parent=depth if depth else None, children=(node,) if node else ())
    return node


def tree(lengths: list[int]) -> LineageNode:
    """A root with one chain of repeats per length."""
    start = date(2019, 1, 1)
    kids, ids = [], iter(range(2, 10_000))
    for b, length in enumerate(lengths):
        node = None
        made = [next(ids) for _ in range(length)]
        for step in range(length - 1, -1, -1):
            parent = made[step - 1] if step else 1
            node = _node(made[step], start + timedelta(days=30 * (step + 1) + b), step + 1,
                         parent=parent, children=(node,) if node else ())
        kids.append(node)
    return _node(1, start, 0, children=kids)


def _overlaps(placed) -> bool:
    seen = set()
    for p in placed:
        if (p.column, p.row) in seen:
            return True
        seen.add((p.column, p.row))
    return False


def test_a_long_chain_wraps_in_reading_order():
    placed, wrapped = layout(chain(30))
    assert wrapped and len(placed) == 30 and not _overlaps(placed)
    by_depth = sorted(placed, key=lambda p: p.node.depth)
    assert [(p.row, p.column) for p in by_depth[:7]] == [(0, c) for c in range(6)] + [(1, 0)]
    assert max(p.row for p in placed) == 30 // CHAIN_COLUMNS - 1


def test_a_tree_runs_along_time_with_branches_stacked():
    placed, wrapped = layout(tree([20] * 9 + [19]))  # 200 findings
    assert not wrapped and len(placed) == 200 and not _overlaps(placed)
    where = {p.node.id: p for p in placed}
    for p in placed:
        if p.node.repeat_of_id:
            earlier = where[p.node.repeat_of_id]
            assert p.column > earlier.column  # later to the right
    assert len({p.row for p in placed}) == 10  # one lane per branch (no two fit one lane)


def test_map_highlights_zooms_and_exports(qtbot, tmp_path):
    view = LineageMap()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    root = chain(30)
    view.set_tree(root, highlight_id=12)
    assert len(view.cards) == 30 and view.cards[12].highlighted
    assert not view.cards[11].highlighted
    # the whole 30-deep chain fits a 1280×800 window at a readable size
    assert view.scale_factor() >= 0.6
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(view.scene().itemsBoundingRect())
    before = view.scale_factor()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.scale_factor() > before
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert abs(view.scale_factor() - before) < 1e-6
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert view.export_png(str(png)) and png.stat().st_size > 10_000
    view.export_svg(str(svg))
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "OBS-000012" in text


def test_a_200_finding_tree_stays_readable(qtbot):
    view = LineageMap()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.set_tree(tree([20] * 9 + [19]), highlight_id=150)
    assert len(view.cards) == 200
    assert view.scale_factor() >= 0.6  # readable cards; pan to the rest
    card = view.cards[150]
    assert view.viewport().rect().contains(view.mapFromScene(card.sceneBoundingRect().center()))


def test_lineage_view_shows_the_map_and_a_click_opens_the_finding(qtbot, obs_world, database):
    actor = factories.actor(obs_world.tenant, obs_world.manager)
    start = date.today() - timedelta(days=900)
    with database.sessions() as session, session.begin():
        made, previous = [], None
        for step in range(7):
            previous = factories.observation(
                session, actor, title=f"Cash count step {step}",
                identified_on=start + timedelta(days=100 * step),
                repeat_of_id=previous.id if previous else None)
            made.append(previous)
    view = LineageView(obs_world.context)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    with qtbot.waitSignal(view.tree_shown, timeout=10_000):
        view.navigate({"observation_id": made[3].id})
    assert view.tabs.currentWidget() is view.map_panel
    assert view.tabs.tabText(1) == "Tree"
    assert set(view.map.cards) == {m.id for m in made}
    assert view.map.cards[made[3].id].highlighted
    card = view.map.cards[made[5].id]
    point = view.map.mapFromScene(card.sceneBoundingRect().center())
    assert view.map.viewport().rect().contains(point)
    qtbot.mouseClick(view.map.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point))
    qtbot.waitUntil(lambda: view.editor is not None and view.editor.is_loaded, timeout=10_000)
    assert view.editor.observation_id == made[5].id
    view.editor.reject()
    assert CARD_W > CARD_H


def test_map_export_starts_in_documents_then_in_the_last_folder(
    qtbot, monkeypatch, tmp_path, ui_settings, _private_home
):
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    from auditdesk.ui.views.lineage_map import LineageMapPanel

    panel = LineageMapPanel()
    panel.settings = ui_settings
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    panel.map.set_tree(chain(4), highlight_id=2)
    asked: list[str] = []
    target = tmp_path / "maps" / "tree.png"
    target.parent.mkdir()

    def fake_dialog(parent, caption, start, filters, *rest):
        asked.append(start)
        return str(target.with_suffix("." + filters.split("*.")[1][:3])), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    panel.export_png()
    assert Path(asked[0]) == _private_home / "Documents" / "lineage-OBS-000001.png"
    assert target.stat().st_size > 5_000
    panel.export_svg()
    assert Path(asked[1]).parent == target.parent
