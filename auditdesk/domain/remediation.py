"""Remediation rules: an action of a finding's action plan, a validation of the fix, a
risk acceptance that expires, a due-date extension and the tenant's due-date policy.

Each ``validated()`` returns a normalised copy or raises one ``ValidationError`` naming
every problem in words; the database enforces the same rules (migration 0011, see
docs/architecture.md "Remediation"). "Today" is always the tenant's, passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from auditdesk.domain.enums import ActionStatus, Severity, ValidationResult
from auditdesk.domain.errors import ValidationError

TITLE_MAX = 200
TEXT_MAX = 10_000
REASON_MAX = 2_000
RISK_ACCEPTANCE_YEARS = 3
POLICY_DAYS_MAX = 3650


def _text(problems: dict[str, str], name: str, value: object, *, required: bool,
          maximum: int, missing: str = "is required") -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = missing
        return ""
    if not isinstance(value, str):
        problems[name] = "must be text"
        return ""
    if len(value) > maximum:
        problems[name] = f"must be at most {maximum:,} characters (has {len(value):,})"
    return value.strip()


def _a_date(problems: dict[str, str], name: str, value: object, missing: str) -> date | None:
    if value is None:
        problems[name] = missing
        return None
    if not isinstance(value, date):
        problems[name] = "must be a date"
        return None
    return value


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February, as in PostgreSQL)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_risk_expiry(today: date) -> date:
    return years_after(today, RISK_ACCEPTANCE_YEARS)


@dataclass(frozen=True)
class ActionDraft:
    """What a user submits to add or change one action of an action plan."""

    title: str
    due_date: date | None
    owner_id: int | None = None
    description: str = ""
    status: ActionStatus | str = ActionStatus.PLANNED
    percent_complete: int = 0
    completed_on: date | None = None

    def validated(self, identified_on: date, today: date) -> ActionDraft:
        """A normalised copy (a done action without a completion date is completed
        today), or ``ValidationError``; ``identified_on`` is the finding's."""
        problems: dict[str, str] = {}
        title = _text(problems, "title", self.title, required=True, maximum=TITLE_MAX,
                      missing="is required: say what will be done")
        description = _text(problems, "description", self.description, required=False,
                            maximum=TEXT_MAX)
        if self.owner_id is None:
            problems["owner_id"] = "is required: choose who owns the action"
        due = _a_date(problems, "due_date", self.due_date, "is required")
        if due is not None and due < identified_on:
            problems["due_date"] = (
                f"must not be before the finding was identified ({identified_on.isoformat()})"
            )
        try:
            status = ActionStatus(self.status)
        except ValueError:
            problems["status"] = "must be planned, in progress, done or cancelled"
            status = ActionStatus.PLANNED
        percent = self.percent_complete
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            problems["percent_complete"] = "must be a whole number from 0 to 100"
        elif percent == 100 and status is not ActionStatus.DONE:
            problems["percent_complete"] = "is 100 %: mark the action done (or lower the figure)"
        elif status is ActionStatus.DONE and percent != 100:
            problems["percent_complete"] = "a done action is 100 % complete"
        completed = self.completed_on
        if status is ActionStatus.DONE:
            completed = completed or today
            if not isinstance(completed, date):
                problems["completed_on"] = "must be a date"
            elif completed > today:
                problems["completed_on"] = "must not be in the future"
            elif completed < identified_on:
                problems["completed_on"] = "must not be before the finding was identified"
        elif completed is not None:
            problems["completed_on"] = "only a done action has a completion date"
        if problems:
            raise ValidationError(problems)
        return replace(self, title=title, description=description, status=status,
                       completed_on=completed)


@dataclass(frozen=True)
class ValidationDraft:
    """An auditor's validation of a finding's fix."""

    validated_on: date | None
    result: ValidationResult | str
    notes: str = ""

    def validated(self, identified_on: date, today: date) -> ValidationDraft:
        problems: dict[str, str] = {}
        day = _a_date(problems, "validated_on", self.validated_on, "is required")
        if day is not None and day > today:
            problems["validated_on"] = "must not be in the future"
        elif day is not None and day < identified_on:
            problems["validated_on"] = "must not be before the finding was identified"
        try:
            result = ValidationResult(self.result)
        except ValueError:
            problems["result"] = "must be passed or failed"
            result = ValidationResult.FAILED
        notes = _text(problems, "notes", self.notes, required=result is ValidationResult.FAILED,
                      maximum=TEXT_MAX, missing="are required when the validation fails: "
                      "say what is still wrong")
        if problems:
            raise ValidationError(problems)
        return replace(self, result=result, notes=notes)


@dataclass(frozen=True)
class RiskAcceptance:
    """A manager's acceptance of a risk, until a date, with a justification."""

    until: date | None
    reason: str

    def validated(self, today: date) -> RiskAcceptance:
        problems: dict[str, str] = {}
        latest = latest_risk_expiry(today)
        until = _a_date(problems, "risk_accepted_until", self.until,
                        "is required: a risk is accepted only until a date")
        if until is not None and not today < until <= latest:
            problems["risk_accepted_until"] = (
                f"must be from tomorrow ({(today + timedelta(days=1)).isoformat()}) to three "
                f"years ahead ({latest.isoformat()})"
            )
        reason = _text(problems, "risk_acceptance_reason", self.reason, required=True,
                       maximum=REASON_MAX, missing="is required: say why the risk is accepted")
        if problems:
            raise ValidationError(problems)
        return replace(self, reason=reason)


def check_closure_reason(reason: str | None) -> str:
    """The reason a manager gives for closing without a passed validation."""
    problems: dict[str, str] = {}
    text = _text(problems, "closure_reason", reason, required=True, maximum=REASON_MAX,
                 missing="is required: closing without a passed validation needs a reason")
    if problems:
        raise ValidationError(problems)
    return text


def check_extension(current_due: date | None, new_due: date | None, reason: str | None,
                    *, raised: bool) -> str | None:
    """The reason for moving a raised finding's due date later (None when the date is
    not moved later: no reason is asked)."""
    if not raised or current_due is None or new_due is None or new_due <= current_due:
        return None
    problems: dict[str, str] = {}
    text = _text(problems, "due_date_extension_reason", reason, required=True,
                 maximum=REASON_MAX, missing=(
                     f"is required: the due date moves later ({current_due.isoformat()} to "
                     f"{new_due.isoformat()})"))
    if problems:
        raise ValidationError(problems)
    return text


@dataclass(frozen=True)
class DueDatePolicy:
    """Days from identification to the due date, per severity."""

    days: Mapping[Severity, int]

    @classmethod
    def defaults(cls) -> DueDatePolicy:
        return cls({s: s.default_due_days for s in Severity})

    def days_for(self, severity: Severity | str) -> int:
        severity = Severity(severity)
        return self.days.get(severity, severity.default_due_days)

    def proposed_due_date(self, severity: Severity | str, identified_on: date) -> date:
        return identified_on + timedelta(days=self.days_for(severity))


def validated_policy_days(changes: Mapping[str, object]) -> dict[Severity, int]:
    """``{"high": 60}`` as severities and whole days from 1 to 3,650, or one
    ``ValidationError`` naming every bad entry."""
    problems: dict[str, str] = {}
    days: dict[Severity, int] = {}
    for name, value in changes.items():
        try:
            severity = Severity(str(name).strip().lower())
        except ValueError:
            problems[str(name)] = "is not a severity (critical, high, medium or low)"
            continue
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, bool) or not isinstance(number, int) or not (
            1 <= number <= POLICY_DAYS_MAX
        ):
            problems[severity.value] = f"must be a whole number of days from 1 to {POLICY_DAYS_MAX:,}"
            continue
        days[severity] = number
    if not changes:
        problems["days"] = "name at least one severity, e.g. high=60"
    if problems:
        raise ValidationError(problems)
    return days
