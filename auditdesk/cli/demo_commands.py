"""``auditdesk demo``: load the demo tenants, engagements and findings."""

from __future__ import annotations

import argparse

from auditdesk.domain.errors import ValidationError
from auditdesk.domain.limits import check_demo_observations
from auditdesk.domain.messages import quoted
from auditdesk.services.demo import load_demo


def _count(value: str) -> int:
    try:
        number = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {quoted(value)}") from None
    try:
        check_demo_observations(number)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.problems["observations"]) from None
    return number


def register(subparsers, add_globals) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="load demo data (two tenants, users, engagements, findings with repeats)",
        description="Fill the database with believable demo data. --observations scales the "
        "first tenant (set-based SQL: 1,000,000 load in minutes); --seed makes it reproducible.",
    )
    demo.add_argument(
        "--observations",
        type=_count,
        default=None,
        metavar="N",
        help="number of observations of the first tenant (default: about 1,800)",
    )
    demo.add_argument("--seed", type=int, default=2026, metavar="S", help="random seed (default 2026)")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (and succeed) when the database already holds data",
    )
    add_globals(demo)
    demo.set_defaults(handler=demo_command)


def demo_command(ctx) -> int:
    database = ctx.database()
    if ctx.args.if_empty:
        from auditdesk.services.demo import has_data

        with ctx.transaction() as session:
            if has_data(session):
                ctx.emit({"loaded": False}, "The database already holds data; nothing loaded.")
                return 0
    summary = load_demo(
        database.engine, observations=ctx.args.observations, seed=ctx.args.seed, progress=ctx.note
    )
    payload = summary.as_dict()
    lines = [f"Demo data loaded in {summary.elapsed_seconds:.1f} s (seed {summary.seed})"]
    for tenant in summary.tenants:
        lines.append(
            f"  {tenant.slug:<10} {tenant.name:<20} {tenant.users:>4} users  "
            f"{tenant.engagements:>6,} engagements  {tenant.observations:>9,} observations  "
            f"{tenant.repeats:>8,} repeats"
        )
    lines.append(
        f"  {'total':<31} {summary.users:>4} users  {summary.engagements:>6,} engagements  "
        f"{summary.observations:>9,} observations  {summary.repeats:>8,} repeats"
    )
    ctx.emit(payload, "\n".join(lines))
    return 0
