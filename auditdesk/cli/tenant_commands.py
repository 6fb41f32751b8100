"""``auditdesk tenant show`` and ``auditdesk tenant set-time-zone ZONE``: the tenant's
clock (docs/architecture.md, "One clock")."""

from __future__ import annotations

from auditdesk.cli import remediation_commands
from auditdesk.services import tenants


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("tenant", help="the tenant's settings (its time zone)")
    sub = group.add_subparsers(dest="tenant_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="the tenant's name, time zone and today's date there")
    add_globals(show)
    show.set_defaults(handler=show_command)
    zone = sub.add_parser(
        "set-time-zone",
        help="set the tenant's time zone (admin): today, overdue and snapshot dates follow it",
    )
    zone.add_argument("zone", metavar="ZONE", help="an IANA name such as Europe/Berlin or UTC")
    add_globals(zone)
    zone.set_defaults(handler=set_time_zone_command)
    remediation_commands.register_tenant_commands(sub, add_globals)
    add_globals(group)


def _describe(session, tenant) -> tuple[dict, str]:
    today = tenants.tenant_today(session, tenant.id)
    payload = {
        "slug": tenant.slug,
        "name": tenant.name,
        "time_zone": tenant.time_zone,
        "today": today,
    }
    text = (
        f"{tenant.slug}: {tenant.name}\n"
        f"time zone: {tenant.time_zone} (today there: {today.isoformat()})"
    )
    return payload, text


def show_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        payload, text = _describe(session, tenant)
    ctx.emit(payload, text)
    return 0


def set_time_zone_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        changed = tenants.set_time_zone(session, actor, ctx.args.zone).value
        payload, text = _describe(session, changed)
    ctx.emit(payload, text)
    return 0
