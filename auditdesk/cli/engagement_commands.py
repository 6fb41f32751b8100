"""``auditdesk engagements progress`` (and ``list``)."""

from __future__ import annotations

from auditdesk.services import engagements, tenants


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("engagements", help="engagements and their progress")
    sub = group.add_subparsers(dest="engagements_command", metavar="ACTION", required=True)
    progress = sub.add_parser(
        "progress", help="engagements of a user (lead or member) with observation counts"
    )
    progress.add_argument("--user", metavar="EMAIL", help="whose engagements (default: all)")
    add_globals(progress)
    progress.set_defaults(handler=progress_command)
    add_globals(group)


def progress_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        user_id = None
        if ctx.args.user:
            user_id = tenants.get_user_by_email(session, tenant.id, ctx.args.user).id
        rows = engagements.my_engagements(session, tenant.id, user_id)
    payload = [row.as_json() for row in rows]
    width = max((len(r.code) for r in rows), default=4)
    lines = [f"{'code':<{width}}  {'total':>5} {'open':>5} {'closed':>6} {'overdue':>7}  title"]
    lines += [
        f"{r.code:<{width}}  {r.total:>5} {r.open:>5} {r.closed:>6} {r.overdue:>7}  {r.title}"
        for r in rows
    ]
    if not rows:
        lines.append("(no engagements)")
    ctx.emit(payload, "\n".join(lines))
    return 0
