"""What a use case changed: the tables and row ids a view may need to refresh.

Every service function that writes returns an ``Outcome`` — its result together with a
``Changes`` — and the desktop client's background runner announces the ``Changes`` to
the views that show those tables (see docs/architecture.md, "The path of one action").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Table(Enum):
    """The tables a change can touch; the value is the table's name in PostgreSQL."""

    TENANT = "tenant"
    APP_USER = "app_user"
    ENGAGEMENT = "audit_engagement"
    ENGAGEMENT_MEMBER = "engagement_member"
    OBSERVATION = "observation"
    SNAPSHOT = "dashboard_snapshot"
    AUDIT_LOG = "audit_log"
    REPEAT_SUGGESTION = "repeat_suggestion"
    REMEDIATION_ACTION = "remediation_action"
    OBSERVATION_VALIDATION = "observation_validation"
    DUE_DATE_POLICY = "due_date_policy"
    ATTACHMENT = "attachment"


@dataclass(frozen=True)
class Changes:
    """Tables changed by one use case, with the ids of the changed rows.

    A table mapped to ``None`` changed as a whole (a demo load, a backfill): refresh
    everything that shows it. ``Changes()`` means nothing changed.
    """

    rows: Mapping[Table, frozenset[int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Table, ids: Iterable[int] | None = None) -> Changes:
        return cls({table: None if ids is None else frozenset(ids)})

    @classmethod
    def tables(cls, *tables: Table) -> Changes:
        """Whole tables changed."""
        return cls({table: None for table in tables})

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __or__(self, other: Changes) -> Changes:
        merged: dict[Table, frozenset[int] | None] = dict(self.rows)
        for table, ids in other.rows.items():
            if table in merged:
                mine = merged[table]
                merged[table] = None if mine is None or ids is None else mine | ids
            else:
                merged[table] = ids
        return Changes(merged)

    def touches(self, *tables: Table) -> bool:
        return any(table in self.rows for table in tables)

    def ids(self, table: Table) -> frozenset[int] | None:
        """Changed ids of ``table``; ``None`` when the whole table changed or it did not."""
        return self.rows.get(table)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A use case's result and what it changed."""

    value: T
    changes: Changes = field(default_factory=Changes)
