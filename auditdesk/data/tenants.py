"""Tenants and their application users: lookups and row inserts (the rules a new row
meets are applied by ``auditdesk.services.tenants``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from auditdesk.data.errors import translated_errors
from auditdesk.db.models import TenantRow, UserRow
from auditdesk.domain.clock import DEFAULT_TIME_ZONE, today_in, validate_time_zone
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.records import Tenant, User


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(id=row.id, slug=row.slug, name=row.name, time_zone=row.time_zone)


def _user(row: UserRow) -> User:
    return User(
        tenant_id=row.tenant_id,
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=Role(row.role),
        db_login=row.db_login,
        active=row.active,
    )


def list_tenants(session: Session) -> list[Tenant]:
    return [_tenant(r) for r in session.scalars(select(TenantRow).order_by(TenantRow.name))]


def tenant_ids(session: Session) -> list[int]:
    """Every tenant's id, in the order they were created."""
    return list(session.scalars(select(TenantRow.id).order_by(TenantRow.id)))


def get_tenant_by_slug(session: Session, slug: str) -> Tenant:
    row = session.scalar(select(TenantRow).where(TenantRow.slug == slug))
    if row is None:
        known = ", ".join(t.slug for t in list_tenants(session)) or "none"
        raise NotFoundError(f"No tenant '{slug}' (known tenants: {known}).")
    return _tenant(row)


def insert_tenant(session: Session, slug: str, name: str, time_zone: str) -> Tenant:
    """Insert a validated tenant."""
    with translated_errors():
        row = TenantRow(slug=slug, name=name, time_zone=time_zone)
        session.add(row)
        session.flush()
    return _tenant(row)


def set_time_zone(session: Session, tenant_id: int, time_zone: str) -> Tenant:
    """Change the tenant's clock (the caller checks that the actor may)."""
    zone = validate_time_zone(time_zone)
    row = session.get(TenantRow, tenant_id)
    if row is None:
        raise NotFoundError(f"No tenant {tenant_id}.")
    with translated_errors():
        row.time_zone = zone
        session.flush()
    return _tenant(row)


def time_zone_of(session: Session, tenant_id: int) -> str:
    zone = session.scalar(select(TenantRow.time_zone).where(TenantRow.id == tenant_id))
    if zone is None:
        raise NotFoundError(f"No tenant {tenant_id}.")
    return zone


def clock_zone(session: Session, tenant_id: int) -> str:
    """The zone of the tenant's clock. A tenant this login cannot see has no rows to date
    either; it gets UTC."""
    zone = session.scalar(select(TenantRow.time_zone).where(TenantRow.id == tenant_id))
    return zone or DEFAULT_TIME_ZONE


def tenant_today(session: Session, tenant_id: int, now: datetime | None = None) -> date:
    """Today in the tenant's zone (the one clock, docs/architecture.md)."""
    return today_in(clock_zone(session, tenant_id), now)


def insert_user(
    session: Session,
    tenant_id: int,
    email: str,
    display_name: str,
    role: Role,
    db_login: str | None = None,
) -> User:
    """Insert a validated application user."""
    with translated_errors():
        row = UserRow(
            tenant_id=tenant_id,
            email=email,
            display_name=display_name,
            role=role.value,
            db_login=db_login,
        )
        session.add(row)
        session.flush()
    return _user(row)


def list_users(session: Session, tenant_id: int, *, active_only: bool = True) -> list[User]:
    query = select(UserRow).where(UserRow.tenant_id == tenant_id)
    if active_only:
        query = query.where(UserRow.active)
    return [_user(r) for r in session.scalars(query.order_by(UserRow.display_name))]


def get_user(session: Session, tenant_id: int, user_id: int) -> User:
    row = session.get(UserRow, (tenant_id, user_id))
    if row is None:
        raise NotFoundError(f"No user {user_id} in this tenant.")
    return _user(row)


def get_user_by_email(session: Session, tenant_id: int, email: str) -> User:
    row = session.scalar(
        select(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.email == email.lower())
    )
    if row is None:
        raise NotFoundError(f"No user with e-mail {email} in this tenant.")
    return _user(row)


def user_for_login(session: Session) -> User | None:
    """The application user mapped to the current database login (active or not), if any."""
    row = session.scalar(select(UserRow).where(UserRow.db_login == text("session_user")))
    return _user(row) if row else None
