"""Tenants, application users and signing in: who is acting, in which tenant.

``user_for_login`` maps the current database login to its application user and
refuses a deactivated one; ``create_tenant`` and ``create_user`` apply the rules of
``domain.accounts`` before inserting (see docs/architecture.md).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from auditdesk.data import tenants as data
from auditdesk.domain.accounts import validated_tenant, validated_user
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.clock import validate_time_zone
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.records import Actor, Tenant, User

# The lookups need no rule of their own: the service offers them as they are.
list_tenants = data.list_tenants
get_tenant_by_slug = data.get_tenant_by_slug
list_users = data.list_users
get_user = data.get_user
get_user_by_email = data.get_user_by_email
time_zone_of = data.time_zone_of
#: Today on the tenant's clock (docs/architecture.md, "One clock").
tenant_today = data.tenant_today


def user_for_login(session: Session) -> User | None:
    """The application user mapped to the current database login, if any; a deactivated
    account is refused."""
    user = data.user_for_login(session)
    if user is not None and not user.active:
        raise PermissionDenied(
            f"The account {user.email} is deactivated; ask an administrator to reactivate it."
        )
    return user


def sign_in(session: Session) -> tuple[list[Tenant], User | None]:
    """What the desktop client needs once a database is open: the tenants and the
    signed-in user (None for a login mapped to no user, such as the workspace owner)."""
    return data.list_tenants(session), user_for_login(session)


def actor_for(tenant_id: int, user: User | None) -> Actor:
    """The acting user in a tenant (the workspace owner, with every right, when None)."""
    if user is None:
        return Actor(tenant_id=tenant_id)
    return Actor(tenant_id, user.id, user.role, user.display_name)


def create_tenant(
    session: Session, slug: str, name: str, time_zone: str | None = None
) -> Outcome[Tenant]:
    """A new tenant; its clock is ``time_zone``, by default the workstation's zone."""
    slug, name, zone = validated_tenant(slug, name, time_zone)
    tenant = data.insert_tenant(session, slug, name, zone)
    return Outcome(tenant, Changes.of(Table.TENANT, [tenant.id]))


def create_user(
    session: Session,
    tenant_id: int,
    email: str,
    display_name: str,
    role: Role | str = Role.AUDITOR,
    db_login: str | None = None,
) -> Outcome[User]:
    email, display_name, role = validated_user(email, display_name, role)
    user = data.insert_user(session, tenant_id, email, display_name, role, db_login)
    return Outcome(user, Changes.of(Table.APP_USER, [user.id]))


def set_time_zone(session: Session, actor: Actor, time_zone: str) -> Outcome[Tenant]:
    """An admin (or the workspace owner) sets the zone of the actor's tenant.

    From then on "today", overdue and the date of a new snapshot follow that zone;
    stored snapshots keep the dates they were captured for. The zone is checked here
    (one message in words) and again by the database's constraint trigger.
    """
    if actor.user_id is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied("Only an admin may change the tenant's time zone.")
    zone = validate_time_zone(time_zone)
    tenant = data.set_time_zone(session, actor.tenant_id, zone)
    return Outcome(tenant, Changes.of(Table.TENANT, [tenant.id]))
