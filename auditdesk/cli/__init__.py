"""The ``auditdesk`` command line. Each command group lives in its own module and
registers itself with ``register(subparsers)``; global options are accepted before
or after the command.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from auditdesk import __version__
from auditdesk.cli.context import CliContext, CliError
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.messages import has_invalid_bytes, one_line, quoted

COMMAND_MODULES = (
    "auditdesk.cli.db_commands",
    "auditdesk.cli.tenant_commands",
    "auditdesk.cli.demo_commands",
    "auditdesk.cli.engagement_commands",
    "auditdesk.cli.observation_commands",
    "auditdesk.cli.lineage_commands",
    "auditdesk.cli.snapshot_commands",
    "auditdesk.cli.report_commands",
    "auditdesk.cli.import_commands",
    "auditdesk.cli.export_commands",
    "auditdesk.cli.selfcheck_commands",
    "auditdesk.cli.gui_commands",
    "auditdesk.cli.admin_commands",
)


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Global options; on subcommands their default is SUPPRESS so they never
    overwrite a value given before the command."""

    def default(value):
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--database-url",
        default=default(None),
        metavar="URL",
        help="PostgreSQL server URL (else AUDITDESK_DATABASE_URL, the saved profile, "
        "or the embedded workspace)",
    )
    group.add_argument(
        "--workspace",
        default=default(None),
        metavar="DIR",
        help="embedded workspace folder (else AUDITDESK_WORKSPACE or the user data folder)",
    )
    group.add_argument("--tenant", default=default(None), metavar="SLUG", help="tenant to act in")
    group.add_argument(
        "--json", action="store_true", default=default(False), help="machine-readable output"
    )
    group.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks and SQL log"
    )


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(
        prog="auditdesk",
        description="AuditDesk: engagements, findings, repeat lineage and trends for internal audit.",
    )
    parser.add_argument("--version", action="version", version=f"AuditDesk {__version__}")
    add_global_options(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue  # a command group not built yet
            raise
        module.register(subparsers, lambda p: add_global_options(p, suppress=True))
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors cut to one bounded line (a huge argument is not echoed)."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def _invalid_argument(argv: Sequence[str]) -> str | None:
    for value in argv:
        if has_invalid_bytes(value):
            return (
                f"the argument {quoted(value)} holds bytes that are not valid UTF-8 text; "
                "AuditDesk reads its arguments as UTF-8"
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    invalid = _invalid_argument(argv)
    if invalid:
        print(f"auditdesk: error: {invalid}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        from auditdesk.db.engine import show_parameters

        show_parameters(True)
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    else:  # one line on stderr, never a logged traceback
        logging.getLogger("auditdesk").addHandler(logging.NullHandler())
    handler = getattr(args, "handler", None)
    if handler is None:
        from auditdesk.cli.gui_commands import open_gui

        handler = open_gui
    context = CliContext(args)
    try:
        return int(handler(context) or 0)
    except (AuditDeskError, CliError) as error:
        if args.debug:
            raise
        print(f"auditdesk: error: {one_line(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("auditdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - one clear line unless --debug
        if args.debug:
            raise
        from auditdesk.services.errors import user_message

        print(
            f"auditdesk: error: {one_line(user_message(error))} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        context.close()
