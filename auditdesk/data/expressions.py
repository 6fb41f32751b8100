"""The SQL form of the rules defined once in ``auditdesk.domain.enums`` — open and
resolved statuses, severity rank, status order — and the search expressions, shared by
every query and matched by the expression indexes of migration 0002.

They are written as literal SQL on purpose: the planner uses an expression index
only when the query holds the same expression with constants, not bound parameters.
Migrations keep their own frozen copy of the text; ``tests/test_defined_once.py``
checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import ColumnElement, Integer, Text, literal_column

from auditdesk.db.models import ObservationRowModel
from auditdesk.domain.enums import (
    NOT_OPEN_STATUSES,
    ObservationStatus,
    Severity,
)
from auditdesk.domain.enums import (
    RESOLVED_STATUSES as RESOLVED,
)

O = ObservationRowModel


def _ordered(values: Iterable[StrEnum]) -> tuple[str, ...]:
    """Values in declaration order, so that the SQL text is stable."""
    chosen = set(values)
    return tuple(v.value for v in type(next(iter(chosen))) if v in chosen)


def sql_list(values: Iterable[StrEnum]) -> str:
    """``('a', 'b')`` for an IN list."""
    return "(" + ", ".join(f"'{v}'" for v in _ordered(values)) + ")"


#: Status values that are resolved / not open, for SQLAlchemy ``in_`` and ``not_in``.
RESOLVED_STATUSES = _ordered(RESOLVED)
NOT_OPEN = _ordered(NOT_OPEN_STATUSES)
#: SQL IN lists of the same.
RESOLVED_SQL = sql_list(RESOLVED)
NOT_OPEN_SQL = sql_list(NOT_OPEN_STATUSES)


def open_sql(column: str = "status") -> str:
    """SQL: the status in ``column`` counts as open."""
    return f"{column} NOT IN {NOT_OPEN_SQL}"


def resolved_sql(column: str = "status") -> str:
    """SQL: the status in ``column`` is resolved (closed or risk-accepted)."""
    return f"{column} IN {RESOLVED_SQL}"


def is_open() -> ColumnElement[bool]:
    """Counted as open: not a draft, not closed, not risk-accepted."""
    return O.status.not_in(NOT_OPEN)


def _rank_sql(column: str, members: list) -> str:
    *ranked, last = members
    cases = " ".join(f"WHEN '{m.value}' THEN {i}" for i, m in enumerate(ranked))
    return f"CASE {column} {cases} ELSE {len(ranked)} END"


def severity_rank_sql(column: str = "severity") -> str:
    """SQL: 0 for critical ... 3 for low (``Severity.rank``)."""
    return _rank_sql(column, list(Severity))


def status_rank_sql(column: str = "status") -> str:
    """SQL: the status's position in ``ObservationStatus`` (draft first)."""
    return _rank_sql(column, list(ObservationStatus))


def due_days_sql(column: str = "severity") -> str:
    """SQL: the days the severity policy gives to remediate (``Severity.default_due_days``)."""
    cases = " ".join(f"WHEN '{s.value}' THEN {s.default_due_days}" for s in Severity)
    return f"CASE {column} {cases} END"


SEVERITY_RANK = literal_column(severity_rank_sql("observation.severity"), Integer)
STATUS_RANK = literal_column(status_rank_sql("observation.status"), Integer)
# Ref, title and condition, lower-cased and stored (migration 0021): the text filter is
# ``OBSERVATION_SEARCH LIKE lower(pattern)``.
OBSERVATION_SEARCH = literal_column("observation.search_text", Text)
ENGAGEMENT_SEARCH = literal_column(
    "(audit_engagement.code || ' ' || audit_engagement.title || ' ' || audit_engagement.auditee)",
    Text,
)


def like_pattern(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
