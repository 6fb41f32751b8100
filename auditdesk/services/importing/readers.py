"""Reading a findings file row by row: .xlsx (``xlsx_stream``, streaming) and .csv
(delimiter sniffed; UTF-8 with or without BOM, else Windows-1252).

``open_sheet`` refuses what it cannot read with one ``ImportFileError`` in words: not a
workbook or CSV, a password-protected workbook, no such sheet, an empty sheet. The
header row is the first row with anything in it; empty rows are skipped; row numbers
are the sheet's own.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.importing.rows import is_empty
from auditdesk.services.importing.xlsx_stream import Workbook

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 64 * 1024


class ImportFileError(AuditDeskError):
    """A file that cannot be imported at all (the message names the file)."""


@dataclass
class SheetRow:
    number: int
    cells: tuple[Any, ...]
    formulas: tuple[int, ...] = ()  # columns holding a formula with no saved result


@dataclass
class Sheet:
    """An open sheet: its header row and an iterator over the rows below it."""

    name: str
    header_row: int
    headers: tuple[str | None, ...]
    rows: Iterator[SheetRow]
    kind: str  # "xlsx" or "csv"
    detail: str = ""  # e.g. "UTF-8, semicolon-separated"
    expected_rows: int | None = None  # for a progress bar; may be a little high
    _closers: list = field(default_factory=list)

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def kind_of(path: Path) -> str:
    """"xlsx" or "csv", from the file's first bytes (the extension can lie)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise ImportFileError(f"{path.name}: there is no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path.name} is a folder, not a file") from None
    except OSError as error:
        raise ImportFileError(f"{path.name} cannot be read: {error.strerror}") from None
    if head.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in head or b"EncryptedPackage" in head:
            raise ImportFileError(
                f"{path.name} is protected by a password; open it in Excel, remove the "
                "password (File → Info → Protect Workbook) and import again"
            )
        raise ImportFileError(
            f"{path.name} is an old-format Excel file (.xls) or another Office document; "
            "save it as .xlsx or .csv and import again"
        )
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if not head.strip():
        raise ImportFileError(f"{path.name} is empty")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            f"{path.name} is not an Excel workbook (.xlsx) or a CSV file"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            f"{path.name} is UTF-16 text; save it as CSV UTF-8 (or .xlsx) and import again"
        )
    return "csv"


def open_sheet(path: Path | str, sheet_name: str | None = None) -> Sheet:
    path = Path(path)
    kind = kind_of(path)
    sheet = _open_xlsx(path, sheet_name) if kind == "xlsx" else _open_csv(path)
    return sheet


# -- xlsx -------------------------------------------------------------------------------------


_BROKEN = (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, ElementTree.ParseError,
           expat.ExpatError)


def _why(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text[:120] or "the file is damaged"


def _unreadable(path: Path, error: Exception) -> ImportFileError:
    return ImportFileError(
        f"{path.name} is not an Excel workbook (.xlsx) that can be read ({_why(error)})"
    )


def _open_xlsx(path: Path, sheet_name: str | None) -> Sheet:
    try:
        book = Workbook(path)
    except _BROKEN as error:
        raise _unreadable(path, error) from None
    try:
        names = list(book.sheets)
        if not names:
            raise ImportFileError(f"{path.name} has no sheet")
        if sheet_name is None:
            name = names[0]
        elif sheet_name in names:
            name = sheet_name
        else:
            raise ImportFileError(
                f"{path.name} has no sheet '{sheet_name}'; its sheets are: {', '.join(names)}"
            )
        numbered = _xlsx_rows(path, book, name)
        header_row, headers = _first_row(numbered, path.name, name)
    except BaseException:
        book.close()
        raise
    return Sheet(name, header_row, _headers(headers), numbered, "xlsx", f"sheet '{name}'",
                 None, [book.close])


def _xlsx_rows(path: Path, book: Workbook, name: str) -> Iterator[SheetRow]:
    try:
        for number, cells, unsaved in book.rows(name):
            if is_empty(cells) and not unsaved:
                continue
            yield SheetRow(number, cells, unsaved)
    except _BROKEN as error:
        raise _unreadable(path, error) from None


def _first_row(rows: Iterator[SheetRow], file_name: str, sheet: str) -> tuple[int, tuple]:
    for row in rows:
        return row.number, row.cells
    raise ImportFileError(f"{file_name}: the sheet '{sheet}' is empty; there is nothing to import")


def _headers(cells) -> tuple[str | None, ...]:
    out = [None if c is None or not str(c).strip() else str(c).strip() for c in cells]
    while out and out[-1] is None:
        out.pop()
    return tuple(out)


# -- csv --------------------------------------------------------------------------------------


def _encoding(path: Path) -> str:
    """utf-8-sig when the file decodes as UTF-8 (with or without a BOM), else cp1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _dialect(sample: str, file_name: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        if first and not any(d in first for d in ",;\t|"):
            return csv.excel  # one column
        raise ImportFileError(
            f"{file_name}: cannot tell which character separates the columns "
            "(comma, semicolon, tab or |)"
        ) from None


def _open_csv(path: Path) -> Sheet:
    encoding = _encoding(path)
    handle = path.open("r", encoding=encoding, newline="", errors="replace")
    try:
        sample = handle.read(_SNIFF_BYTES)
        handle.seek(0)
        dialect = _dialect(sample, path.name)
        reader = csv.reader(handle, dialect)

        def rows() -> Iterator[SheetRow]:
            try:
                for cells in reader:
                    if not is_empty(cells):
                        yield SheetRow(reader.line_num, tuple(cells))
            except csv.Error as error:
                raise ImportFileError(
                    f"{path.name}, line {reader.line_num}: {error}; check the quotes"
                ) from None

        numbered = rows()
        header_row, headers = _first_row(numbered, path.name, path.stem)
    except BaseException:
        handle.close()
        raise
    label = "UTF-8" if encoding == "utf-8-sig" else "Windows-1252"
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "|"}.get(
        dialect.delimiter, repr(dialect.delimiter)
    )
    return Sheet(path.stem, header_row, _headers(headers), numbered, "csv",
                 f"{label}, {delimiter}-separated", _line_count(path) - header_row,
                 [handle.close])


def _line_count(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines



