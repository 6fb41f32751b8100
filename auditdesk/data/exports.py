"""Streaming reads for export: every row of a table view, in its filter and order, from a
server-side cursor a batch at a time, so that a million rows take constant memory.

Each function yields plain tuples in the column order of
``auditdesk.services.exporting.columns``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from auditdesk.data import audit as audit_data
from auditdesk.data import engagements as engagement_data
from auditdesk.data import observations as obs
from auditdesk.data import suggestions as suggestion_data
from auditdesk.db.models import UserRow
from auditdesk.domain.audit import AuditFilter
from auditdesk.domain.queries import (
    EngagementFilter,
    EngagementSort,
    ObservationFilter,
    ObservationSort,
    SuggestionFilter,
)

O = obs.O
_BATCH = 2_000


def _stream(session: Session, query) -> Iterator[Any]:
    result = session.execute(query, execution_options={"yield_per": _BATCH, "stream_results": True})
    try:
        yield from result
    finally:
        result.close()


def observation_rows(
    session: Session, tenant_id: int, flt: ObservationFilter, sort: ObservationSort, descending: bool
) -> Iterator[tuple]:
    expression = obs.sort_expression(sort)
    # The engagement's code and the earlier finding's ref are the finding's stored copies
    # (docs/architecture.md, "At a million findings"): no join of a million findings
    # with themselves, whose plan on statistics older than a bulk load could stall the
    # first fetch for minutes. Only the owner (a small table) is joined, for the e-mail.
    columns = (
        O.ref, O.title, O.engagement_code, O.severity, O.status, obs.Owner.display_name,
        obs.Owner.email, O.identified_on, O.due_date, O.original_due_date, O.repeat_of_ref,
        O.recurrence, O.closed_at, O.criteria, O.condition, O.cause, O.effect, O.recommendation,
        O.management_response,
    )
    order = (expression.desc(), O.id.desc()) if descending else (expression.asc(), O.id.asc())
    query = (
        obs._filtered(tenant_id, flt, select(*columns))
        .outerjoin(obs.Owner, and_(obs.Owner.tenant_id == O.tenant_id, obs.Owner.id == O.owner_id))
        .order_by(*order)
    )
    for row in _stream(session, query):
        yield tuple(row)


def observation_count(session: Session, tenant_id: int, flt: ObservationFilter) -> int:
    return obs.count_observations(session, tenant_id, flt)


def engagement_rows(
    session: Session, tenant_id: int, flt: EngagementFilter, sort: EngagementSort, descending: bool
) -> Iterator[tuple]:
    offset = 0
    while True:
        page = engagement_data.list_engagements(
            session, tenant_id, flt, sort, descending, offset=offset, limit=_BATCH
        )
        for e in page:
            yield (e.code, e.title, e.auditee, e.status, e.lead_auditor_name, e.period_start,
                   e.period_end, e.planned_start, e.planned_end, e.total, e.open, e.closed, e.overdue)
        if len(page) < _BATCH:
            return
        offset += _BATCH


def engagement_count(session: Session, tenant_id: int, flt: EngagementFilter) -> int:
    return engagement_data.count_engagements(session, tenant_id, flt)


def audit_rows(session: Session, tenant_id: int, flt: AuditFilter) -> Iterator[tuple]:
    A = audit_data.A
    query = audit_data._query(session, tenant_id, flt).order_by(A.changed_at.desc(), A.id.desc())
    for row, user_name in _stream(session, query):
        entry = audit_data._entry(row, user_name)
        changes = "; ".join(f"{c.field}: {c.old!s} → {c.new!s}" if c.old is not None
                            else f"{c.field}: {c.new!s}" for c in entry.changes)
        yield (entry.changed_at, entry.table_name, entry.row_id, entry.action.value,
               entry.user_name or entry.db_login or "", entry.summary, changes)


def audit_count(session: Session, tenant_id: int, flt: AuditFilter) -> int:
    return audit_data.count_entries(session, tenant_id, flt)


_SUGGESTIONS_WHERE = """
 WHERE s.tenant_id = :tenant AND (CAST(:status AS text) IS NULL OR s.status = :status)
   AND s.score >= :min_score
   AND (CAST(:auditee AS text) IS NULL OR le.auditee = :auditee OR ce.auditee = :auditee)
"""


def _suggestion_params(tenant_id: int, flt: SuggestionFilter) -> dict[str, Any]:
    return {"tenant": tenant_id, "status": flt.status, "auditee": flt.auditee,
            "min_score": flt.min_score}


def suggestion_rows(session: Session, tenant_id: int, flt: SuggestionFilter) -> Iterator[tuple]:
    """Repeat suggestions as the review queue orders them: largest score first."""
    query = text(suggestion_data.REVIEW_SELECT + _SUGGESTIONS_WHERE + " ORDER BY s.score DESC, s.id")
    result = session.execute(query, _suggestion_params(tenant_id, flt),
                             execution_options={"yield_per": _BATCH, "stream_results": True})
    try:
        for row in result.mappings():
            yield (float(row["score"]), row["status"], row["l_ref"], row["l_title"], row["l_auditee"],
                   row["l_identified_on"], row["c_ref"], row["c_title"], row["c_auditee"],
                   row["c_identified_on"], "; ".join(row["reasons"]), row["decided_by_name"] or "",
                   row["decided_at"])
    finally:
        result.close()


def suggestion_count(session: Session, tenant_id: int, flt: SuggestionFilter) -> int:
    query = text("SELECT count(*) FROM (" + suggestion_data.REVIEW_SELECT + _SUGGESTIONS_WHERE + ") q")
    return int(session.scalar(query, _suggestion_params(tenant_id, flt)) or 0)


def user_id_by_email(session: Session, tenant_id: int, email: str) -> int | None:
    return session.scalar(
        select(UserRow.id).where(UserRow.tenant_id == tenant_id, func.lower(UserRow.email) == email.lower())
    )
