"""``auditdesk lineage REF`` and ``auditdesk observations repeat-of REF [EARLIER | --clear]``;
the evidence-file actions are in ``evidence_commands``, the remediation actions in
``remediation_commands``."""

from __future__ import annotations

from auditdesk.cli import evidence_commands, remediation_commands
from auditdesk.cli.context import CliError
from auditdesk.domain.records import LineageNode
from auditdesk.services import lineage, observations


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("observations", help="observation commands")
    sub = group.add_subparsers(dest="observations_command", metavar="ACTION", required=True)
    repeat = sub.add_parser(
        "repeat-of", help="record that REF repeats EARLIER_REF, or clear the link"
    )
    repeat.add_argument("ref", metavar="REF")
    repeat.add_argument("earlier", metavar="EARLIER_REF", nargs="?")
    repeat.add_argument("--clear", action="store_true", help="remove REF's repeat link")
    add_globals(repeat)
    repeat.set_defaults(handler=repeat_of_command)
    evidence_commands.register(sub, add_globals)
    remediation_commands.register_observation_commands(sub, add_globals)
    add_globals(group)


def _render(node: LineageNode, highlight: str) -> list[str]:
    """Text tree, iterative so that very deep chains print too."""
    lines: list[str] = []
    stack = [(node, "", True, True)]
    while stack:
        current, indent, is_last, is_root = stack.pop()
        branch = "" if is_root else ("└─ " if is_last else "├─ ")
        mark = "  ◀" if current.ref == highlight else ""
        lines.append(
            f"{indent}{branch}{current.ref}  [{current.severity.value}, {current.status.value}, "
            f"{current.identified_on:%Y-%m-%d}]  {current.title}{mark}"
        )
        child_indent = indent if is_root else indent + ("   " if is_last else "│  ")
        kids = current.children
        for index in range(len(kids) - 1, -1, -1):
            stack.append((kids[index], child_indent, index == len(kids) - 1, False))
    return lines


def tree_command(ctx, ref: str) -> int:
    """``auditdesk lineage REF`` (registered by lineage_commands)."""
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        found = observations.get_by_ref(session, tenant.id, ref)
        root = lineage.tree(session, tenant.id, found.id)
    ctx.emit(root.as_json(), "\n".join(_render(root, found.ref)))
    return 0


def repeat_of_command(ctx) -> int:
    args = ctx.args
    if args.clear == bool(args.earlier):
        raise CliError("give either EARLIER_REF or --clear (not both, not neither)")
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        later = observations.get_by_ref(session, tenant.id, args.ref)
        earlier_id = None
        if args.earlier:
            earlier_id = observations.get_by_ref(session, tenant.id, args.earlier).id
        updated = lineage.set_repeat_of(session, actor, later.id, earlier_id).value
    payload = {"ref": updated.ref, "repeat_of": updated.repeat_of_ref}
    text = (
        f"{updated.ref} now repeats {updated.repeat_of_ref}"
        if updated.repeat_of_ref
        else f"{updated.ref} is no longer linked as a repeat"
    )
    ctx.emit(payload, text)
    return 0
