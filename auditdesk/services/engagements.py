"""Engagement use cases: the paged list, "my engagements", read, create, edit, delete.

Writes validate the draft and check the version against a concurrent save, then call
the row writes of ``auditdesk.data.engagements``; they return an ``Outcome`` naming
the rows they changed (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import engagements as data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.drafts import EngagementDraft
from auditdesk.domain.queries import EngagementFilter, EngagementSort
from auditdesk.domain.records import Actor, Engagement, EngagementProgress
from auditdesk.services.changes import written
from auditdesk.services.conflicts import check_version

# -- reads ------------------------------------------------------------------------------------


def list_page(
    session: Session,
    tenant_id: int,
    flt: EngagementFilter = EngagementFilter(),
    sort: EngagementSort = EngagementSort.CODE,
    descending: bool = False,
    *,
    offset: int = 0,
    limit: int = 500,
) -> list[Engagement]:
    return data.list_engagements(
        session, tenant_id, flt, sort, descending, offset=offset, limit=limit
    )


def count(session: Session, tenant_id: int, flt: EngagementFilter = EngagementFilter()) -> int:
    return data.count_engagements(session, tenant_id, flt)


def auditees(session: Session, tenant_id: int) -> list[str]:
    """Every audited unit named by an engagement, alphabetically."""
    return data.list_auditees(session, tenant_id)


def get(
    session: Session, tenant_id: int, engagement_id: int, today: date | None = None
) -> Engagement:
    return data.get_engagement(session, tenant_id, engagement_id, today)


def get_by_code(session: Session, tenant_id: int, code: str) -> Engagement:
    return data.get_by_code(session, tenant_id, code)


def my_engagements(
    session: Session, tenant_id: int, user_id: int | None, today: date | None = None
) -> list[EngagementProgress]:
    """Engagements a user leads or works on (all when ``user_id`` is None), with counts."""
    return data.my_engagements(session, tenant_id, user_id, today)


def draft_of(engagement: Engagement) -> EngagementDraft:
    """An editable copy of a stored engagement."""
    return EngagementDraft(
        code=engagement.code,
        title=engagement.title,
        auditee=engagement.auditee,
        status=engagement.status,
        lead_auditor_id=engagement.lead_auditor_id,
        period_start=engagement.period_start,
        period_end=engagement.period_end,
        planned_start=engagement.planned_start,
        planned_end=engagement.planned_end,
        member_ids=engagement.member_ids,
    )


# -- writes -----------------------------------------------------------------------------------


def _written(engagement_id: int) -> Changes:
    return written(Table.ENGAGEMENT, [engagement_id]) | Changes.tables(Table.ENGAGEMENT_MEMBER)


def create(session: Session, actor: Actor, draft: EngagementDraft) -> Outcome[Engagement]:
    draft = draft.validated()
    new_id = data.insert_engagement(session, actor, draft)
    return Outcome(data.get_engagement(session, actor.tenant_id, new_id), _written(new_id))


def update(
    session: Session,
    actor: Actor,
    engagement_id: int,
    draft: EngagementDraft,
    expected_version: int | None,
) -> Outcome[Engagement]:
    """Save every field of ``draft``; a stale ``expected_version`` raises ``ConflictError``
    naming who saved last and when (``None`` overwrites deliberately)."""
    draft = draft.validated()
    current = data.lock_engagement(session, actor.tenant_id, engagement_id)
    check_version(
        session, actor.tenant_id, Table.ENGAGEMENT, engagement_id,
        f"Engagement {current.code}", current.version, expected_version,
    )
    data.write_engagement(session, actor, engagement_id, draft)
    return Outcome(
        data.get_engagement(session, actor.tenant_id, engagement_id), _written(engagement_id)
    )


@dataclass(frozen=True)
class DeletedEngagement:
    id: int
    code: str
    kept_observations: int


def delete(session: Session, actor: Actor, engagement_id: int) -> Outcome[DeletedEngagement]:
    """Delete an engagement; its observations are kept with no engagement."""
    current = data.lock_engagement(session, actor.tenant_id, engagement_id)
    kept = data.observation_count(session, actor.tenant_id, engagement_id)
    data.remove_engagement(session, actor, engagement_id)
    changes = _written(engagement_id)
    if kept:
        # Every observation of the engagement lost its link: refresh whatever shows them.
        changes |= Changes.tables(Table.OBSERVATION)
    return Outcome(DeletedEngagement(engagement_id, current.code, kept), changes)
