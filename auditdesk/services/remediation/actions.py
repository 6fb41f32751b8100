"""A finding's action plan: list, add, edit (optimistic version) and delete actions.

Adding and editing check the action against the finding (due on or after its
identification) on the tenant's clock; the database keeps the finding's stored counts
(``actions_total``, ``actions_done``, ``open_action_due_min``) by trigger, so each write
names the finding as changed too.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import observations as observation_data
from auditdesk.data import remediation as data
from auditdesk.data.tenants import tenant_today
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.records import Actor
from auditdesk.domain.remediation import ActionDraft
from auditdesk.domain.remediation_records import RemediationAction
from auditdesk.services.editing import check_version, editable_copy
from auditdesk.services.remediation.access import require_may_edit

list_actions = data.list_actions


def draft_of(action: RemediationAction) -> ActionDraft:
    """An editable copy of a stored action."""
    return editable_copy(action, ActionDraft)


def _changes(action_id: int, observation_id: int) -> Changes:
    return Changes.of(Table.REMEDIATION_ACTION, [action_id]) | Changes.of(
        Table.OBSERVATION, [observation_id]
    )


def add_action(
    session: Session, actor: Actor, observation_id: int, draft: ActionDraft,
    today: date | None = None,
) -> Outcome[RemediationAction]:
    """Validate against the finding and insert; the new action."""
    finding = observation_data.get_observation(session, actor.tenant_id, observation_id)
    require_may_edit(session, actor, finding)
    draft = draft.validated(finding.identified_on, today or tenant_today(session, actor.tenant_id))
    new_id = data.insert_action(session, actor, observation_id, draft)
    return Outcome(data.get_action(session, actor.tenant_id, new_id), _changes(new_id, observation_id))


def update_action(
    session: Session, actor: Actor, action_id: int, draft: ActionDraft,
    expected_version: int | None, today: date | None = None,
) -> Outcome[RemediationAction]:
    """Save every field of ``draft``; a stale ``expected_version`` raises ``ConflictError``
    naming who saved last (None overwrites deliberately)."""
    current = data.get_action(session, actor.tenant_id, action_id)
    _check(session, current, expected_version)
    finding = observation_data.get_observation(session, actor.tenant_id, current.observation_id)
    require_may_edit(session, actor, finding)
    draft = draft.validated(finding.identified_on, today or tenant_today(session, actor.tenant_id))
    data.write_action(session, actor, action_id, draft)
    return Outcome(data.get_action(session, actor.tenant_id, action_id),
                   _changes(action_id, current.observation_id))


def delete_action(
    session: Session, actor: Actor, action_id: int, expected_version: int | None = None
) -> Outcome[RemediationAction]:
    """Delete one action; the deleted action as it was."""
    current = data.get_action(session, actor.tenant_id, action_id)
    _check(session, current, expected_version)
    finding = observation_data.get_observation(session, actor.tenant_id, current.observation_id)
    require_may_edit(session, actor, finding)
    data.remove_action(session, actor, action_id)
    return Outcome(current, _changes(action_id, current.observation_id))


def _check(session: Session, current: RemediationAction, expected_version: int | None) -> None:
    check_version(session, current.tenant_id, Table.REMEDIATION_ACTION, current.id,
                  f"Action “{current.title}”", current.version, expected_version)
