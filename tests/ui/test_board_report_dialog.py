"""Reports → Board report… dialog: options, generation through the worker with progress,
the HTML summary and page-1 preview, Excel output, and a refused output path."""

from __future__ import annotations

from datetime import date, timedelta

import factories
from openpyxl import load_workbook

from auditdesk.services import report as board_report
from auditdesk.ui.dialogs.board_report import BoardReportDialog, open_board_report_dialog


def _seed(database, tenant_id: int) -> None:
    with database.sessions.begin() as s:
        from auditdesk.data import tenants

        tenant = next(t for t in tenants.list_tenants(s) if t.id == tenant_id)
        who = factories.actor(tenant)
        eng = factories.engagement(s, who, code="ENG-2026-900", auditee="Treasury")
        today = date.today()
        root = factories.observation(
            s, who, identified_on=today - timedelta(days=300), engagement_id=eng.id,
            title="Bank reconciliations not reviewed",
        )
        factories.observation(
            s, who, identified_on=today - timedelta(days=20), engagement_id=eng.id,
            repeat_of_id=root.id, title="Bank reconciliations not reviewed again",
        )


def test_dialog_generates_a_pdf_with_progress_and_preview(qtbot, ui_context, database, tmp_path):
    _seed(database, ui_context.tenant_id)
    dialog = BoardReportDialog(ui_context)
    qtbot.addWidget(dialog)
    seen: list[int] = []
    dialog.progress.valueChanged.connect(seen.append)
    dialog.set_path(tmp_path / "board.pdf")
    dialog.page_size.setCurrentIndex(dialog.page_size.findData("letter"))
    with qtbot.waitSignal(dialog.generated, timeout=60_000) as blocker:
        dialog.generate()
        assert dialog.busy
    assert blocker.args == [str(tmp_path / "board.pdf")]
    assert (tmp_path / "board.pdf").read_bytes()[:5] == b"%PDF-"
    assert not dialog.busy and dialog.progress.value() == 100
    assert len(set(seen)) > 3, "progress moved through several steps"
    html = dialog.summary.toHtml()
    assert "Open repeat findings" in html and "1 rows" in html
    assert dialog.preview_png is not None and dialog.preview_png.exists()
    assert not dialog.page_image.pixmap().isNull()
    assert [r.ref for r in dialog.report.repeats] == ["OBS-000002"]


def test_dialog_writes_excel_and_period(qtbot, ui_context, database, tmp_path):
    _seed(database, ui_context.tenant_id)
    dialog = open_board_report_dialog(ui_context)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData(".xlsx"))
    assert dialog.path.text().endswith(".xlsx") and not dialog.page_size.isEnabled()
    dialog.set_path(tmp_path / "board.xlsx")
    dialog.set_period(date.today() - timedelta(days=100), None)
    with qtbot.waitSignal(dialog.generated, timeout=60_000):
        dialog.generate()
    wb = load_workbook(tmp_path / "board.xlsx")
    assert wb["Repeat findings"]["A2"].value == "OBS-000002"
    assert dialog.report.period.start == date.today() - timedelta(days=100)


def test_dialog_refuses_a_bad_path_without_a_job(qtbot, ui_context, tmp_path):
    dialog = BoardReportDialog(ui_context)
    qtbot.addWidget(dialog)
    dialog.set_path(tmp_path / "report.docx")
    dialog.generate()
    assert not dialog.busy and not ui_context.worker.busy
    assert ".docx is not a report format" in dialog.status.text()
    dialog.set_path(tmp_path / "missing" / "report.pdf")
    dialog.generate()
    assert "does not exist" in dialog.status.text()


def test_no_repeat_tenant_preview_says_so(qtbot, ui_context, tmp_path):
    dialog = BoardReportDialog(ui_context)
    qtbot.addWidget(dialog)
    dialog.set_path(tmp_path / "empty.pdf")
    with qtbot.waitSignal(dialog.generated, timeout=60_000):
        dialog.generate()
    assert board_report.NO_REPEATS in dialog.summary.toPlainText()


def test_main_window_reports_menu_opens_the_dialog(qtbot, ui_context, ui_settings):
    from auditdesk.ui.main_window import MainWindow

    window = MainWindow(ui_context, ui_settings, demo_policy="never")
    qtbot.addWidget(window)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert "Board report…" in [a.text().replace("&", "") for a in menus["Reports"].actions()]
    window.board_report_action.trigger()
    dialogs = window.findChildren(BoardReportDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()


def test_default_path_works_without_a_documents_folder(qtbot, ui_context, ui_settings, _private_home):
    from pathlib import Path

    documents = _private_home / "Documents"
    assert not documents.exists()
    dialog = BoardReportDialog(ui_context, settings=ui_settings)
    qtbot.addWidget(dialog)
    proposed = Path(dialog.path.text())
    assert proposed.parent == documents and documents.is_dir()
    with qtbot.waitSignal(dialog.generated, timeout=60_000):
        dialog.generate()  # the proposed path as it is
    assert proposed.read_bytes()[:5] == b"%PDF-"
    # the next report starts where this one went
    elsewhere = _private_home / "reports"
    elsewhere.mkdir()
    dialog.set_path(elsewhere / "board.xlsx")
    with qtbot.waitSignal(dialog.generated, timeout=60_000):
        dialog.generate()
    again = BoardReportDialog(ui_context, settings=ui_settings)
    qtbot.addWidget(again)
    assert Path(again.path.text()).parent == elsewhere
