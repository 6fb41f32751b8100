"""Engagement use cases: the paged list, "my engagements", read, create, edit, delete.

Writes validate the draft and check the version against a concurrent save, then call
the row writes of ``auditdesk.data.engagements``; they return an ``Outcome`` naming
the rows they changed (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from auditdesk.data import engagements as data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.drafts import EngagementDraft
from auditdesk.domain.records import Actor, Engagement
from auditdesk.services.editing import check_version, editable_copy

# -- reads ------------------------------------------------------------------------------------


# The queries need no rule of their own: the service offers them as they are, so that the
# UI and the CLI have one boundary to call.
list_page = data.list_engagements
count = data.count_engagements
auditees = data.list_auditees
get = data.get_engagement
get_by_code = data.get_by_code
my_engagements = data.my_engagements
my_engagements_page = data.my_engagements_page
MY_ENGAGEMENTS_PAGE = data.MY_ENGAGEMENTS_PAGE


def draft_of(engagement: Engagement) -> EngagementDraft:
    """An editable copy of a stored engagement."""
    return editable_copy(engagement, EngagementDraft)


# -- writes -----------------------------------------------------------------------------------


def _written(engagement_id: int, team_changed: bool) -> Changes:
    changes = Changes.of(Table.ENGAGEMENT, [engagement_id])
    # Team rows have no id of their own: the membership table is named as a whole.
    return changes | Changes.tables(Table.ENGAGEMENT_MEMBER) if team_changed else changes


def create(session: Session, actor: Actor, draft: EngagementDraft) -> Outcome[Engagement]:
    draft = draft.validated()
    new_id = data.insert_engagement(session, actor, draft)
    return Outcome(
        data.get_engagement(session, actor.tenant_id, new_id),
        _written(new_id, bool(draft.member_ids)),
    )


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
        data.get_engagement(session, actor.tenant_id, engagement_id),
        _written(engagement_id, set(draft.member_ids) != set(current.member_ids)),
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
    changes = _written(engagement_id, bool(current.member_ids))
    if kept:
        # Every observation of the engagement lost its link: refresh whatever shows them.
        changes |= Changes.tables(Table.OBSERVATION)
    return Outcome(DeletedEngagement(engagement_id, current.code, kept), changes)
