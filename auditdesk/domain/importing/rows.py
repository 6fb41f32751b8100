"""One sheet row to a ``ParsedRow`` and its problems; the checks across rows.

A problem names the sheet row (as Excel numbers it), the column (its header) and says
what is wrong in words. Dates whose day/month order is open are resolved once the
order of the whole file is known (``resolve_dates``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from auditdesk.domain.drafts import CODE_MAX, LONG_TEXT_FIELDS, LONG_TEXT_MAX, TITLE_MAX
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.importing.fields import ColumnMapping, label
from auditdesk.domain.importing.values import (
    DayOrder,
    OpenDate,
    ValueProblem,
    order_evidence,
    parse_date,
    parse_severity,
    parse_status,
    parse_text,
)

REF_MAX = 40
OWNER_MAX = 320
DATE_FIELDS = ("identified_on", "due_date", "original_due_date")


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # the sheet's row number; 0 for a problem of the whole file
    column: str  # the header, "" when no one column is meant
    message: str

    def as_json(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row's values by field; only the mapped fields are in ``values``."""

    number: int
    values: Mapping[str, object]
    cells: tuple[object, ...] = field(default=(), compare=False)

    @property
    def ref(self) -> str | None:
        return self.values.get("ref") or None  # type: ignore[return-value]

    @property
    def repeat_of(self) -> str | None:
        return self.values.get("repeat_of") or None  # type: ignore[return-value]


_TEXT_LIMITS = {
    "ref": REF_MAX,
    "title": TITLE_MAX,
    "engagement": CODE_MAX,
    "owner": OWNER_MAX,
    "owner_email": OWNER_MAX,
    "repeat_of": REF_MAX,
    **{name: LONG_TEXT_MAX for name in LONG_TEXT_FIELDS},
}


def _parse(field_name: str, value: object) -> object:
    if field_name in DATE_FIELDS:
        return parse_date(value)
    if field_name == "severity":
        return parse_severity(value)
    if field_name == "status":
        return parse_status(value)
    text = parse_text(value, _TEXT_LIMITS[field_name])
    if field_name in ("engagement", "ref", "repeat_of"):
        return text.upper()  # refs and codes are stored in capitals
    return text


def is_empty(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def parse_row(
    number: int, cells: Sequence[object], mapping: ColumnMapping, formulas: Iterable[int] = ()
) -> tuple[ParsedRow, list[RowProblem]]:
    """The row's value for every mapped field. ``formulas`` lists the columns whose cell
    is a formula without a saved result."""
    problems: list[RowProblem] = []
    values: dict[str, object] = {}
    unsaved = set(formulas)
    for index, field_name in mapping.fields.items():
        header = mapping.headers[index]
        cell = cells[index] if index < len(cells) else None
        if index in unsaved:
            problems.append(RowProblem(
                number, header,
                "holds a formula whose result was never saved; open the file in Excel, "
                "save it and import again",
            ))
            continue
        try:
            values[field_name] = _parse(field_name, cell)
        except ValueProblem as problem:
            problems.append(RowProblem(number, header, str(problem)))
    for required in ("title", "severity", "identified_on"):
        if mapping.has(required) and required in values and not values[required]:
            column = mapping.headers[mapping.column_of(required)]  # type: ignore[index]
            problems.append(RowProblem(number, column, f"{label(required)} is required"))
    return ParsedRow(number, values, tuple(cells)), problems


def detect_order(texts: Iterable[str]) -> tuple[DayOrder | None, str | None]:
    """The day/month order shown by the file's own dates, or a conflict described."""
    seen: dict[DayOrder, str] = {}
    for text in texts:
        evidence = order_evidence(text)
        if evidence is not None:
            seen.setdefault(evidence, text)
        if len(seen) == 2:
            return None, (
                f"the file mixes day-first dates ('{seen[DayOrder.DAY_FIRST]}') and month-first "
                f"dates ('{seen[DayOrder.MONTH_FIRST]}'); make them one order"
            )
    if len(seen) == 1:
        return next(iter(seen)), None
    return None, None


def resolve_dates(
    row: ParsedRow, order: DayOrder | None, mapping: ColumnMapping
) -> tuple[ParsedRow, list[RowProblem]]:
    """Replace every ``OpenDate`` by a date in ``order``; without an order, a problem."""
    if not any(isinstance(row.values.get(name), OpenDate) for name in DATE_FIELDS):
        return row, []  # nothing open (most rows): the row as it is
    problems: list[RowProblem] = []
    values = dict(row.values)
    for name in DATE_FIELDS:
        value = values.get(name)
        if not isinstance(value, OpenDate):
            continue
        header = mapping.headers[mapping.column_of(name)]  # type: ignore[index]
        if order is None:
            problems.append(RowProblem(
                row.number, header,
                f"'{value.text}' could be day/month or month/day; choose the date order "
                "(day first like 31/12/2026, or month first like 12/31/2026)",
            ))
            continue
        try:
            values[name] = value.resolve(order)
        except ValueProblem as problem:
            problems.append(RowProblem(row.number, header, str(problem)))
    return replace(row, values=values), problems


def duplicate_refs(rows: Iterable[ParsedRow], column: str) -> list[RowProblem]:
    first: dict[str, int] = {}
    problems: list[RowProblem] = []
    for row in rows:
        ref = row.ref
        if not ref:
            continue
        key = ref.upper()
        if key in first:
            problems.append(RowProblem(
                row.number, column, f"{ref} is also on row {first[key]}; each ref only once"
            ))
        else:
            first[key] = row.number
    return problems


def cycle_through(
    start: str, parent_of: Callable[[str], str | None], known_good: set[str]
) -> list[str] | None:
    """The refs of the repeat-of cycle ``start`` leads into, or None. ``known_good`` (refs
    already shown to reach a root) is extended as the walk learns."""
    path: list[str] = []
    on_path: set[str] = set()
    current: str | None = start
    while current is not None and current not in known_good:
        if current in on_path:
            return path[path.index(current):] + [current]
        path.append(current)
        on_path.add(current)
        current = parent_of(current)
    known_good.update(path)
    return None


def severity_of(row: ParsedRow) -> Severity | None:
    value = row.values.get("severity")
    return value if isinstance(value, Severity) else None


def status_of(row: ParsedRow) -> ObservationStatus | None:
    value = row.values.get("status")
    return value if isinstance(value, ObservationStatus) else None


def date_of(row: ParsedRow, name: str) -> date | None:
    value = row.values.get(name)
    return value if isinstance(value, date) else None
