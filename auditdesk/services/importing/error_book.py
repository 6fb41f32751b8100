"""The workbook of rejected rows: the file's own columns as they were read, and a last
column saying what is wrong, ready to fix and import again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from auditdesk.domain.importing.rows import ParsedRow, RowProblem
from auditdesk.services.exporting.write import as_text_cell

MESSAGES_HEADER = "Problems"


def write_rejected(
    path: Path,
    headers: Sequence[str | None],
    rows: Iterable[ParsedRow],
    problems: dict[int, list[RowProblem]],
) -> int:
    """Write the rejected rows to ``path`` (.xlsx); returns how many."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Rejected rows")
    sheet.freeze_panes = "A2"
    titles = [h or "" for h in headers]
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for title in [*titles, MESSAGES_HEADER, "Row in the original file"]:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    written = 0
    for row in rows:
        found = problems.get(row.number)
        if not found:
            continue
        cells = list(row.cells[: len(titles)]) + [None] * (len(titles) - len(row.cells))
        messages = "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in found)
        sheet.append([*(as_text_cell(sheet, c) for c in cells), messages, row.number])
        written += 1
    book.save(path)
    return written
