"""Reading the audit trail: one page of entries with the names their ids point at, the
history of one row, and what the filters offer. Nothing here writes the trail; the
database's trigger does (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from auditdesk.data import audit as data
from auditdesk.data import tenants as tenant_data
from auditdesk.domain.audit import AuditFilter
from auditdesk.domain.records import AuditEntry, User

#: ``{field: {id: label}}``: what the ids in a page of entries point at.
Labels = dict[str, dict[int, str]]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    labels: Labels


def page(
    session: Session, tenant_id: int, flt: AuditFilter, *, offset: int = 0, limit: int = 200
) -> AuditPage:
    """Entries newest first, how many match the filter, and the names their ids point at."""
    entries = data.list_entries(session, tenant_id, flt, offset=offset, limit=limit)
    return AuditPage(
        entries,
        data.count_entries(session, tenant_id, flt),
        data.resolve_labels(session, tenant_id, entries),
    )


def row_history(
    session: Session, tenant_id: int, table_name: str, row_id: int, limit: int = 500
) -> tuple[list[AuditEntry], Labels]:
    """Every change of one row, newest first, with the names its ids point at."""
    entries = data.row_history(session, tenant_id, table_name, row_id, limit)
    return entries, data.resolve_labels(session, tenant_id, entries)


def filter_choices(session: Session, tenant_id: int) -> tuple[list[str], list[User]]:
    """The tables that have entries, and every user (deactivated ones too) for the filters."""
    return (
        data.audited_tables(session, tenant_id),
        tenant_data.list_users(session, tenant_id, active_only=False),
    )
