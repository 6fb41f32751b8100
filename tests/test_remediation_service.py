"""Remediation use cases (auditdesk/services/remediation): action plans with optimistic
versions, validation and the closing it decides, risk acceptance that expires (also at
capture), due-date extension and the tenant's policy. Each refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.domain.changes import Table
from auditdesk.domain.enums import ActionStatus, ObservationStatus, Role, Severity
from auditdesk.domain.errors import (
    ConflictError,
    PermissionDenied,
    TransitionError,
    ValidationError,
)
from auditdesk.domain.remediation import ActionDraft, RiskAcceptance, ValidationDraft
from auditdesk.services import observations as observation_service
from auditdesk.services import snapshots
from auditdesk.services.remediation import acceptance, actions, policy, reads, validation

S = ObservationStatus


@pytest.fixture
def world(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        people = {role: f.user(s, t.id, role) for role in Role}
        owner = f.actor(t)
        finding = f.observation(s, owner, status="open", owner_id=people[Role.AUDITOR].id)
    return t, people, finding


def _who(t, people, role):
    return f.actor(t, people[role])


def _today(s, t):
    from auditdesk.data.tenants import tenant_today

    return tenant_today(s, t.id)


def _trail_size(database) -> int:
    with database.engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM audit_log")).scalar_one()


def test_an_action_plan_is_added_edited_and_deleted_with_versions(database, world):
    t, people, finding = world
    auditor = _who(t, people, Role.AUDITOR)
    with database.sessions.begin() as s:
        today = _today(s, t)
        added = actions.add_action(s, auditor, finding.id, ActionDraft(
            "Rewrite the approval matrix", today + timedelta(days=20), people[Role.MANAGER].id,
        ))
        assert added.changes.ids(Table.OBSERVATION) == {finding.id}
        action = added.value
        assert action.owner_name == people[Role.MANAGER].display_name
    with database.sessions.begin() as s:
        draft = actions.draft_of(action)
        moved = actions.update_action(
            s, auditor, action.id,
            ActionDraft(draft.title, draft.due_date, draft.owner_id, status="in_progress",
                        percent_complete=40), action.version,
        ).value
        assert moved.version == action.version + 1
        stored = observation_service.get(s, t.id, finding.id)
        assert (stored.actions_total, stored.actions_done, stored.open_action_due_min) == (
            1, 0, action.due_date)
    before = _trail_size(database)
    with pytest.raises(ConflictError), database.sessions.begin() as s:
        actions.update_action(s, auditor, action.id, draft, action.version)  # stale
    with pytest.raises(ValidationError) as refused, database.sessions.begin() as s:
        actions.update_action(
            s, auditor, action.id,
            ActionDraft(draft.title, draft.due_date, draft.owner_id, percent_complete=100),
            moved.version,
        )
    assert "mark the action done" in str(refused.value)
    assert _trail_size(database) == before
    with database.sessions.begin() as s:
        actions.delete_action(s, auditor, action.id, moved.version)
        assert actions.list_actions(s, t.id, finding.id) == []


def test_no_submission_while_actions_are_open_and_the_message_names_them(database, world):
    t, people, finding = world
    owner = f.actor(t)
    with database.sessions.begin() as s:
        observation_service.change_status(s, owner, finding.id, S.IN_REMEDIATION)
        today = _today(s, t)
        for title in ("Train the clerks", "Rewrite the approval matrix"):
            actions.add_action(s, owner, finding.id,
                               ActionDraft(title, today + timedelta(days=5), people[Role.AUDITOR].id))
    with pytest.raises(TransitionError) as refused, database.sessions.begin() as s:
        observation_service.change_status(s, owner, finding.id, S.PENDING_VALIDATION)
    assert "“Train the clerks”" in str(refused.value)
    assert "“Rewrite the approval matrix”" in str(refused.value)


def _pending(database, t, finding):
    with database.sessions.begin() as s:
        f.walk(s, f.actor(t), finding.id, "pending_validation")


def test_validation_by_someone_else_closes_or_returns_to_remediation(database, world):
    t, people, finding = world
    _pending(database, t, finding)
    with pytest.raises(ValidationError, match="another auditor validates it"), \
            database.sessions.begin() as s:
        validation.record_validation(s, _who(t, people, Role.AUDITOR), finding.id,
                                     ValidationDraft(_today(s, t), "passed"))
    with database.sessions.begin() as s:
        failed = validation.record_validation(
            s, _who(t, people, Role.MANAGER), finding.id,
            ValidationDraft(_today(s, t), "failed", "Two samples lack approval"),
        ).value
    assert failed.status is S.IN_REMEDIATION
    _pending(database, t, finding)
    with database.sessions.begin() as s:
        passed = validation.record_validation(
            s, _who(t, people, Role.ADMIN), finding.id, ValidationDraft(_today(s, t), "passed"),
        ).value
        assert passed.status is S.CLOSED and passed.closed_at is not None
        history = validation.list_validations(s, t.id, finding.id)
    assert [(v.result.value, v.validated_by_name) for v in history] == [
        ("passed", people[Role.ADMIN].display_name),
        ("failed", people[Role.MANAGER].display_name),
    ]
    with pytest.raises(TransitionError, match="only a finding pending validation"), \
            database.sessions.begin() as s:
        validation.record_validation(s, _who(t, people, Role.MANAGER), finding.id,
                                     ValidationDraft(_today(s, t), "passed"))


def test_closing_without_validation_needs_a_manager_and_a_reason(database, world):
    t, people, finding = world
    _pending(database, t, finding)
    with pytest.raises(PermissionDenied), database.sessions.begin() as s:
        validation.close_without_validation(s, _who(t, people, Role.AUDITOR), finding.id, "Done")
    with pytest.raises(ValidationError, match="needs a reason"), database.sessions.begin() as s:
        observation_service.change_status(s, _who(t, people, Role.MANAGER), finding.id, S.CLOSED)
    with database.sessions.begin() as s:
        closed = validation.close_without_validation(
            s, _who(t, people, Role.MANAGER), finding.id, "Process retired by the board").value
    assert closed.status is S.CLOSED and closed.closure_reason == "Process retired by the board"


def test_risk_acceptance_needs_a_manager_a_reason_and_an_expiry_and_then_expires(
    database, world
):
    t, people, finding = world
    with database.sessions.begin() as s:
        today = _today(s, t)
    good = RiskAcceptance(today + timedelta(days=90), "Compensating review each month")
    with pytest.raises(PermissionDenied), database.sessions.begin() as s:
        acceptance.accept_risk(s, _who(t, people, Role.AUDITOR), finding.id, good)
    with pytest.raises(ValidationError, match="three years ahead"), database.sessions.begin() as s:
        acceptance.accept_risk(s, _who(t, people, Role.MANAGER), finding.id,
                               RiskAcceptance(today + timedelta(days=3 * 366), "Why not"))
    with pytest.raises(ValidationError, match="needs a justification|say why"), \
            database.sessions.begin() as s:
        observation_service.change_status(s, _who(t, people, Role.MANAGER), finding.id,
                                          S.RISK_ACCEPTED)
    with database.sessions.begin() as s:
        accepted = acceptance.accept_risk(s, _who(t, people, Role.MANAGER), finding.id, good).value
    assert accepted.status is S.RISK_ACCEPTED and accepted.risk_accepted_until == good.until
    with database.sessions() as s:
        soon = reads.expiring_acceptances(s, t.id, within_days=90)
        assert [a.ref for a in soon] == [finding.ref] and soon[0].days_left == 90
        assert reads.expiring_acceptances(s, t.id) == []
        assert (reads.count_expiring_acceptances(s, t.id, within_days=90),
                reads.count_expiring_acceptances(s, t.id)) == (1, 0)
    # The date passes: the day's capture returns it to open, as the system's doing.
    with database.engine.begin() as c:
        c.execute(text("ALTER TABLE observation DISABLE TRIGGER observation_remediation_rules"))
        c.execute(text("UPDATE observation SET risk_accepted_until = :d WHERE id = :id"),
                  {"d": today - timedelta(days=1), "id": finding.id})
        c.execute(text("ALTER TABLE observation ENABLE TRIGGER observation_remediation_rules"))
    with database.sessions.begin() as s:
        snapshots.capture(s, tenant_id=t.id)
        reopened = observation_service.get(s, t.id, finding.id)
        assert reopened.status is S.OPEN and reopened.risk_accepted_until is None
        assert s.execute(text(
            "SELECT db_login FROM audit_log WHERE table_name = 'observation' AND row_id = :id "
            "ORDER BY id DESC LIMIT 1"), {"id": finding.id}).scalar_one() == "system"


def test_extending_a_due_date_asks_why_and_keeps_the_original(database, world):
    t, people, finding = world
    auditor = _who(t, people, Role.AUDITOR)
    later = finding.due_date + timedelta(days=45)
    with pytest.raises(ValidationError, match="moves later"), database.sessions.begin() as s:
        acceptance.extend_due_date(s, auditor, finding.id, later, "  ")
    with database.sessions.begin() as s:
        moved = acceptance.extend_due_date(s, auditor, finding.id, later, "Vendor delay").value
        assert (moved.due_date, moved.original_due_date) == (later, finding.due_date)
        assert moved.due_date_extension_reason == "Vendor delay"
        extended = reads.due_date_extensions(s, t.id)
        assert (extended.findings, extended.total_days, extended.longest_days) == (1, 45, 45)
        earlier = acceptance.extend_due_date(s, auditor, finding.id, later - timedelta(days=5),
                                             None).value
        assert earlier.original_due_date == finding.due_date


def test_the_policy_is_read_by_all_set_by_admins_and_proposes_due_dates(database, world):
    t, people, _ = world
    with database.sessions() as s:
        assert policy.due_date_policy(s, t.id).days_for(Severity.HIGH) == 90
    with pytest.raises(PermissionDenied), database.sessions.begin() as s:
        policy.update_due_date_policy(s, _who(t, people, Role.MANAGER), {"high": 60})
    with pytest.raises(ValidationError), database.sessions.begin() as s:
        policy.update_due_date_policy(s, _who(t, people, Role.ADMIN), {"high": 0})
    with database.sessions.begin() as s:
        policy.update_due_date_policy(s, _who(t, people, Role.ADMIN), {"high": 60})
        identified = _today(s, t) - timedelta(days=3)
        assert policy.proposed_due_date(s, t.id, "high", identified) == identified + timedelta(60)
        created = f.observation(s, f.actor(t), severity="high", identified_on=identified)
        assert created.due_date == identified + timedelta(days=60)


def test_overdue_actions_are_listed_and_counted(database, world):
    t, people, finding = world
    owner = f.actor(t)
    with database.sessions.begin() as s:
        today = _today(s, t)
        late = actions.add_action(s, owner, finding.id, ActionDraft(
            "Late one", finding.identified_on + timedelta(days=1), people[Role.AUDITOR].id,
            status=ActionStatus.IN_PROGRESS, percent_complete=50)).value
        actions.add_action(s, owner, finding.id, ActionDraft(
            "On time", today + timedelta(days=3), people[Role.AUDITOR].id))
    with database.sessions() as s:
        listed = reads.overdue_actions(s, t.id)
        assert [(a.title, a.observation_ref) for a in listed] == [("Late one", finding.ref)]
        assert listed[0].days_overdue == (today - late.due_date).days
        assert reads.overdue_action_counts(s, t.id) == (1, 1)
