"""``auditdesk admin create-user|set-role|disable-user|list-users``: people and their
PostgreSQL logins, through ``auditdesk.services.admin``.

A password is never a command-line argument (it would show in the process list and the
shell history): it is asked for twice at a terminal, or read as one line from standard
input when that is not a terminal (``printf '%s\\n' "$PW" | auditdesk admin create-user …``).
"""

from __future__ import annotations

import getpass
import sys

from auditdesk.cli.context import CliError
from auditdesk.domain.enums import Role
from auditdesk.services import admin

ROLE_CHOICES = [r.value for r in Role]


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("admin", help="people: sign-in logins and roles")
    actions = group.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create-user", help="create a person with their own PostgreSQL login"
    )
    create.add_argument("email", metavar="EMAIL")
    create.add_argument("--name", required=True, metavar="NAME", help="display name")
    create.add_argument("--role", required=True, choices=ROLE_CHOICES)
    create.add_argument(
        "--login", metavar="LOGIN", help="PostgreSQL login name (default: from the e-mail)"
    )
    add_globals(create)
    create.set_defaults(handler=create_user_command)

    set_role = actions.add_parser("set-role", help="change a person's role")
    set_role.add_argument("email", metavar="EMAIL")
    set_role.add_argument("role", choices=ROLE_CHOICES)
    add_globals(set_role)
    set_role.set_defaults(handler=set_role_command)

    disable = actions.add_parser(
        "disable-user", help="stop a person's login (their history is kept)"
    )
    disable.add_argument("email", metavar="EMAIL")
    add_globals(disable)
    disable.set_defaults(handler=disable_user_command)

    listing = actions.add_parser("list-users", help="everyone in the tenant")
    add_globals(listing)
    listing.set_defaults(handler=list_users_command)
    add_globals(group)


def read_password(prompt: str = "Password for the new login: ") -> str:
    """From the terminal (asked twice), or one line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat the password: ") != first:
            raise CliError("The two passwords differ; nothing was changed.")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError(
            "No password: type it at the prompt, or give it as one line on standard input."
        )
    return line.rstrip("\r\n")


def _row(user) -> dict:
    return {
        "email": user.email,
        "name": user.display_name,
        "role": user.role.value,
        "login": user.db_login,
        "active": user.active,
    }


def create_user_command(ctx) -> int:
    args = ctx.args
    password = read_password()
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        user = admin.create_user(
            session, tenant.id, args.email, args.name, args.role, password, args.login
        ).value
    ctx.emit(
        _row(user),
        f"Created {user.display_name} <{user.email}> as {user.role.value} in {tenant.slug}; "
        f"they sign in as PostgreSQL login {user.db_login}.",
    )
    return 0


def set_role_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        user = admin.set_role(session, tenant.id, ctx.args.email, ctx.args.role).value
    ctx.emit(_row(user), f"{user.display_name} <{user.email}> is now {user.role.value}.")
    return 0


def disable_user_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        user = admin.disable_user(session, tenant.id, ctx.args.email).value
    ctx.emit(
        _row(user),
        f"{user.display_name} <{user.email}> can no longer sign in; their history is kept.",
    )
    return 0


def list_users_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        users = admin.list_users(session, tenant.id)
    rows = [_row(u) for u in users]
    lines = [f"{'email':<32} {'role':<8} {'login':<24} {'active':<6} name"]
    lines += [
        f"{u.email:<32} {u.role.value:<8} {(u.db_login or '-'):<24} "
        f"{'yes' if u.active else 'no':<6} {u.display_name}"
        for u in users
    ]
    if not users:
        lines.append("(nobody yet)")
    ctx.emit(rows, "\n".join(lines))
    return 0
