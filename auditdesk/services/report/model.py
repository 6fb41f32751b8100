"""The board report's model: frozen records that the PDF and workbook writers read.

Nothing here queries or writes: ``collect`` fills a :class:`BoardReport`, ``tables``
lays it out as sections and tables, and ``pdf`` / ``xlsx`` write it. The writers
import only this module, so the report package has no import circle (see
``docs/architecture.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from auditdesk.domain.records import EngagementProgress, Tenant
from auditdesk.domain.remediation_records import DueDateExtensions, ExpiringAcceptance
from auditdesk.domain.reports import (
    AgeBucketCount,
    AuditeeRepeatRate,
    ClosedThenRecurred,
    Headline,
    LateActionFinding,
    OverdueFinding,
    RecurrenceCount,
    RepeatFinding,
    ReportPeriod,
    SeverityCount,
)
from auditdesk.domain.trends import Granularity

Progress = Callable[[int, str], None]
"""``progress(percent 0..100, message)``."""

ChartRenderer = Callable[[str, Sequence[Any], Path], Any]
"""``renderer(kind, trend points, png path)``: draws one chart ("compliance" or "severity")."""

PDF_ROWS = 250
"""A board pack lists at most this many rows of a long table (the first ones in the
table's order: the deepest chains, the longest overdue, ...) and says how many there are
in all and that the workbook lists every one. Collected for a PDF, the lists hold only
these rows (``collect(rows=PDF_ROWS)``, a LIMIT in SQL beside a count query); collected
for the workbook they hold every row."""

NO_REPEATS = "No repeat findings in this period."
NO_RECURRED = "No closed finding recurred in this period."
NO_OVERDUE = "No open finding is past its due date."
NO_ENGAGEMENTS = "No engagement is in progress or has open findings."
NO_SNAPSHOTS = (
    "No dashboard snapshots in this period: capture or backfill snapshots "
    "(auditdesk snapshot backfill --from DATE) to chart the trends."
)


def quiet(_percent: int, _message: str) -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``kind`` is text, wrap (long text), int, date or percent;
    ``weight`` is its share of the PDF page width, ``chars`` its Excel width."""

    title: str
    kind: str = "text"
    weight: float = 1.0
    chars: int = 12


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report, the same in the PDF and as an Excel sheet."""

    key: str
    title: str
    sheet: str  # Excel sheet name (at most 31 characters)
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""  # what the table counts, printed above it
    empty_text: str = "Nothing to show."
    countable: bool = True  # a list of items (its row count is shown), not a summary
    # The PDF shows at most this many rows (the first ones, in the table's order) and
    # says where the rest are; the workbook always has every row.
    pdf_limit: int | None = None
    # How many rows the table has in all, when ``rows`` holds only the first ones (the
    # report was collected for the PDF); None when ``rows`` is every row.
    total: int | None = None

    @property
    def count(self) -> int:
        """The table's rows in all (also those a PDF collection left out)."""
        return len(self.rows) if self.total is None else self.total

    @property
    def complete(self) -> bool:
        return self.total is None or self.total <= len(self.rows)


@dataclass(frozen=True, slots=True)
class ChartImage:
    kind: str  # "compliance" or "severity"
    title: str
    points: tuple[Any, ...]  # trend points of domain.trends
    path: Path | None = None  # the PNG once drawn


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered part of the report: a title, an optional introduction, tables."""

    title: str
    intro: str
    tables: tuple[ReportTable, ...]
    charts: bool = False  # the trend charts go here


@dataclass(frozen=True)
class BoardReport:
    tenant: Tenant
    period: ReportPeriod
    as_of: date
    generated_at: datetime
    generated_by: str
    headline: Headline
    severity: tuple[SeverityCount, ...]
    ages: tuple[AgeBucketCount, ...]
    overdue: tuple[OverdueFinding, ...]
    repeats: tuple[RepeatFinding, ...]
    recurred: tuple[ClosedThenRecurred, ...]
    repeat_rates: tuple[AuditeeRepeatRate, ...]
    engagements: tuple[EngagementProgress, ...]
    charts: tuple[ChartImage, ...] = ()
    granularity: Granularity = Granularity.MONTH
    chart_note: str = ""
    sections: tuple[Section, ...] = field(default=())
    late_actions: tuple[LateActionFinding, ...] = ()
    expiring: tuple[ExpiringAcceptance, ...] = ()
    extensions: DueDateExtensions = DueDateExtensions(0, 0, 0)
    # Open repeat findings of the period by recurrence (all of them, also when the
    # list holds only the first rows).
    repeat_depths: tuple[RecurrenceCount, ...] = ()
    # The lists' row counts in all, by table key, for the lists collected with a limit
    # (``collect(rows=...)``); a list not named here holds every row.
    totals: Mapping[str, int] = field(default_factory=dict)
    rows_limit: int | None = None  # the ``rows`` the report was collected with

    def total(self, key: str, listed: Sequence[Any]) -> int:
        """How many rows the list ``key`` has in all (``listed`` is what was collected)."""
        return self.totals.get(key, len(listed))

    @property
    def title(self) -> str:
        return "Internal audit board report"

    @property
    def period_note(self) -> str:
        return (
            f"{self.period.describe()}. The period applies to the date a finding was "
            f"identified; statuses, ages and overdue days are as of {self.as_of:%d %b %Y}. "
            "Engagement progress covers every engagement in progress or with open findings."
        )

    def table(self, key: str) -> ReportTable:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    @property
    def tables(self) -> tuple[ReportTable, ...]:
        return tuple(t for s in self.sections for t in s.tables)


def headline_rows(h: Headline) -> tuple[tuple[str, Any], ...]:
    """(label, value) pairs of the headline figures; the rate is a 0..1 float or None."""
    return (
        ("Findings (not drafts)", h.total),
        ("Open", h.open_total),
        ("Open critical", h.open_critical),
        ("Open high", h.open_high),
        ("Overdue", h.overdue),
        ("Closed", h.closed_total),
        ("Open repeat findings", h.repeat_open),
        ("Compliance rate", h.compliance_rate),
    )
