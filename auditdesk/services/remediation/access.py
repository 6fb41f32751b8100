"""Who may change a finding's remediation: the database's own test (the finding's
policy, ``auditdesk_may_edit_observation``), asked before a write so that a refusal
comes in words rather than as a missing row; and what every remediation write of a
finding checks first (its version) and returns (the finding as saved)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data import observations as observation_data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.records import Actor, Observation
from auditdesk.services.editing import check_version

REFUSAL = (
    "You may change the remediation only of findings in engagements you lead or belong to "
    "(or of unassigned findings that are unowned or yours). Nothing was changed."
)


def may_edit(session: Session, actor: Actor, observation_id: int) -> bool:
    """True when ``actor`` may change this finding. The schema owner's session (the
    embedded workspace) may change anything, as in the database."""
    if actor.role is None:
        return True
    return bool(session.execute(
        text("SELECT public.auditdesk_is_owner() "
             "OR public.auditdesk_may_edit_observation(:tenant, :id)"),
        {"tenant": actor.tenant_id, "id": observation_id},
    ).scalar())


def require_may_edit(session: Session, actor: Actor, observation: Observation) -> None:
    if not may_edit(session, actor, observation.id):
        raise PermissionDenied(REFUSAL)


def check_finding_version(session: Session, finding: Observation, expected_version: int | None) -> None:
    check_version(session, finding.tenant_id, Table.OBSERVATION, finding.id,
                  f"Observation {finding.ref}", finding.version, expected_version)


def saved_finding(session: Session, actor: Actor, observation_id: int) -> Outcome[Observation]:
    return Outcome(
        observation_data.get_observation(session, actor.tenant_id, observation_id),
        Changes.of(Table.OBSERVATION, [observation_id]),
    )
