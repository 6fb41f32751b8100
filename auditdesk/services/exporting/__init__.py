"""Exporting a table view to .xlsx or .csv, streaming (constant memory).

- ``columns.py``: each table's columns (headers the import reads back).
- ``write.py``: the two writers.

``export_observations`` writes the observations in a view's filter and sort,
``export_engagements`` the engagements, ``export_audit`` the audit trail,
``export_suggestions`` the repeat suggestions (the review queue). The rows
come from a server-side cursor (``auditdesk.data.exports``); see docs/architecture.md,
"Import and export".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.data import exports as data
from auditdesk.domain.audit import AuditFilter
from auditdesk.domain.queries import (
    EngagementFilter,
    EngagementSort,
    ObservationFilter,
    ObservationSort,
    SuggestionFilter,
)
from auditdesk.services.exporting.columns import AUDIT, ENGAGEMENTS, OBSERVATIONS, SUGGESTIONS
from auditdesk.services.exporting.write import FORMATS, format_of, write_rows

#: progress(rows written, rows in the export)
Progress = Callable[[int, int], None]

__all__ = ["FORMATS", "ExportResult", "export_audit", "export_engagements", "export_observations",
           "export_suggestions", "format_of"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int

    def as_json(self) -> dict[str, object]:
        return {"file": str(self.path), "rows": self.rows}


def _ticker(progress: Progress | None, total: int):
    if progress is None:
        return None
    return lambda done: progress(done, total)


def _target(path: Path | str) -> Path:
    path = Path(path)
    format_of(path)
    return path


def export_observations(
    session: Session, tenant_id: int, path: Path | str, flt: ObservationFilter = ObservationFilter(),
    sort: ObservationSort = ObservationSort.REF, descending: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    path = _target(path)
    total = data.observation_count(session, tenant_id, flt) if progress else 0
    rows = data.observation_rows(session, tenant_id, flt, ObservationSort(sort), descending)
    return ExportResult(path, write_rows(path, OBSERVATIONS, rows, _ticker(progress, total), "Observations"))


def export_engagements(
    session: Session, tenant_id: int, path: Path | str, flt: EngagementFilter = EngagementFilter(),
    sort: EngagementSort = EngagementSort.CODE, descending: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    path = _target(path)
    total = data.engagement_count(session, tenant_id, flt) if progress else 0
    rows = data.engagement_rows(session, tenant_id, flt, EngagementSort(sort), descending)
    return ExportResult(path, write_rows(path, ENGAGEMENTS, rows, _ticker(progress, total), "Engagements"))


def export_audit(
    session: Session, tenant_id: int, path: Path | str, flt: AuditFilter = AuditFilter(),
    progress: Progress | None = None,
) -> ExportResult:
    path = _target(path)
    total = data.audit_count(session, tenant_id, flt) if progress else 0
    rows = data.audit_rows(session, tenant_id, flt)
    return ExportResult(path, write_rows(path, AUDIT, rows, _ticker(progress, total), "Audit trail"))


def export_suggestions(
    session: Session, tenant_id: int, path: Path | str, flt: SuggestionFilter = SuggestionFilter(),
    progress: Progress | None = None,
) -> ExportResult:
    path = _target(path)
    total = data.suggestion_count(session, tenant_id, flt) if progress else 0
    rows = data.suggestion_rows(session, tenant_id, flt)
    return ExportResult(path, write_rows(path, SUGGESTIONS, rows, _ticker(progress, total),
                                         "Repeat suggestions"))


def owner_id_by_email(session: Session, tenant_id: int, email: str) -> int | None:
    """The user with this e-mail (for a CLI filter by owner)."""
    return data.user_id_by_email(session, tenant_id, email)
