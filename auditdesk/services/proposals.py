"""Proposals the forms show before the user chooses (rules in ``domain/proposals.py``):
the next free engagement code and the engagement a recurrence was found in."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import engagements as engagement_data
from auditdesk.data import observations as observation_data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain import proposals
from auditdesk.domain.enums import EngagementStatus


def next_engagement_code(session: Session, tenant_id: int, today: date | None = None) -> str:
    """A code no engagement of the tenant has, numbered after this year's highest (the
    year on the tenant's clock)."""
    year = (today or tenant_today(session, tenant_id)).year
    taken = engagement_data.codes_starting_with(session, tenant_id, proposals.code_prefix(year))
    return proposals.next_engagement_code(taken, year)


def recurrence_engagement(session: Session, tenant_id: int, template_id: int) -> int | None:
    """The engagement in fieldwork of the auditee whose finding recurs, if there is one."""
    template = observation_data.get_observation(session, tenant_id, template_id)
    if template.engagement_id is None:
        return None
    earlier = engagement_data.get_engagement(session, tenant_id, template.engagement_id)
    candidates = [
        proposals.EngagementCandidate(*row)
        for row in engagement_data.engagements_of_auditee(
            session, tenant_id, earlier.auditee, EngagementStatus.FIELDWORK
        )
    ]
    return proposals.recurrence_engagement(earlier.auditee, candidates, earlier.id)
