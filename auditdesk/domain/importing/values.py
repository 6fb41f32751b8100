"""One spreadsheet cell to one stored value, or a message saying why not.

Dates arrive as real dates (an Excel date cell), Excel serial numbers, or text: ISO
``2026-12-31``, ``31 Dec 2026`` / ``Dec 31, 2026``, and numeric ``31/12/2026`` or
``12/31/2026``. A numeric date whose day and month could be swapped (``03/04/2026``)
is kept as an ``OpenDate`` until the day/month order of the whole file is known —
chosen by the user or detected from a date that is unambiguous — and is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from auditdesk.domain.enums import ObservationStatus, Severity

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Excel's 1900 leap year)


class DayOrder(StrEnum):
    DAY_FIRST = "day-first"  # 31/12/2026
    MONTH_FIRST = "month-first"  # 12/31/2026

    @property
    def example(self) -> str:
        return "31/12/2026" if self is DayOrder.DAY_FIRST else "12/31/2026"


class ValueProblem(ValueError):
    """A cell that cannot become its field's value; the text says why, in words."""


@dataclass(frozen=True, slots=True)
class OpenDate:
    """``a/b/year`` where both a and b could be the day: resolved by the file's order."""

    first: int
    second: int
    year: int
    text: str

    def resolve(self, order: DayOrder | str) -> date:
        day, month = (
            (self.first, self.second)
            if DayOrder(order) is DayOrder.DAY_FIRST
            else (self.second, self.first)
        )
        return _checked(_make(self.year, month, day, self.text))


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?,?[ \-](\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"'{text}' is not a date in the calendar") from None


def _checked(value: date) -> date:
    if value < EARLIEST or value > LATEST:
        raise ValueProblem(
            f"{value.isoformat()} is outside the years 1900 to 2100; check the year"
        )
    return value


def _month(name: str, text: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise ValueProblem(f"'{text}': '{name}' is not a month")
    return number


def parse_date(value: object) -> date | OpenDate | None:
    """A date, an ``OpenDate`` awaiting the day/month order, or None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return _checked(value.date())
    if isinstance(value, date):
        return _checked(value)
    if isinstance(value, bool):
        raise ValueProblem(f"'{value}' is not a date")
    if isinstance(value, int | float):
        return _serial(float(value), str(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text), text)
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
        return _checked(_make(year, month, day, text))
    if match := _NUMERIC.match(text):
        first, second, year = (int(g) for g in match.groups())
        if first > 12 and second > 12:
            raise ValueProblem(f"'{text}' is not a date (neither {first} nor {second} is a month)")
        if first > 12:
            return _checked(_make(year, second, first, text))
        if second > 12:
            return _checked(_make(year, first, second, text))
        if first == second:
            return _checked(_make(year, first, second, text))
        return OpenDate(first, second, year, text)
    if match := _DAY_MONTH_NAME.match(text):
        day_text, name, year_text = match.groups()
        return _checked(_make(int(year_text), _month(name, text), int(day_text), text))
    if match := _MONTH_NAME_DAY.match(text):
        name, day_text, year_text = match.groups()
        return _checked(_make(int(year_text), _month(name, text), int(day_text), text))
    raise ValueProblem(
        f"'{text}' is not a date; write it as 2026-12-31, 31/12/2026 or 31 Dec 2026"
    )


def _serial(number: float, text: str) -> date:
    """An Excel serial day number (a date cell without a date format, or one in a CSV)."""
    if number < 1 or number > 100_000:
        raise ValueProblem(f"'{text}' is not a date")
    return _checked(_EXCEL_EPOCH + timedelta(days=int(number)))


def order_evidence(text: str) -> DayOrder | None:
    """The day/month order a numeric date shows by itself (31/12 is day first)."""
    match = _NUMERIC.match(text.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return DayOrder.DAY_FIRST
    if second > 12 >= first:
        return DayOrder.MONTH_FIRST
    return None


_SEVERITY = {
    Severity.CRITICAL: ("critical", "crit", "c", "very high", "extreme", "severe", "p1", "1"),
    Severity.HIGH: ("high", "h", "major", "significant", "p2", "2"),
    Severity.MEDIUM: ("medium", "med", "m", "moderate", "p3", "3"),
    Severity.LOW: ("low", "l", "minor", "p4", "4"),
}
_SEVERITY_WORDS = {word: level for level, words in _SEVERITY.items() for word in words}

_STATUS = {
    ObservationStatus.DRAFT: ("draft",),
    ObservationStatus.OPEN: ("open", "new", "raised", "outstanding", "not started", "reported"),
    ObservationStatus.IN_REMEDIATION: (
        "in remediation", "remediation", "in progress", "ongoing", "wip", "being remediated",
        "open in progress",
    ),
    ObservationStatus.PENDING_VALIDATION: (
        "pending validation", "awaiting validation", "ready for validation",
        "pending verification", "awaiting verification", "implemented", "remediated",
    ),
    ObservationStatus.CLOSED: (
        "closed", "closed validated", "validated", "resolved", "done", "complete", "completed",
        "closed verified", "verified",
    ),
    ObservationStatus.RISK_ACCEPTED: (
        "risk accepted", "accepted", "closed risk accepted", "accept", "risk acceptance",
    ),
}
_STATUS_WORDS = {word: status for status, words in _STATUS.items() for word in words}


def parse_severity(value: object) -> Severity | None:
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"[^0-9a-z]+", " ", str(value).lower()).strip()
    found = _SEVERITY_WORDS.get(text) or _SEVERITY_WORDS.get(_without_noise(text))
    if found is None:
        raise ValueProblem(
            f"'{value}' is not a severity; use Critical, High, Medium or Low (or C, H, M, L)"
        )
    return found


def parse_status(value: object) -> ObservationStatus | None:
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"[^0-9a-z]+", " ", str(value).lower()).strip()
    found = _STATUS_WORDS.get(text) or _STATUS_WORDS.get(_without_noise(text))
    if found is None:
        allowed = ", ".join(status.label for status in ObservationStatus)
        raise ValueProblem(f"'{value}' is not a status; use one of {allowed}")
    return found


def _without_noise(text: str) -> str:
    return " ".join(
        w for w in text.split() if w not in {"risk", "rating", "finding", "priority", "severity", "status"}
    ) or text


def parse_text(value: object, maximum: int) -> str:
    """Text of at most ``maximum`` characters; numbers as they read (7, not 7.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value).strip()
    if len(text) > maximum:
        raise ValueProblem(f"is {len(text):,} characters long; at most {maximum:,} fit")
    return text
