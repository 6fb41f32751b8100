"""Writing rows to .xlsx (openpyxl write-only: rows go to disk as they come, constant
memory) or .csv (UTF-8 with a BOM and CRLF, which Excel opens without asking).

The workbook has real date cells, a frozen and bold header row, an auto-filter over
the table, column widths, and the severity colours (as conditional formats, so that a
million rows cost no per-cell style). Text that starts like a formula is stored as text.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity
from auditdesk.domain.errors import ValidationError
from auditdesk.services.exporting.columns import SEVERITY_COLOURS, Column, Kind

Progress = Callable[[int], None]
_PROGRESS_EVERY = 5_000
FORMATS = (".xlsx", ".csv")


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError({"out": f"'{path.name}': the file name must end in .xlsx or .csv"})
    return suffix[1:]


def _display(value: Any, column: Column) -> Any:
    if column.kind is Kind.SEVERITY and value:
        return Severity(value).label
    if column.kind is Kind.STATUS and value:
        try:
            return ObservationStatus(value).label
        except ValueError:
            return EngagementStatus(value).label
    if column.kind is Kind.DATETIME and isinstance(value, datetime) and value.tzinfo:
        return value.astimezone().replace(tzinfo=None)  # Excel has no time zones
    return value


def write_rows(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
               progress: Progress | None = None, sheet_title: str = "Export") -> int:
    kind = format_of(path)
    shown = ([_display(v, c) for v, c in zip(row, columns, strict=True)] for row in rows)
    if kind == "csv":
        return _csv(path, columns, shown, progress)
    return _xlsx(path, columns, shown, progress, sheet_title)


def _csv(path: Path, columns: Sequence[Column], rows: Iterable[list[Any]], progress) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow([c.header for c in columns])
        for row in rows:
            out.writerow(["" if v is None else _csv_value(v) for v in row])
            count += 1
            if progress and count % _PROGRESS_EVERY == 0:
                progress(count)
    return count


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_text_cell(sheet, value: Any) -> Any:
    """A string that openpyxl would store as a formula ("=SUM(…)") as a text cell."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _xlsx(path: Path, columns: Sequence[Column], rows: Iterable[list[Any]], progress, title: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3A5F")
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    text_columns = [i for i, c in enumerate(columns) if c.kind in (Kind.TEXT, Kind.LONG)]
    count = 0
    for row in rows:
        for index in text_columns:
            row[index] = as_text_cell(sheet, row[index])
        sheet.append(row)
        count += 1
        if progress and count % _PROGRESS_EVERY == 0:
            progress(count)
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    severity = next((i for i, c in enumerate(columns, start=1) if c.kind is Kind.SEVERITY), None)
    if severity is not None and count:
        letter = get_column_letter(severity)
        for label_text, (fill, font) in SEVERITY_COLOURS.items():
            sheet.conditional_formatting.add(
                f"{letter}2:{letter}{count + 1}",
                CellIsRule(operator="equal", formula=[f'"{label_text}"'],
                           fill=PatternFill("solid", bgColor=fill, fgColor=fill),
                           font=Font(color=font)),
            )
    book.save(path)
    return count
