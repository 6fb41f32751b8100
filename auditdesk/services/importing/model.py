"""What an import is asked to do and what it found: options, the plan and the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.importing.fields import ColumnMapping
from auditdesk.domain.importing.rows import RowProblem
from auditdesk.domain.importing.values import DayOrder

#: progress(rows done, rows expected or None)
Progress = Callable[[int, int | None], None]


class ImportCancelled(AuditDeskError):
    def __init__(self) -> None:
        super().__init__("The import was cancelled; nothing was written.")


@dataclass(frozen=True)
class ImportOptions:
    sheet: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)  # header -> field ("" = leave out)
    day_order: DayOrder | None = None
    create_engagements: bool = False
    valid_rows_only: bool = False
    preview_rows: int = 20


@dataclass(frozen=True)
class PreviewRow:
    """One row as it will be stored (labels to display text) and what happens to it."""

    number: int
    action: str  # "create", "update", "unchanged" or "rejected"
    values: Mapping[str, str]
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    file_name: str
    detail: str
    mapping: ColumnMapping | None
    day_order: DayOrder | None
    day_order_detected: bool
    rows_read: int
    created: int
    updated: int
    unchanged: int
    problems: tuple[RowProblem, ...]
    preview: tuple[PreviewRow, ...]
    new_engagements: tuple[str, ...] = ()
    rejected_rows: int = 0
    needs_day_order: bool = False

    @property
    def file_problems(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.row == 0)

    @property
    def can_write(self) -> bool:
        """Whether something could be written (with "valid rows only" when rows failed)."""
        return not self.file_problems and (self.created + self.updated) > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [p.as_json() for p in self.problems],
        }


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    written: bool
    observation_ids: tuple[int, ...] = ()
    error_file: Path | None = None

    def as_json(self) -> dict[str, Any]:
        payload = self.plan.as_json()
        if not self.written:
            payload.update(created=0, updated=0, would_create=self.plan.created,
                           would_update=self.plan.updated)
        if self.error_file is not None:
            payload["error_file"] = str(self.error_file)
        return payload
