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

COMMAND_MODULES = (
    "auditdesk.cli.db_commands",
    "auditdesk.cli.demo_commands",
    "auditdesk.cli.engagement_commands",
    "auditdesk.cli.observation_commands",
    "auditdesk.cli.snapshot_commands",
    "auditdesk.cli.report_commands",
    "auditdesk.cli.selfcheck_commands",
    "auditdesk.cli.gui_commands",
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

    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        from auditdesk.db.engine import show_parameters

        show_parameters(True)
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
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
        print(f"auditdesk: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("auditdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - one clear line unless --debug
        if args.debug:
            raise
        from auditdesk.db.engine import describe_db_error

        print(
            f"auditdesk: error: {type(error).__name__}: {describe_db_error(error)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        context.close()
