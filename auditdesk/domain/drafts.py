"""What a user submits to create or change a row, and the rules each field must meet.

``validate()`` collects every field's problem and raises one ``ValidationError``;
the same rules stand in the database as CHECK constraints (see ``db/models.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, cast

from auditdesk.domain.clock import DEFAULT_TIME_ZONE, today_in
from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity
from auditdesk.domain.errors import ValidationError

TITLE_MAX = 200
AUDITEE_MAX = 120
CODE_MAX = 32
LONG_TEXT_MAX = 10_000
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{1,31}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LONG_TEXT_FIELDS = (
    "criteria",
    "condition",
    "cause",
    "effect",
    "recommendation",
    "management_response",
)


def _check_text(
    problems: dict[str, str], name: str, value: object, *, required: bool, maximum: int
) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = "is required"
        return
    if not isinstance(value, str):
        problems[name] = "must be text"
    elif len(value) > maximum:
        problems[name] = f"must be at most {maximum} characters (has {len(value)})"


def _check_enum(problems: dict[str, str], name: str, value: object, enum_type) -> None:
    try:
        enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        problems[name] = f"must be one of {allowed} (got {value!r})"


def _check_date(problems: dict[str, str], name: str, value: object, *, required: bool) -> None:
    if value is None:
        if required:
            problems[name] = "is required"
    elif not isinstance(value, date):
        problems[name] = "must be a date"


def _check_order(
    problems: dict[str, str], first_name: str, first: object, second_name: str, second: object
) -> None:
    if isinstance(first, date) and isinstance(second, date) and second < first:
        problems.setdefault(second_name, f"must not be before {first_name.replace('_', ' ')}")


@dataclass(frozen=True)
class EngagementDraft:
    code: str
    title: str
    auditee: str
    status: EngagementStatus | str = EngagementStatus.PLANNED
    lead_auditor_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    member_ids: tuple[int, ...] = ()

    def validated(self) -> EngagementDraft:
        """Return a normalised copy, or raise ``ValidationError`` listing every problem."""
        problems: dict[str, str] = {}
        code = self.code.strip().upper() if isinstance(self.code, str) else self.code
        _check_text(problems, "code", code, required=True, maximum=CODE_MAX)
        if "code" not in problems and not CODE_PATTERN.match(code):
            problems["code"] = "use capitals, digits and dashes, e.g. ENG-2026-014"
        _check_text(problems, "title", self.title, required=True, maximum=TITLE_MAX)
        _check_text(problems, "auditee", self.auditee, required=True, maximum=AUDITEE_MAX)
        _check_enum(problems, "status", self.status, EngagementStatus)
        for name in ("period_start", "period_end", "planned_start", "planned_end"):
            _check_date(problems, name, getattr(self, name), required=False)
        _check_order(problems, "period_start", self.period_start, "period_end", self.period_end)
        _check_order(
            problems, "planned_start", self.planned_start, "planned_end", self.planned_end
        )
        if problems:
            raise ValidationError(problems)
        return replace(
            self,
            code=code,
            title=self.title.strip(),
            auditee=self.auditee.strip(),
            status=EngagementStatus(self.status),
        )


@dataclass(frozen=True)
class ObservationDraft:
    title: str
    severity: Severity | str
    identified_on: date | None
    engagement_id: int | None = None
    status: ObservationStatus | str = ObservationStatus.OPEN
    criteria: str = ""
    condition: str = ""
    cause: str = ""
    effect: str = ""
    recommendation: str = ""
    management_response: str = ""
    owner_id: int | None = None
    due_date: date | None = None
    original_due_date: date | None = None
    repeat_of_id: int | None = None
    # What a status change or an extension carries (docs/architecture.md, "Remediation").
    risk_accepted_until: date | None = None
    risk_acceptance_reason: str | None = None
    closure_reason: str | None = None
    due_date_extension_reason: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def validated(self, today: date | None = None) -> ObservationDraft:
        """Return a normalised copy with the default due date filled in, or raise.

        ``today`` is the tenant's date (``auditdesk.domain.clock``); callers pass it.
        Without one the UTC date is used, never the workstation's local date."""
        problems: dict[str, str] = {}
        _check_text(problems, "title", self.title, required=True, maximum=TITLE_MAX)
        for name in LONG_TEXT_FIELDS:
            _check_text(problems, name, getattr(self, name), required=False, maximum=LONG_TEXT_MAX)
        _check_enum(problems, "severity", self.severity, Severity)
        _check_enum(problems, "status", self.status, ObservationStatus)
        _check_date(problems, "identified_on", self.identified_on, required=True)
        _check_date(problems, "due_date", self.due_date, required=False)
        _check_date(problems, "original_due_date", self.original_due_date, required=False)
        today = today or today_in(DEFAULT_TIME_ZONE)
        if isinstance(self.identified_on, date) and self.identified_on > today:
            problems["identified_on"] = "must not be in the future"
        _check_order(problems, "identified_on", self.identified_on, "due_date", self.due_date)
        _check_order(
            problems,
            "identified_on",
            self.identified_on,
            "original_due_date",
            self.original_due_date,
        )
        if problems:
            raise ValidationError(problems)
        severity = Severity(self.severity)
        identified_on = cast(date, self.identified_on)  # checked above: a date
        due = self.due_date or default_due_date(severity, identified_on)
        texts: dict[str, Any] = {
            name: (getattr(self, name) or "").strip() for name in LONG_TEXT_FIELDS
        }
        return replace(
            self,
            title=self.title.strip(),
            severity=severity,
            status=ObservationStatus(self.status),
            due_date=due,
            original_due_date=self.original_due_date or due,
            **texts,
        )


def default_due_date(severity: Severity, identified_on: date) -> date:
    return identified_on + timedelta(days=Severity(severity).default_due_days)


def validate_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValidationError({"email": "must be an e-mail address"})
    return email
