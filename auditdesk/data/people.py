"""People and their sign-in, through the database functions of migration 0007.

A person is a PostgreSQL login, an ``app_user`` row and membership of one group role;
``auditdesk_create_user``, ``auditdesk_set_user_role`` and ``auditdesk_disable_user``
keep the three together and check that the caller is the tenant's admin (or the schema
owner). No login may write ``app_user`` directly. The password never reaches the server
in clear: libpq turns it into a SCRAM-SHA-256 verifier on this machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from auditdesk.data.errors import primary_message
from auditdesk.domain.errors import NotFoundError, PermissionDenied, ValidationError

_REFUSALS = {
    "42501": PermissionDenied,  # insufficient_privilege
    "P0002": NotFoundError,  # no_data_found
}
_FIELD_REFUSALS = {"22023": "login", "42710": "login", "23505": "email", "23514": "email"}


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(getattr(error, "orig", None), "sqlstate", None)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        state = _sqlstate(error)
        message = primary_message(error)
        if state in _REFUSALS:
            raise _REFUSALS[state](message[:1].upper() + message[1:] + ".") from error
        if state in _FIELD_REFUSALS:
            field = "password" if "verifier" in message else _FIELD_REFUSALS[state]
            if "app_user_tenant_id_email_key" in str(error.orig):
                message = "is already used by another user"
            raise ValidationError({field: message}) from error
        raise


def password_verifier(session: Session, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for ``login``, computed by libpq here."""
    raw = session.connection().connection.dbapi_connection
    pgconn = raw.pgconn  # type: ignore[union-attr]
    return pgconn.encrypt_password(
        password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256"
    ).decode("ascii")


def create_user(
    session: Session,
    tenant_id: int,
    email: str,
    display_name: str,
    role: str,
    login: str,
    verifier: str,
) -> int:
    with _translated():
        return int(
            session.execute(
                text(
                    "SELECT public.auditdesk_create_user(:tenant, :email, :name, :role, "
                    ":login, :verifier)"
                ),
                {
                    "tenant": tenant_id,
                    "email": email,
                    "name": display_name,
                    "role": role,
                    "login": login,
                    "verifier": verifier,
                },
            ).scalar_one()
        )


def set_role(session: Session, tenant_id: int, user_id: int, role: str) -> None:
    with _translated():
        session.execute(
            text("SELECT public.auditdesk_set_user_role(:tenant, :user, :role)"),
            {"tenant": tenant_id, "user": user_id, "role": role},
        )


def disable(session: Session, tenant_id: int, user_id: int) -> None:
    with _translated():
        session.execute(
            text("SELECT public.auditdesk_disable_user(:tenant, :user)"),
            {"tenant": tenant_id, "user": user_id},
        )


def signed_in_login(session: Session) -> str:
    return str(session.execute(text("SELECT session_user")).scalar_one())


def is_schema_owner(session: Session) -> bool:
    return bool(session.execute(text("SELECT public.auditdesk_is_owner()")).scalar_one())
