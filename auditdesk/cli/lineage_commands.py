"""``auditdesk lineage REF`` (the tree) and ``auditdesk lineage detect | suggest | review``.

``lineage`` takes either a finding's ref (print its repeat tree) or one of the
actions: ``detect [--since DATE] [--min-score S]`` proposes repeats over history,
``suggest REF [--limit N]`` lists the earlier findings REF may repeat, best first, and
``review REF --accept CANDIDATE_REF | --reject CANDIDATE_REF`` decides a proposal.
"""

from __future__ import annotations

import argparse
from datetime import date

from auditdesk.cli.context import CliError
from auditdesk.services import repeats

ACTIONS = ("detect", "suggest", "review")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def _score(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("a score is between 0 and 1")
    return number


def register(subparsers, add_globals) -> None:
    parser = subparsers.add_parser(
        "lineage",
        help="a finding's repeat tree, or detect / suggest / review repeats",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "target", metavar="REF|detect|suggest|review",
        help="a finding's ref to print its tree, or an action",
    )
    parser.add_argument("ref", metavar="REF", nargs="?", help="the finding (suggest, review)")
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="detect: only findings identified on or after DATE")
    parser.add_argument("--min-score", type=_score, default=repeats.DEFAULT_MIN_SCORE,
                        metavar="S", help="detect: propose only from this score (0-1, default 0.45)")
    parser.add_argument("--limit", type=int, default=repeats.DEFAULT_LIMIT, metavar="N",
                        help="suggest: how many (default 5)")
    decision = parser.add_mutually_exclusive_group()
    decision.add_argument("--accept", metavar="CANDIDATE_REF", help="review: link REF to it")
    decision.add_argument("--reject", metavar="CANDIDATE_REF", help="review: never propose it again")
    add_globals(parser)
    parser.set_defaults(handler=lineage_command)


def lineage_command(ctx) -> int:
    args = ctx.args
    action = args.target if args.target in ACTIONS else None
    if action is None:
        if args.ref or args.accept or args.reject:
            raise CliError(f"unknown action {args.target!r} (use detect, suggest or review)")
        from auditdesk.cli.observation_commands import tree_command

        return tree_command(ctx, args.target)
    if action != "review" and (args.accept or args.reject):
        raise CliError("--accept and --reject belong to `lineage review`")
    if action in ("suggest", "review") and not args.ref:
        raise CliError(f"`lineage {action}` needs the finding's REF")
    if action == "detect":
        return _detect(ctx)
    if action == "suggest":
        return _suggest(ctx)
    return _review(ctx)


def _detect(ctx) -> int:
    args = ctx.args
    if args.ref:
        raise CliError("`lineage detect` takes no REF (use --since to narrow it)")
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)

        def progress(done: int, total: int) -> None:
            if not ctx.json and (done % 500 == 0 or done == total):
                ctx.note(f"  {done:,} of {total:,} findings scanned")

        outcome = repeats.detect(session, actor, since=args.since, min_score=args.min_score,
                                 progress=progress)
    summary = outcome.value
    lines = [f"{summary.scanned:,} unlinked findings scanned, "
             f"{len(summary.proposed):,} new repeat suggestions"]
    lines += [f"  {p['ref']} may repeat {p['candidate']} (score {p['score']:.2f}: "
              f"{'; '.join(p['reasons'])})" for p in summary.proposed[:50]]
    if len(summary.proposed) > 50:
        lines.append(f"  … and {len(summary.proposed) - 50:,} more (see --json)")
    ctx.emit(summary.as_json(), "\n".join(lines))
    return 0


def _suggest(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        found = repeats.suggest_by_ref(session, tenant.id, args.ref, args.limit)
    lines = [f"{s.ref}  {s.score:.2f}  {s.title}\n      {'; '.join(s.reasons)}" for s in found]
    ctx.emit([s.as_json() for s in found],
             "\n".join(lines) if lines else f"No earlier finding looks like {args.ref}.")
    return 0


def _review(ctx) -> int:
    args = ctx.args
    if not (args.accept or args.reject):
        raise CliError("`lineage review` needs --accept CANDIDATE_REF or --reject CANDIDATE_REF")
    accept = bool(args.accept)
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        outcome = repeats.review(session, actor, args.ref, args.accept or args.reject, accept=accept)
    item = outcome.value
    payload = {"ref": item.later.ref, "candidate": item.earlier.ref, "status": item.status,
               "score": item.score}
    text = (f"{item.later.ref} now repeats {item.earlier.ref} (suggestion accepted)" if accept
            else f"{item.later.ref} will not be proposed as a repeat of {item.earlier.ref} again")
    ctx.emit(payload, text)
    return 0
