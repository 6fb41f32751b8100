"""The streaming .xlsx reader: value kinds, date formats, sparse rows, unsaved formulas."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl import Workbook as Book
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from auditdesk.services.importing.xlsx_stream import Workbook, _is_date_format


def test_values_of_every_kind_and_dates_by_their_format(tmp_path):
    book = Book()
    sheet = book.active
    sheet.title = "Findings ü"
    sheet.append(["text", 7, 2.5, True, date(2026, 12, 31), datetime(2026, 1, 2, 10, 30)])
    sheet["G1"] = 46022
    sheet["G1"].number_format = "dd.mm.yyyy"
    sheet["H1"] = 46022
    sheet["H1"].number_format = '0.00 "days"'
    sheet["I1"] = CellRichText([TextBlock(InlineFont(b=True), "Bold"), " and plain"])
    sheet["A4"] = "after a gap"
    sheet["C5"] = "=A1"
    book.create_sheet("Second").append(["x"])
    book.save(tmp_path / "b.xlsx")
    reader = Workbook(tmp_path / "b.xlsx")
    assert list(reader.sheets) == ["Findings ü", "Second"]
    rows = list(reader.rows("Findings ü"))
    reader.close()
    number, cells, unsaved = rows[0]
    assert number == 1 and unsaved == ()
    assert cells[:4] == ("text", 7, 2.5, True)
    assert cells[4] == datetime(2026, 12, 31) and cells[5] == datetime(2026, 1, 2, 10, 30)
    assert cells[6] == datetime(2025, 12, 31) and cells[7] == 46022
    assert cells[8] == "Bold and plain"
    assert [r[0] for r in rows] == [1, 4, 5]
    assert rows[1][1] == ("after a gap",)
    assert rows[2][2] == (2,)


def test_date_format_codes():
    assert _is_date_format("dd/mm/yyyy") and _is_date_format("[$-409]d-mmm-yy;@")
    assert not _is_date_format('0.00 "days"') and not _is_date_format("#,##0") and not _is_date_format("General")
