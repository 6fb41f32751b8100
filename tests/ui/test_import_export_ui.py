"""File → Import findings… (mapping preview, problem list, day/month order, valid rows
only, Cancel that writes nothing) and File → Export… / the tables' Export… action."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import factories
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from auditdesk.ui.dialogs.import_findings import ImportDialog, mapping_key


def _book(path: Path, rows) -> Path:
    book = Workbook()
    book.active.append(["Finding ID", "Issue title", "Risk rating", "Status", "Date raised",
                        "Colour"])
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _count(database) -> int:
    with database.engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM observation")).scalar_one()


def _open(qtbot, ui_context, ui_settings, ui_idle, path) -> ImportDialog:
    dialog = ImportDialog(ui_context, path, ui_settings)
    qtbot.addWidget(dialog)
    ui_idle(ui_context)
    qtbot.waitUntil(lambda: dialog.plan is not None)
    return dialog


def test_preview_shows_mapping_rows_as_stored_and_problems(qtbot, ui_context, ui_settings, ui_idle,
                                                           database, tmp_path):
    path = _book(tmp_path / "f.xlsx", [
        ["F-1", "Cash counts not signed", "H", "Closed - validated", "03/04/2026", "red"],
        ["F-2", "Petty cash over limit", "Purple", "Open", "05/04/2026", "blue"],
    ])
    dialog = _open(qtbot, ui_context, ui_settings, ui_idle, path)
    assert dialog.columns.rowCount() == 6
    assert dialog.columns.cellWidget(2, 1).currentData() == "severity"
    assert dialog.columns.cellWidget(5, 1).currentData() == ""  # "Colour" is listed, unmapped
    problems = [(dialog.problems.item(r, 0).text(), dialog.problems.item(r, 1).text(),
                 dialog.problems.item(r, 2).text()) for r in range(dialog.problems.rowCount())]
    assert any(p[:2] == ("3", "Risk rating") and "not a severity" in p[2] for p in problems)
    assert any("could be day/month or month/day" in p[2] for p in problems)
    assert not dialog.import_button.isEnabled()
    dialog.day_order.setCurrentIndex(dialog.day_order.findText("Day first (31/12/2026)"))
    ui_idle(ui_context)
    qtbot.waitUntil(lambda: dialog.plan.day_order is not None)
    assert dialog.preview.item(0, 1).text() == "New"
    assert dialog.preview.item(0, 6).text() == "2026-04-03"  # Identified, as stored
    assert dialog.preview.item(0, 5).text() == "Closed"
    assert "Nothing is written while a row has a problem" in dialog.summary.text()
    assert dialog.problems.rowCount() == 1
    assert _count(database) == 0


def test_valid_rows_only_imports_and_offers_repeat_detection(qtbot, ui_context, ui_settings, ui_idle,
                                                             database, tmp_path, monkeypatch):
    path = _book(tmp_path / "f.xlsx", [
        ["F-1", "Cash counts not signed", "H", "Open", "2026-04-03", "red"],
        ["F-2", "Bad", "Purple", "Open", "2026-04-05", "blue"],
    ])
    dialog = _open(qtbot, ui_context, ui_settings, ui_idle, path)
    dialog.valid_only.setChecked(True)
    ui_idle(ui_context)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled())
    with qtbot.waitSignal(dialog.imported, timeout=30_000) as blocker:
        dialog.import_button.click()
    result = blocker.args[0]
    assert result.written and result.plan.created == 1 and _count(database) == 1
    assert load_workbook(tmp_path / "f-rejected.xlsx").active["A2"].value == "F-2"
    assert "rejected rows are in" in dialog.summary.text()


def test_a_changed_mapping_is_saved_and_reused_for_the_same_headers(qtbot, ui_context, ui_settings,
                                                                    ui_idle, tmp_path):
    path = _book(tmp_path / "f.xlsx", [["F-1", "A", "H", "Open", "2026-04-03", "red"]])
    dialog = _open(qtbot, ui_context, ui_settings, ui_idle, path)
    combo = dialog.columns.cellWidget(5, 1)
    combo.setCurrentIndex(combo.findData("criteria"))
    ui_idle(ui_context)
    assert ui_settings.value(mapping_key(dialog.plan.mapping.headers))
    other = _book(tmp_path / "g.xlsx", [["F-9", "B", "L", "Open", "2026-04-04", "green"]])
    again = _open(qtbot, ui_context, ui_settings, ui_idle, other)
    ui_idle(ui_context)
    qtbot.waitUntil(lambda: again.plan.mapping.fields.get(5) == "criteria")
    assert again.columns.cellWidget(5, 1).currentData() == "criteria"


def test_cancel_during_the_import_writes_nothing(qtbot, ui_context, ui_settings, ui_idle, database,
                                                 tmp_path):
    rows = [[f"F-{n}", f"Finding {n}", "M", "Open", "2026-01-02", ""] for n in range(1, 3001)]
    dialog = _open(qtbot, ui_context, ui_settings, ui_idle, _book(tmp_path / "big.xlsx", rows))
    dialog.start_import()
    assert dialog.busy
    dialog.cancel()  # the job stops at its next progress report, before anything commits
    ui_idle(ui_context)
    assert "cancelled; nothing was written" in dialog.summary.text() and not dialog.busy
    assert _count(database) == 0


def test_export_from_the_window_writes_the_filtered_table(qtbot, database, tmp_path, make_window):
    with database.sessions.begin() as s:
        t = factories.tenant(s, "acme")
        who = factories.actor(t)
        factories.observation(s, who, severity="high", title="Kept")
        factories.observation(s, who, severity="low", title="Filtered out")
    window = make_window()
    qtbot.waitUntil(lambda: window.context.tenant is not None)
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    window.show_view("observations")
    view = window.views["observations"]
    view.severity_filter.setCurrentIndex(view.severity_filter.findData("high"))
    from auditdesk.ui.window import transfer

    transfer.export_view(window, "observations", tmp_path / "o.csv")
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    with (tmp_path / "o.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert [r[1] for r in rows[1:]] == ["Kept"]
    assert any(a.text() == "Export…" for a in view.table.actions())
    assert window.import_action.text() == "&Import findings…"
    transfer.export_view(window, "engagements", tmp_path / "e.xlsx")
    qtbot.waitUntil(lambda: not window.context.worker.busy)
    assert load_workbook(tmp_path / "e.xlsx").active["A1"].value == "Code"


def test_the_review_queue_exports_its_pending_suggestions(qtbot, database, tmp_path, make_window):
    with database.sessions.begin() as s:
        t = factories.tenant(s, "acme")
        who = factories.actor(t)
        earlier = factories.observation(s, who, title="Cash not counted", identified_on=date(2025, 2, 1))
        later = factories.observation(s, who, title="Petty cash uncounted", identified_on=date(2026, 2, 1))
        s.execute(text("INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score,"
                       " reasons) VALUES (:t, :o, :c, 0.8, '[\"title 0.80 similar\"]')"),
                  {"t": t.id, "o": later.id, "c": earlier.id})
    window = make_window()
    qtbot.waitUntil(lambda: window.context.tenant is not None)
    window.show_view("review_queue")
    view = window.views["review_queue"]
    qtbot.waitUntil(lambda: view.has_data())
    assert any(a.text() == "Export…" for a in view.table.actions())
    from auditdesk.ui.window import transfer

    transfer.export_view(window, "review_queue", tmp_path / "q.csv")
    qtbot.waitUntil(lambda: (tmp_path / "q.csv").exists() and not window.context.worker.busy)
    with (tmp_path / "q.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert [(r[2], r[6]) for r in rows[1:]] == [(later.ref, earlier.ref)]


@pytest.fixture
def make_window(qtbot, database_url, ui_settings, tmp_path):
    from auditdesk.config import DatabaseSource
    from auditdesk.ui.context import AppContext
    from auditdesk.ui.main_window import MainWindow

    windows = []

    def make():
        window = MainWindow(AppContext(), ui_settings, profile_path=tmp_path / "profile.ini")
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        window.open_source(DatabaseSource(database_url, None, "option"))
        return window

    yield make
    for window in windows:
        window.close_database()



def test_screenshots_of_the_mapping_preview_and_the_problem_list(qtbot, ui_context, ui_settings,
                                                                 ui_idle, database, tmp_path):
    """Draws both tabs; with AUDITDESK_SCREENSHOTS=DIR the PNGs are kept there."""
    import os

    with database.sessions.begin() as s:
        tenant = ui_context.tenant
        who = factories.actor(tenant)
        factories.user(s, tenant.id, name="Priya Shah")
        factories.engagement(s, who, code="ENG-2025-014", title="Treasury")
    path = tmp_path / "findings-history.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Finding ID", "Issue title", "Risk rating", "Status", "Date raised", "Target date",
                  "Engagement", "Action owner", "Repeat of", "Colour"])
    sheet.append(["TR-19-01", "Bank reconciliations not reviewed", "High risk", "Closed - validated",
                  "14/03/2019", "30/06/2019", "ENG-2025-014", "Priya Shah", None, "red"])
    sheet.append(["TR-21-04", "Bank reconciliations still not reviewed", "H", "In progress",
                  "02/11/2021", "31 Mar 2022", "ENG-2025-014", "Priya Shah", "TR-19-01", "red"])
    sheet.append(["TR-22-02", "Signatory list out of date", "Medium", "Open", "28/02/2022", None,
                  "ENG-2099-001", "Jo Nobody", None, ""])
    sheet.append(["TR-22-03", "Dormant accounts not closed", "Purple", "Open", "31/02/2022", None,
                  None, None, "TR-22-03", ""])
    sheet.append(["TR-19-01", "Duplicate of the first row", "L", "Open", "01/01/2023", None,
                  None, None, None, ""])
    book.save(path)
    dialog = ImportDialog(ui_context, path, ui_settings)
    qtbot.addWidget(dialog)
    dialog.show()
    ui_idle(ui_context)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.day_order is not None)
    assert dialog.plan.day_order_detected
    target = Path(os.environ.get("AUDITDESK_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    dialog.tabs.setCurrentIndex(0)
    preview = dialog.grab()
    dialog.tabs.setCurrentIndex(1)
    problems = dialog.grab()
    assert not preview.isNull() and not problems.isNull()
    assert preview.save(str(target / "mapping-preview.png"))
    assert problems.save(str(target / "problem-list.png"))
    assert dialog.problems.rowCount() >= 4
