"""``auditdesk import observations FILE``: findings from .xlsx or .csv.

Prints what was (or, with ``--dry-run``, would be) created, updated and left alone, and
every rejected row with its column and message; exits 1 when anything was rejected.
"""

from __future__ import annotations

from pathlib import Path

from auditdesk.cli.context import CliError
from auditdesk.domain.importing.fields import FIELD_NAMES, parse_choice
from auditdesk.domain.importing.values import DayOrder


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("import", help="import findings from a spreadsheet")
    kinds = group.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    command = kinds.add_parser(
        "observations",
        help="import findings from .xlsx or .csv (a row whose ref exists updates that finding)",
        description="Columns are matched to fields by their headers (and common synonyms); "
        f"fields: {', '.join(FIELD_NAMES)}. Nothing is written while a row is rejected, "
        "unless --valid-rows-only.",
    )
    command.add_argument("file", metavar="FILE", help=".xlsx or .csv file")
    command.add_argument("--sheet", metavar="NAME", help="the workbook's sheet (default: the first)")
    command.add_argument(
        "--map", action="append", default=[], metavar="HEADER=FIELD",
        help="map a column to a field (repeatable); HEADER= leaves the column out",
    )
    order = command.add_mutually_exclusive_group()
    order.add_argument("--day-first", action="store_const", const=DayOrder.DAY_FIRST,
                       dest="day_order", help="numeric dates are day/month/year (31/12/2026)")
    order.add_argument("--month-first", action="store_const", const=DayOrder.MONTH_FIRST,
                       dest="day_order", help="numeric dates are month/day/year (12/31/2026)")
    command.add_argument("--create-engagements", action="store_true",
                         help="create engagements whose code does not exist yet")
    command.add_argument("--valid-rows-only", action="store_true",
                         help="import the valid rows even when others are rejected")
    command.add_argument("--errors", metavar="FILE.xlsx",
                         help="with --valid-rows-only: write the rejected rows here "
                         "(default: FILE-rejected.xlsx beside the input)")
    command.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    add_globals(command)
    command.set_defaults(handler=import_command)
    add_globals(group)


def _mapping(choices: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for choice in choices:
        try:
            header, field = parse_choice(choice)
        except ValueError as error:
            raise CliError(f"--map: {error}") from None
        mapping[header] = field
    return mapping


def _text(payload: dict, dry_run: bool, written: bool) -> str:
    verb = "would be" if dry_run or not written else ""
    lines = [
        f"{payload.get('would_create', payload['created'])} {verb} created, "
        f"{payload.get('would_update', payload['updated'])} {verb} updated, "
        f"{payload['unchanged']} unchanged".replace("  ", " ")
    ]
    for problem in payload["rejected"]:
        where = f"row {problem['row']}" if problem["row"] else "file"
        column = f", {problem['column']}" if problem["column"] else ""
        lines.append(f"  {where}{column}: {problem['message']}")
    if payload["rejected"] and not written and not dry_run:
        lines.append("Nothing was written. Fix the rows, or import the valid rows only "
                     "with --valid-rows-only.")
    if payload.get("error_file"):
        lines.append(f"The rejected rows are in {payload['error_file']}")
    return "\n".join(lines)


def import_command(ctx) -> int:
    from auditdesk.services import importing

    args = ctx.args
    path = Path(args.file)
    options = importing.ImportOptions(
        sheet=args.sheet, mapping=_mapping(args.map), day_order=args.day_order,
        create_engagements=args.create_engagements, valid_rows_only=args.valid_rows_only,
    )
    errors_to = Path(args.errors) if args.errors else path.with_name(f"{path.stem}-rejected.xlsx")
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        if args.dry_run:
            payload = importing.plan(session, actor, path, options).as_json()
            written = False
        else:
            result = importing.apply(session, actor, path, options, errors_to=errors_to).value
            payload, written = result.as_json(), result.written
    ctx.emit(payload, _text(payload, args.dry_run, written))
    return 1 if payload["rejected"] else 0
