"""``auditdesk`` with no command (or ``auditdesk gui``) opens the desktop client."""

from __future__ import annotations


def register(subparsers, add_globals) -> None:
    gui = subparsers.add_parser("gui", help="open the desktop client (the default)")
    gui.add_argument(
        "--exit-when-ready",
        action="store_true",
        help="quit once the window has opened the database and chosen a tenant "
        "(start-up timing, smoke tests)",
    )
    add_globals(gui)
    gui.set_defaults(handler=open_gui)


def open_gui(ctx) -> int:
    from auditdesk.ui.app import run

    return run(ctx.args)
