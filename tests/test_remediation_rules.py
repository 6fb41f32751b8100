"""The remediation rules of the domain (auditdesk/domain/remediation.py): each bad input
gets one message in words, before any SQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from auditdesk.domain.enums import ActionStatus, Role, Severity, ValidationResult
from auditdesk.domain.errors import PermissionDenied, ValidationError
from auditdesk.domain.remediation import (
    ActionDraft,
    DueDatePolicy,
    RiskAcceptance,
    ValidationDraft,
    check_closure_reason,
    check_extension,
    latest_risk_expiry,
    validated_policy_days,
    years_after,
)
from auditdesk.domain.transitions import check_close_without_validation

IDENTIFIED = date(2026, 3, 10)
TODAY = date(2026, 6, 1)


def _problems(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        call()
    return dict(refused.value.problems)


def _action(**fields) -> ActionDraft:
    values = {"title": "Rewrite the approval matrix", "due_date": date(2026, 7, 1), "owner_id": 4}
    values.update(fields)
    return ActionDraft(**values)


def test_a_good_action_is_normalised_and_a_done_one_completed_today():
    kept = _action(title="  Train the clerks ").validated(IDENTIFIED, TODAY)
    assert kept.title == "Train the clerks" and kept.status is ActionStatus.PLANNED
    done = _action(status="done", percent_complete=100).validated(IDENTIFIED, TODAY)
    assert done.completed_on == TODAY


@pytest.mark.parametrize("fields, field, words", [
    ({"title": "  "}, "title", "say what will be done"),
    ({"title": "x" * 201}, "title", "at most 200"),
    ({"owner_id": None}, "owner_id", "who owns the action"),
    ({"due_date": None}, "due_date", "is required"),
    ({"due_date": IDENTIFIED - timedelta(days=1)}, "due_date", "before the finding was identified"),
    ({"percent_complete": 100}, "percent_complete", "mark the action done"),
    ({"percent_complete": 101}, "percent_complete", "from 0 to 100"),
    ({"percent_complete": -1}, "percent_complete", "from 0 to 100"),
    ({"status": "done", "percent_complete": 80}, "percent_complete", "a done action is 100 %"),
    ({"status": "finished"}, "status", "planned, in progress, done or cancelled"),
    ({"status": "in_progress", "completed_on": TODAY}, "completed_on", "only a done action"),
    ({"status": "done", "percent_complete": 100, "completed_on": TODAY + timedelta(days=1)},
     "completed_on", "future"),
])
def test_each_bad_action_gets_one_message(fields, field, words):
    problems = _problems(lambda: _action(**fields).validated(IDENTIFIED, TODAY))
    assert list(problems) == [field] and words in problems[field]


def test_a_validation_is_dated_in_range_and_a_failure_says_why():
    good = ValidationDraft(TODAY, "passed").validated(IDENTIFIED, TODAY)
    assert good.result is ValidationResult.PASSED and good.notes == ""
    assert "future" in _problems(
        lambda: ValidationDraft(TODAY + timedelta(days=1), "passed").validated(IDENTIFIED, TODAY)
    )["validated_on"]
    assert "before the finding" in _problems(
        lambda: ValidationDraft(IDENTIFIED - timedelta(days=1), "passed").validated(IDENTIFIED, TODAY)
    )["validated_on"]
    assert "say what is still wrong" in _problems(
        lambda: ValidationDraft(TODAY, "failed", " ").validated(IDENTIFIED, TODAY)
    )["notes"]
    assert "passed or failed" in _problems(
        lambda: ValidationDraft(TODAY, "maybe").validated(IDENTIFIED, TODAY)
    )["result"]


@pytest.mark.parametrize("until, reason, field, words", [
    (None, "Legacy system", "risk_accepted_until", "only until a date"),
    (TODAY, "Legacy system", "risk_accepted_until", "from tomorrow (2026-06-02)"),
    (TODAY - timedelta(days=3), "Legacy system", "risk_accepted_until", "three years ahead"),
    (date(2029, 6, 2), "Legacy system", "risk_accepted_until", "(2029-06-01)"),
    (date(2027, 1, 1), "   ", "risk_acceptance_reason", "say why"),
])
def test_a_risk_is_accepted_with_a_justification_until_at_most_three_years(
    until, reason, field, words
):
    problems = _problems(lambda: RiskAcceptance(until, reason).validated(TODAY))
    assert list(problems) == [field] and words in problems[field]
    assert RiskAcceptance(date(2029, 6, 1), " Legacy ").validated(TODAY).reason == "Legacy"


def test_three_years_after_a_leap_day_is_the_28th_as_in_postgresql():
    assert years_after(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert latest_risk_expiry(date(2026, 1, 31)) == date(2029, 1, 31)


def test_closing_without_validation_is_for_managers_with_a_reason():
    with pytest.raises(PermissionDenied, match="record the validation instead"):
        check_close_without_validation(Role.AUDITOR)
    check_close_without_validation(Role.MANAGER)
    check_close_without_validation(None)  # the workspace owner
    assert "needs a reason" in _problems(lambda: check_closure_reason(" "))["closure_reason"]
    assert check_closure_reason(" Process retired ") == "Process retired"


def test_an_extension_asks_for_a_reason_only_when_the_date_moves_later_on_a_raised_finding():
    june, july = date(2026, 6, 30), date(2026, 7, 31)
    assert check_extension(june, july, "Vendor delay", raised=True) == "Vendor delay"
    assert check_extension(july, june, None, raised=True) is None
    assert check_extension(june, july, None, raised=False) is None
    problems = _problems(lambda: check_extension(june, july, "", raised=True))
    assert "2026-06-30 to 2026-07-31" in problems["due_date_extension_reason"]


def test_the_policy_proposes_due_dates_and_refuses_bad_days():
    policy = DueDatePolicy.defaults()
    assert [policy.days_for(s) for s in Severity] == [30, 90, 180, 365]
    assert DueDatePolicy({Severity.HIGH: 60}).proposed_due_date("high", IDENTIFIED) == date(
        2026, 5, 9
    )
    assert validated_policy_days({"High": "60"}) == {Severity.HIGH: 60}
    problems = _problems(lambda: validated_policy_days({"urgent": 5, "low": 0, "medium": 4000}))
    assert set(problems) == {"urgent", "low", "medium"}
    assert "1 to 3,650" in problems["low"]
