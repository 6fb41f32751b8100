"""Reading a file into parsed rows and their problems (no database yet).

The file is read once, streaming; each row is parsed as it arrives. Then the day/month
order is settled (chosen, or detected from the file's own unambiguous dates) and the
open dates are resolved, and refs repeated inside the file are found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from auditdesk.domain.importing.fields import ColumnMapping, map_headers
from auditdesk.domain.importing.rows import (
    DATE_FIELDS,
    ParsedRow,
    RowProblem,
    detect_order,
    duplicate_refs,
    parse_row,
    resolve_dates,
)
from auditdesk.domain.importing.values import DayOrder
from auditdesk.services.importing.model import ImportOptions, Progress
from auditdesk.services.importing.readers import open_sheet

_PROGRESS_EVERY = 1_000


@dataclass
class ReadFile:
    """A file read and parsed: what the database checks start from."""

    file_name: str
    detail: str
    mapping: ColumnMapping | None
    rows: list[ParsedRow] = field(default_factory=list)
    problems: dict[int, list[RowProblem]] = field(default_factory=dict)  # row -> problems
    file_problems: list[RowProblem] = field(default_factory=list)
    day_order: DayOrder | None = None
    detected: bool = False
    needs_day_order: bool = False
    header_row: int = 1

    def add(self, problems: list[RowProblem]) -> None:
        for problem in problems:
            self.problems.setdefault(problem.row, []).append(problem)


def _expected_rows(sheet) -> int | None:
    return getattr(sheet, "expected_rows", None)


def read_file(path: Path, options: ImportOptions, progress: Progress | None = None) -> ReadFile:
    with open_sheet(path, options.sheet) as sheet:
        mapping = map_headers(sheet.headers, options.mapping)
        read = ReadFile(path.name, sheet.detail, mapping, header_row=sheet.header_row)
        if mapping.problems:
            read.file_problems = [RowProblem(0, "", message) for message in mapping.problems]
            return read
        date_columns = [i for i, f in mapping.fields.items() if f in DATE_FIELDS]
        date_texts: list[str] = []
        expected = _expected_rows(sheet)
        named = {i for i, h in enumerate(mapping.headers) if h}
        unnamed: set[int] = set()
        for count, sheet_row in enumerate(sheet.rows, start=1):
            row, problems = parse_row(sheet_row.number, sheet_row.cells, mapping, sheet_row.formulas)
            unnamed.update(
                i for i, cell in enumerate(sheet_row.cells)
                if i not in named and cell is not None and str(cell).strip()
            )
            read.rows.append(row)
            read.add(problems)
            for index in date_columns:
                if index < len(sheet_row.cells) and isinstance(sheet_row.cells[index], str):
                    date_texts.append(sheet_row.cells[index])
            if progress and count % _PROGRESS_EVERY == 0:
                progress(count, expected)
    if unnamed:
        read.mapping = mapping.with_unnamed(unnamed)
    _settle_day_order(read, options, date_texts)
    ref_column = mapping.column_of("ref")
    if ref_column is not None:
        read.add(duplicate_refs(read.rows, mapping.headers[ref_column]))
    return read


def _settle_day_order(read: ReadFile, options: ImportOptions, texts: list[str]) -> None:
    assert read.mapping is not None
    detected, conflict = detect_order(texts)
    if options.day_order is not None:
        read.day_order = DayOrder(options.day_order)
    elif conflict:
        read.file_problems.append(RowProblem(0, "", f"Dates: {conflict}"))
    else:
        read.day_order, read.detected = detected, detected is not None
    resolved: list[ParsedRow] = []
    for row in read.rows:
        row, problems = resolve_dates(row, read.day_order, read.mapping)
        if problems and read.day_order is None:
            read.needs_day_order = True
        read.add(problems)
        resolved.append(row)
    read.rows = resolved
