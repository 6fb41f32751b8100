"""The rules a new tenant and a new application user must meet (the same rules stand in
the database as CHECK constraints, see ``db/models.py``)."""

from __future__ import annotations

import re

from auditdesk.domain.clock import validate_time_zone, workstation_time_zone
from auditdesk.domain.drafts import validate_email
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import ValidationError

# The same rule as the tenant_slug_format CHECK constraint.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
DISPLAY_NAME_MAX = 200


def validated_tenant(slug: str, name: str, time_zone: str | None = None) -> tuple[str, str, str]:
    """``(slug, name, time_zone)`` cleaned, or one ``ValidationError`` listing every problem.
    A tenant's clock is ``time_zone``, by default the workstation's zone."""
    slug = (slug or "").strip().lower()
    problems = {}
    zone = ""
    try:
        zone = validate_time_zone(time_zone) if time_zone is not None else workstation_time_zone()
    except ValidationError as error:
        problems.update(error.problems)
    if not SLUG_PATTERN.match(slug):
        problems["slug"] = "use 1 to 40 lowercase letters a-z, digits and dashes, not starting with a dash"
    if not (name or "").strip():
        problems["name"] = "is required"
    if problems:
        raise ValidationError(problems)
    return slug, name.strip(), zone


def validated_user(email: str, display_name: str, role: Role | str) -> tuple[str, str, Role]:
    """``(email, display_name, role)`` cleaned, or one ``ValidationError`` listing every problem."""
    problems = {}
    try:
        email = validate_email(email)
    except ValidationError as error:
        problems.update(error.problems)
    if not (display_name or "").strip():
        problems["display_name"] = "is required"
    elif len(display_name.strip()) > DISPLAY_NAME_MAX:
        problems["display_name"] = f"must be at most {DISPLAY_NAME_MAX} characters"
    try:
        chosen = Role(role)
    except ValueError:
        problems["role"] = "must be one of auditor, manager, admin"
    if problems:
        raise ValidationError(problems)
    return email, display_name.strip(), chosen
