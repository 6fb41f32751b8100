"""The observation status workflow (domain/transitions.py) and its enforcement in the
use cases: every step named, nothing skipped, risk acceptance for managers only."""

from __future__ import annotations

from dataclasses import replace

import factories as f
import pytest

from auditdesk.domain.enums import ObservationStatus as S
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied, TransitionError
from auditdesk.domain.transitions import (
    ALLOWED,
    WORKFLOW,
    check_transition,
    next_steps,
    step_name,
)
from auditdesk.services import observations as obs


def test_the_workflow_is_the_audit_path():
    assert {
        S.DRAFT: {S.OPEN},
        S.OPEN: {S.IN_REMEDIATION, S.RISK_ACCEPTED},
        S.IN_REMEDIATION: {S.PENDING_VALIDATION, S.RISK_ACCEPTED},
        S.PENDING_VALIDATION: {S.CLOSED, S.IN_REMEDIATION},
        S.CLOSED: {S.OPEN, S.IN_REMEDIATION},
        S.RISK_ACCEPTED: {S.OPEN, S.IN_REMEDIATION},
    } == ALLOWED
    assert set(WORKFLOW) == set(S)  # every status has its steps


def test_each_step_has_a_name():
    assert step_name(S.OPEN, S.IN_REMEDIATION) == "Start remediation"
    assert step_name(S.IN_REMEDIATION, S.PENDING_VALIDATION) == "Submit for validation"
    assert step_name(S.PENDING_VALIDATION, S.CLOSED) == "Close"
    assert step_name(S.OPEN, S.RISK_ACCEPTED) == "Accept risk"
    assert step_name(S.CLOSED, S.OPEN) == "Reopen"
    assert step_name(S.OPEN, S.CLOSED) is None
    names = {step.action for steps in WORKFLOW.values() for step in steps}
    assert all(name and name[0].isupper() for name in names)


def test_a_manager_may_accept_a_risk_an_auditor_may_not():
    assert [s.action for s in next_steps(S.OPEN, Role.MANAGER)] == ["Start remediation", "Accept risk"]
    assert [s.action for s in next_steps(S.OPEN, Role.AUDITOR)] == ["Start remediation"]
    with pytest.raises(PermissionDenied):
        check_transition(S.IN_REMEDIATION, S.RISK_ACCEPTED, Role.AUDITOR)
    check_transition(S.IN_REMEDIATION, S.RISK_ACCEPTED, Role.MANAGER)


def test_a_skipped_step_is_refused_in_words_naming_the_next_steps():
    with pytest.raises(TransitionError) as refused:
        check_transition(S.OPEN, S.CLOSED, Role.MANAGER)
    assert str(refused.value) == (
        "An observation cannot move from open to closed; from open the next step is "
        "“Start remediation” (in remediation) or “Accept risk” (risk accepted)."
    )
    with pytest.raises(TransitionError):
        check_transition(S.CLOSED, S.PENDING_VALIDATION, None)


def test_the_use_case_walks_the_workflow_and_refuses_a_shortcut(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        o = f.observation(s, f.actor(t))
    with pytest.raises(TransitionError), database.sessions.begin() as s:
        obs.change_status(s, f.actor(t), o.id, S.CLOSED)
    with database.sessions() as s:
        unchanged = obs.get(s, t.id, o.id)
        assert unchanged.status is S.OPEN and unchanged.version == o.version
    with database.sessions.begin() as s:
        for target in (S.IN_REMEDIATION, S.PENDING_VALIDATION, S.CLOSED):
            moved = obs.change_status(s, f.actor(t), o.id, target,
                                      closure_reason="Verified on site").value
        assert moved.status is S.CLOSED and moved.closed_at is not None
    with pytest.raises(TransitionError), database.sessions.begin() as s:  # saving the form too
        obs.update(
            s, f.actor(t), o.id, replace(obs.draft_of(moved), status=S.PENDING_VALIDATION), None
        )
