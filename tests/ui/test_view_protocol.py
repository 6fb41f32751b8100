"""The main window knows its views only through the ``View`` protocol, and a change
reaches only the views that show the changed table."""

from __future__ import annotations

import re
from pathlib import Path

import auditdesk.ui
from auditdesk.domain.changes import Changes, Table
from auditdesk.ui.main_window import VIEWS, MainWindow
from auditdesk.ui.views.base import View


def test_every_view_of_the_window_is_a_view(qtbot, ui_context, ui_settings):
    window = MainWindow(ui_context, ui_settings, demo_policy="never")
    qtbot.addWidget(window)
    assert [spec.name for spec in VIEWS] == list(window.views)
    for name, view in window.views.items():
        assert isinstance(view, View), name
        assert view.title == next(s.title for s in VIEWS if s.name == name)
        assert view.shows and all(isinstance(t, Table) for t in view.shows)
        assert view.selected_id() is None  # nothing selected before anything loaded


def test_the_window_never_probes_its_views():
    root = Path(auditdesk.ui.__file__).parent
    sources = [root / "main_window.py", *sorted((root / "window").glob("*.py"))]
    probes = [
        f"{path.name}: {line.strip()}"
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\b(getattr|hasattr)\(", line)
    ]
    assert probes == []


def test_a_change_reaches_only_the_views_that_show_its_table(qtbot, ui_context, monkeypatch):
    from auditdesk.ui.views.dashboard import DashboardView
    from auditdesk.ui.views.engagements import EngagementsView

    engagements = EngagementsView(ui_context)
    dashboard = DashboardView(ui_context)
    qtbot.addWidget(engagements)
    qtbot.addWidget(dashboard)
    reloads: list[str] = []
    monkeypatch.setattr(engagements, "reload", lambda: reloads.append("engagements"))
    monkeypatch.setattr(dashboard, "_reload_timer", _Timer(lambda: reloads.append("dashboard")))

    ui_context.announce(Changes.of(Table.SNAPSHOT))
    assert reloads == ["dashboard"]
    reloads.clear()
    ui_context.announce(Changes.of(Table.ENGAGEMENT, [1]))
    assert reloads == ["engagements"]
    reloads.clear()
    ui_context.announce(Changes.of(Table.OBSERVATION, [1]))
    assert sorted(reloads) == ["dashboard", "engagements"]
    reloads.clear()
    ui_context.announce(Changes())  # nothing changed: nobody is told
    assert reloads == []


class _Timer:
    """Stands in for the dashboard's debounce timer: starting it is the reload."""

    def __init__(self, on_start):
        self.start = on_start

    def stop(self) -> None:
        pass
