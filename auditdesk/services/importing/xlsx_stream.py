"""A streaming reader of one .xlsx sheet's cell values, for import.

openpyxl's read-only mode builds an object per cell; an import of 100,000 rows only
needs the values. This reads the sheet XML with expat straight from the zip, a chunk
at a time (constant memory besides the shared strings), and gives each row as a tuple:
text, numbers, booleans, and dates for number cells whose format is a date format
(the workbook's styles say which). A formula cell with no saved result is reported,
so that its row can say so instead of reading as empty. Workbooks are written with
openpyxl (``auditdesk.services.exporting``).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from xml.etree import ElementTree
from xml.parsers import expat

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_EPOCH = datetime(1899, 12, 30)
_BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57})
_CHUNK = 1 << 20


class SheetMissing(LookupError):
    pass


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)  # quoted text, colours, escapes
    return bool(re.search(r"[dmyhs]", code, re.IGNORECASE)) and "General" not in code


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + (ord(char) - 64)
        else:
            break
    return index - 1


def _row_number(reference: str) -> int:
    digits = "".join(c for c in reference if c.isdigit())
    return int(digits) if digits else 0


class Workbook:
    """The parts of a workbook the reader needs: sheet names and paths, shared strings,
    which cell styles are dates."""

    def __init__(self, path):
        self.archive = zipfile.ZipFile(path)
        self.sheets = self._sheets()
        self.strings = self._shared_strings()
        self.date_styles = self._date_styles()

    def close(self) -> None:
        self.archive.close()

    def _xml(self, name: str):
        return ElementTree.fromstring(self.archive.read(name))

    def _sheets(self) -> dict[str, str]:
        book = self._xml("xl/workbook.xml")
        try:
            rels = self._xml("xl/_rels/workbook.xml.rels")
        except KeyError:
            rels = ElementTree.Element("none")
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
        sheets: dict[str, str] = {}
        for sheet in book.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(f"{_REL}id"), "")
            if target.startswith("/"):
                member = target.lstrip("/")
            else:
                member = posixpath.normpath(posixpath.join("xl", target))
            sheets[sheet.get("name", "")] = member
        return sheets

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return []
        strings: list[str] = []
        parts: list[str] = []
        inside_phonetic = False
        with self.archive.open("xl/sharedStrings.xml") as source:
            for event, element in ElementTree.iterparse(source, events=("start", "end")):
                tag = element.tag
                if tag == f"{_MAIN}rPh":
                    inside_phonetic = event == "start"
                elif event == "end" and tag == f"{_MAIN}t" and not inside_phonetic:
                    parts.append(element.text or "")
                elif event == "end" and tag == f"{_MAIN}si":
                    strings.append("".join(parts))
                    parts = []
                    element.clear()
        return strings

    def _date_styles(self) -> frozenset[int]:
        if "xl/styles.xml" not in self.archive.namelist():
            return frozenset()
        styles = self._xml("xl/styles.xml")
        custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
                  for f in styles.iter(f"{_MAIN}numFmt")}
        cell_xfs = styles.find(f"{_MAIN}cellXfs")
        dates = set()
        for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
            number_format = int(xf.get("numFmtId", "0"))
            if number_format in _BUILTIN_DATE_FORMATS or (
                number_format in custom and _is_date_format(custom[number_format])
            ):
                dates.add(index)
        return frozenset(dates)

    def rows(self, name: str) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
        """(row number, cell values, columns with an unsaved formula) for every row."""
        if name not in self.sheets:
            raise SheetMissing(name)
        reader = _SheetReader(self.strings, self.date_styles)
        with self.archive.open(self.sheets[name]) as source:
            while chunk := source.read(_CHUNK):
                reader.parser.Parse(chunk, False)
                yield from reader.take()
            reader.parser.Parse(b"", True)
            yield from reader.take()


class _SheetReader:
    """expat callbacks collecting finished rows."""

    def __init__(self, strings: list[str], date_styles: frozenset[int]):
        self.strings = strings
        self.date_styles = date_styles
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.done: list[tuple[int, tuple, tuple[int, ...]]] = []
        self.row: dict[int, object] = {}
        self.unsaved: list[int] = []
        self.row_number = 0
        self.column = -1
        self.kind = ""
        self.style = 0
        self.value: list[str] | None = None
        self.has_formula = False
        self.in_inline = False
        self.names: dict[str, str] = {}  # tag with its namespace -> local name

    def _name(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = tag.rpartition("}")[2]
        return name

    def take(self) -> list[tuple[int, tuple, tuple[int, ...]]]:
        done, self.done = self.done, []
        return done

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = self.names.get(tag) or self._name(tag)
        if name == "c":  # the most frequent first
            reference = attributes.get("r")
            self.column = _column_index(reference) if reference else self.column + 1
            self.kind = attributes.get("t", "n")
            self.style = int(attributes.get("s", "0"))
            self.has_formula = False
            self.value = None
        elif name == "v" or (name == "t" and self.in_inline):
            self.value = self.value if self.value is not None else []
        elif name == "row":
            self.row, self.unsaved = {}, []
            self.row_number = int(attributes.get("r", self.row_number + 1))
            self.column = -1
        elif name == "is":
            self.in_inline = True
        elif name == "f":
            self.has_formula = True

    def text(self, data: str) -> None:
        if self.value is not None:
            self.value.append(data)

    def end(self, tag: str) -> None:
        name = self.names.get(tag) or self._name(tag)
        if name == "c":
            self._cell()
        elif name == "is":
            self.in_inline = False
        elif name == "row":
            width = max(self.row) + 1 if self.row else 0
            cells = tuple(self.row.get(i) for i in range(width))
            self.done.append((self.row_number, cells, tuple(self.unsaved)))

    def _cell(self) -> None:
        raw = "".join(self.value) if self.value is not None else None
        if self.has_formula and not raw:
            self.unsaved.append(self.column)  # a formula whose result was never saved
            return
        if raw is None or (raw == "" and self.kind not in ("str", "inlineStr")):
            return
        kind = self.kind
        value: object
        if kind == "s":
            value = self.strings[int(raw)]
        elif kind in ("str", "inlineStr"):
            value = raw
        elif kind == "b":
            value = raw == "1"
        elif kind == "e":
            value = raw  # "#N/A": read as the text it shows
        else:
            number = float(raw)
            if self.style in self.date_styles:
                value = _EPOCH + timedelta(days=number)
            else:
                value = int(number) if number.is_integer() and "." not in raw and "E" not in raw else number
        self.row[self.column] = value
