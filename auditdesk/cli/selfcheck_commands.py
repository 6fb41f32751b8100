"""``auditdesk selfcheck --screenshots DIR``: open every view offscreen with data and
write one screenshot per view; exit 0 only when every view showed data."""

from __future__ import annotations

from pathlib import Path


def register(subparsers, add_globals) -> None:
    check = subparsers.add_parser(
        "selfcheck",
        help="open every view offscreen on the configured database and screenshot it",
        description="Starts against the configured database (the embedded workspace by "
        "default; loads demo data when it is empty), visits every main view, the observation "
        "editor and the lineage view, writes one PNG per view and exits 0 only if every "
        "view showed data.",
    )
    check.add_argument(
        "--screenshots",
        type=Path,
        default=Path("selfcheck-screenshots"),
        metavar="DIR",
        help="folder for the PNG files (default: ./selfcheck-screenshots)",
    )
    add_globals(check)
    check.set_defaults(handler=selfcheck_command)


def selfcheck_command(ctx) -> int:
    from auditdesk.ui.selfcheck import run_selfcheck

    return run_selfcheck(ctx.args, ctx.args.screenshots, out=ctx.note if ctx.json else print)
