"""The columns of each exportable table: header, kind of value and width.

The observation headers are the ones the import recognises, so that an exported file
imports again unchanged (docs/architecture.md, "Import and export").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    LONG = "long"
    DATE = "date"
    DATETIME = "datetime"
    NUMBER = "number"
    SEVERITY = "severity"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 14


OBSERVATIONS = (
    Column("Ref", width=13), Column("Title", width=48), Column("Engagement", width=16),
    Column("Severity", Kind.SEVERITY, 10), Column("Status", Kind.STATUS, 18),
    Column("Owner", width=22), Column("Owner e-mail", width=28),
    Column("Identified", Kind.DATE, 12), Column("Due", Kind.DATE, 12),
    Column("Original due", Kind.DATE, 13), Column("Repeat of", width=13),
    Column("Recurrence", Kind.NUMBER, 11), Column("Closed at", Kind.DATETIME, 18),
    Column("Criteria", Kind.LONG, 40), Column("Condition", Kind.LONG, 40),
    Column("Cause", Kind.LONG, 40), Column("Effect", Kind.LONG, 40),
    Column("Recommendation", Kind.LONG, 40), Column("Management response", Kind.LONG, 40),
)

ENGAGEMENTS = (
    Column("Code", width=16), Column("Title", width=40), Column("Auditee", width=24),
    Column("Status", Kind.STATUS, 12), Column("Lead auditor", width=22),
    Column("Period start", Kind.DATE, 12), Column("Period end", Kind.DATE, 12),
    Column("Planned start", Kind.DATE, 13), Column("Planned end", Kind.DATE, 12),
    Column("Findings", Kind.NUMBER, 10), Column("Open", Kind.NUMBER, 8),
    Column("Closed", Kind.NUMBER, 8), Column("Overdue", Kind.NUMBER, 9),
)

AUDIT = (
    Column("Changed at", Kind.DATETIME, 20), Column("Table", width=18), Column("Row", Kind.NUMBER, 9),
    Column("Action", width=9), Column("Who", width=22), Column("Summary", width=48),
    Column("Changes", Kind.LONG, 80),
)

SUGGESTIONS = (
    Column("Score", Kind.NUMBER, 8), Column("Status", width=10),
    Column("Finding", width=13), Column("Finding title", width=40), Column("Finding auditee", width=20),
    Column("Identified", Kind.DATE, 12),
    Column("May repeat", width=13), Column("Earlier title", width=40), Column("Earlier auditee", width=20),
    Column("Earlier identified", Kind.DATE, 12),
    Column("Reasons", Kind.LONG, 60), Column("Decided by", width=22), Column("Decided at", Kind.DATETIME, 18),
)

SEVERITY_COLOURS = {  # fill, font (the client's severity colours)
    "Critical": ("B71C1C", "FFFFFF"),
    "High": ("E65100", "FFFFFF"),
    "Medium": ("F9A825", "000000"),
    "Low": ("2E7D32", "FFFFFF"),
}
