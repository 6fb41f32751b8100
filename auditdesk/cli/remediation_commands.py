"""Remediation commands (docs/architecture.md, "Remediation"):

* ``auditdesk observations actions REF`` — the finding's action plan;
* ``auditdesk observations add-action REF --title … --owner EMAIL --due DATE``;
* ``auditdesk observations update-action REF ACTION_ID [--status …] [--percent N] …``;
* ``auditdesk observations validate REF --result passed|failed [--notes …] [--on DATE]``;
* ``auditdesk observations accept-risk REF --until DATE --reason …``;
* ``auditdesk observations extend-due REF --due DATE --reason …``;
* ``auditdesk tenant due-policy [--set SEVERITY=DAYS …]``.

Registered into the ``observations`` and ``tenant`` groups by their modules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from auditdesk.cli.context import CliError
from auditdesk.domain.enums import ActionStatus, Severity, ValidationResult
from auditdesk.domain.remediation import ActionDraft, RiskAcceptance, ValidationDraft
from auditdesk.domain.remediation_records import RemediationAction
from auditdesk.services import observations, tenants
from auditdesk.services.remediation import acceptance, actions, policy, validation


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CliError(f"{text!r} is not a date (use YYYY-MM-DD)") from error


def register_observation_commands(sub, add_globals) -> None:
    """The remediation actions of ``auditdesk observations``."""
    listing = sub.add_parser("actions", help="list REF's action plan")
    listing.add_argument("ref", metavar="REF")
    add_globals(listing)
    listing.set_defaults(handler=actions_command)

    add = sub.add_parser("add-action", help="add an action to REF's action plan")
    add.add_argument("ref", metavar="REF")
    add.add_argument("--title", required=True)
    add.add_argument("--owner", required=True, metavar="EMAIL", help="who owns the action")
    add.add_argument("--due", required=True, type=_day, metavar="DATE")
    add.add_argument("--description", default="")
    add_globals(add)
    add.set_defaults(handler=add_action_command)

    update = sub.add_parser("update-action", help="change one action of REF's plan")
    update.add_argument("ref", metavar="REF")
    update.add_argument("action_id", metavar="ACTION_ID", type=int)
    update.add_argument("--status", choices=[s.value for s in ActionStatus])
    update.add_argument("--percent", type=int, metavar="N", help="percent complete, 0 to 100")
    update.add_argument("--due", type=_day, metavar="DATE")
    update.add_argument("--title")
    update.add_argument("--owner", metavar="EMAIL")
    add_globals(update)
    update.set_defaults(handler=update_action_command)

    check = sub.add_parser("validate", help="record the validation of REF's fix")
    check.add_argument("ref", metavar="REF")
    check.add_argument("--result", required=True, choices=[r.value for r in ValidationResult])
    check.add_argument("--notes", default="")
    check.add_argument("--on", type=_day, metavar="DATE", help="validated on (default: today)")
    add_globals(check)
    check.set_defaults(handler=validate_command)

    accept = sub.add_parser("accept-risk", help="accept REF's risk until a date (manager)")
    accept.add_argument("ref", metavar="REF")
    accept.add_argument("--until", required=True, type=_day, metavar="DATE")
    accept.add_argument("--reason", required=True)
    add_globals(accept)
    accept.set_defaults(handler=accept_risk_command)

    extend = sub.add_parser("extend-due", help="move REF's due date (later needs --reason)")
    extend.add_argument("ref", metavar="REF")
    extend.add_argument("--due", required=True, type=_day, metavar="DATE")
    extend.add_argument("--reason")
    add_globals(extend)
    extend.set_defaults(handler=extend_due_command)


def register_tenant_commands(sub, add_globals) -> None:
    """``auditdesk tenant due-policy``."""
    due = sub.add_parser(
        "due-policy", help="the days to a due date per severity; --set SEVERITY=DAYS (admin)"
    )
    due.add_argument("--set", action="append", default=[], metavar="SEVERITY=DAYS")
    add_globals(due)
    due.set_defaults(handler=due_policy_command)


def _action_json(a: RemediationAction) -> dict:
    return {
        "id": a.id, "title": a.title, "owner": a.owner_name, "due_date": a.due_date,
        "status": a.status.value, "percent_complete": a.percent_complete,
        "completed_on": a.completed_on, "version": a.version,
    }


def _action_line(a: RemediationAction) -> str:
    return (f"#{a.id}  {a.due_date}  {a.status.label:<11} {a.percent_complete:>3} %  "
            f"{a.title}  ({a.owner_name or 'no owner'})")


def _owner_id(session, tenant_id: int, email: str) -> int:
    return tenants.get_user_by_email(session, tenant_id, email).id


def actions_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        found = observations.get_by_ref(session, tenant.id, ctx.args.ref)
        rows = actions.list_actions(session, tenant.id, found.id)
    text = "\n".join(_action_line(a) for a in rows) or f"{found.ref} has no actions"
    ctx.emit({"ref": found.ref, "actions": [_action_json(a) for a in rows]}, text)
    return 0


def add_action_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        found = observations.get_by_ref(session, tenant.id, args.ref)
        draft = ActionDraft(args.title, args.due, _owner_id(session, tenant.id, args.owner),
                            args.description)
        added = actions.add_action(session, actor, found.id, draft).value
    ctx.emit({"ref": found.ref, **_action_json(added)}, f"{found.ref}: added {_action_line(added)}")
    return 0


def update_action_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        found = observations.get_by_ref(session, tenant.id, args.ref)
        current = next((a for a in actions.list_actions(session, tenant.id, found.id)
                        if a.id == args.action_id), None)
        if current is None:
            raise CliError(f"{found.ref} has no action #{args.action_id}")
        draft = actions.draft_of(current)
        changes: dict = {}
        for name, value in (("status", args.status), ("percent_complete", args.percent),
                            ("due_date", args.due), ("title", args.title)):
            if value is not None:
                changes[name] = value
        if args.owner:
            changes["owner_id"] = _owner_id(session, tenant.id, args.owner)
        if changes.get("status") not in (None, ActionStatus.DONE.value):
            changes.setdefault("completed_on", None)
        updated = actions.update_action(session, actor, current.id, replace(draft, **changes),
                                        current.version).value
    ctx.emit({"ref": found.ref, **_action_json(updated)},
             f"{found.ref}: {_action_line(updated)}")
    return 0


def validate_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        found = observations.get_by_ref(session, tenant.id, args.ref)
        day = args.on or tenants.tenant_today(session, tenant.id)
        after = validation.record_validation(
            session, actor, found.id, ValidationDraft(day, args.result, args.notes)
        ).value
    ctx.emit({"ref": after.ref, "result": args.result, "status": after.status.value},
             f"{after.ref}: validation {args.result}; the finding is now "
             f"{after.status.label.lower()}")
    return 0


def accept_risk_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        found = observations.get_by_ref(session, tenant.id, args.ref)
        after = acceptance.accept_risk(session, actor, found.id,
                                       RiskAcceptance(args.until, args.reason)).value
    ctx.emit({"ref": after.ref, "status": after.status.value,
              "risk_accepted_until": after.risk_accepted_until},
             f"{after.ref}: risk accepted until {after.risk_accepted_until}")
    return 0


def extend_due_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        found = observations.get_by_ref(session, tenant.id, args.ref)
        after = acceptance.extend_due_date(session, actor, found.id, args.due, args.reason).value
    ctx.emit({"ref": after.ref, "due_date": after.due_date,
              "original_due_date": after.original_due_date},
             f"{after.ref}: due {after.due_date} (originally {after.original_due_date})")
    return 0


def due_policy_command(ctx) -> int:
    changes: dict[str, str] = {}
    for item in ctx.args.set:
        name, sep, days = item.partition("=")
        if not sep:
            raise CliError(f"{item!r}: use SEVERITY=DAYS, e.g. high=60")
        changes[name] = days
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        if changes:
            actor = ctx.actor(session, tenant)
            current = policy.update_due_date_policy(session, actor, changes).value
        else:
            current = policy.due_date_policy(session, tenant.id)
    days = {s.value: current.days_for(s) for s in Severity}
    ctx.emit(days, "\n".join(f"{name:<8} {value} days" for name, value in days.items()))
    return 0
