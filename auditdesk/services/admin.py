"""Administering people: create a sign-in, change a role, disable, list (``auditdesk
admin`` and the desktop client's Users dialog).

Each function works in the caller's session and never commits. The database decides who
may do it (the tenant's admins and the schema owner, see docs/architecture.md, "Security
model"); these functions validate the input first so that a mistake gets a message about
the field, and return what changed so that views can refresh.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from auditdesk.data import people, tenants
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.drafts import validate_email
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import User

# The same rule as auditdesk_create_user in the database.
LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 200


def default_login(email: str) -> str:
    """A login name from an e-mail address: its local part in lowercase letters, digits
    and underscores (``ana.lima@x.org`` -> ``ana_lima``)."""
    local = (email or "").split("@", 1)[0].lower()
    name = re.sub(r"[^a-z0-9_]+", "_", local).strip("_")[:63] or "user"
    return name if not name[0].isdigit() else f"u{name}"[:63]


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError({"role": "must be one of auditor, manager, admin"}) from None


def create_user(
    session: Session,
    tenant_id: int,
    email: str,
    display_name: str,
    role: Role | str,
    password: str,
    login: str | None = None,
) -> Outcome[User]:
    """Create the PostgreSQL login (with the group role of ``role``) and its person."""
    problems: dict[str, str] = {}
    try:
        email = validate_email(email)
    except ValidationError as error:
        problems.update(error.problems)
    name = (display_name or "").strip()
    if not 1 <= len(name) <= 200:
        problems["name"] = "must be 1 to 200 characters"
    login = (login or default_login(email)).strip()
    if not LOGIN_PATTERN.match(login):
        problems["login"] = (
            "use 1 to 63 lowercase letters, digits and underscores, not starting with a digit"
        )
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        problems["password"] = f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
    try:
        role = _role(role)
    except ValidationError as error:
        problems.update(error.problems)
    if problems:
        raise ValidationError(problems)
    verifier = people.password_verifier(session, login, password)
    user_id = people.create_user(session, tenant_id, email, name, Role(role).value, login, verifier)
    user = tenants.get_user(session, tenant_id, user_id)
    return Outcome(user, Changes.of(Table.APP_USER, [user_id]))


def set_role(session: Session, tenant_id: int, email: str, role: Role | str) -> Outcome[User]:
    role = _role(role)
    user = tenants.get_user_by_email(session, tenant_id, validate_email(email))
    people.set_role(session, tenant_id, user.id, role.value)
    return Outcome(tenants.get_user(session, tenant_id, user.id), Changes.of(Table.APP_USER, [user.id]))


def disable_user(session: Session, tenant_id: int, email: str) -> Outcome[User]:
    """Stop the person's login (NOLOGIN) and mark them inactive; their history stays."""
    user = tenants.get_user_by_email(session, tenant_id, validate_email(email))
    people.disable(session, tenant_id, user.id)
    return Outcome(tenants.get_user(session, tenant_id, user.id), Changes.of(Table.APP_USER, [user.id]))


def list_users(session: Session, tenant_id: int) -> list[User]:
    """Every person of the tenant, active or not, by name."""
    return tenants.list_users(session, tenant_id, active_only=False)


def signed_in(session: Session) -> tuple[str, User | None]:
    """The PostgreSQL login of this connection and the person it is, if any."""
    return people.signed_in_login(session), tenants.user_for_login(session)
