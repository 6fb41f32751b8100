"""``auditdesk export observations|engagements|audit|suggestions --out FILE``: a table to .xlsx or .csv,
with the filters of the views."""

from __future__ import annotations

from pathlib import Path

from auditdesk.cli.context import CliError, date_option
from auditdesk.domain.audit import AuditFilter
from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.queries import (
    EngagementFilter,
    EngagementSort,
    ObservationFilter,
    ObservationSort,
    SuggestionFilter,
)


def _out(parser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="FILE.xlsx or FILE.csv (format from the extension)")
    parser.add_argument("--descending", action="store_true", help="reverse the sort order")


def register(subparsers, add_globals) -> None:
    group = subparsers.add_parser("export", help="export a table to Excel or CSV")
    kinds = group.add_subparsers(dest="export_command", metavar="TABLE", required=True)

    obs = kinds.add_parser("observations", help="findings, in a view's filter and sort")
    _out(obs)
    obs.add_argument("--engagement", metavar="CODE", help="only this engagement's findings")
    obs.add_argument("--severity", action="append", default=[], choices=[s.value for s in Severity])
    obs.add_argument("--status", action="append", default=[], choices=[s.value for s in ObservationStatus])
    obs.add_argument("--owner", metavar="EMAIL", help="only findings this person owns")
    obs.add_argument("--overdue", action="store_true", help="only overdue findings")
    obs.add_argument("--repeats", action="store_true", help="only repeat findings")
    obs.add_argument("--search", default="", metavar="TEXT", help="text in ref, title or condition")
    obs.add_argument("--sort", default="ref", choices=[s.value for s in ObservationSort])
    add_globals(obs)
    obs.set_defaults(handler=export_observations)

    eng = kinds.add_parser("engagements", help="engagements with their finding counts")
    _out(eng)
    eng.add_argument("--status", action="append", default=[], choices=[s.value for s in EngagementStatus])
    eng.add_argument("--auditee", metavar="NAME")
    eng.add_argument("--search", default="", metavar="TEXT")
    eng.add_argument("--sort", default="code", choices=[s.value for s in EngagementSort])
    add_globals(eng)
    eng.set_defaults(handler=export_engagements)

    audit = kinds.add_parser("audit", help="the audit trail, newest first")
    _out(audit)
    audit.add_argument("--table", metavar="NAME", help="only changes of this table (e.g. observation)")
    audit.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
    audit.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")
    add_globals(audit)
    audit.set_defaults(handler=export_audit)

    suggestions = kinds.add_parser("suggestions", help="repeat suggestions, largest score first")
    suggestions.add_argument("--out", required=True, metavar="FILE",
                             help="FILE.xlsx or FILE.csv (format from the extension)")
    suggestions.add_argument("--status", default="pending",
                             choices=["pending", "accepted", "rejected", "all"])
    suggestions.add_argument("--auditee", metavar="NAME", help="only where either finding is at NAME")
    suggestions.add_argument("--min-score", type=float, default=0.0, metavar="S",
                             help="only suggestions scoring at least S (0 to 1)")
    add_globals(suggestions)
    suggestions.set_defaults(handler=export_suggestions)
    add_globals(group)


def _run(ctx, write) -> int:
    from auditdesk.services import exporting

    out = Path(ctx.args.out)
    try:
        exporting.format_of(out)
    except ValidationError as error:
        raise CliError(error.problems["out"]) from None
    if not out.parent.is_dir():
        raise CliError(f"--out: the folder {out.parent} does not exist")
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        result = write(session, tenant.id, out)
    ctx.emit(result.as_json(), f"{result.rows:,} rows written to {result.path}")
    return 0


def export_observations(ctx) -> int:
    from auditdesk.services import engagements, exporting

    args = ctx.args

    def write(session, tenant_id, out):
        engagement_id = owner_id = None
        if args.engagement:
            engagement_id = engagements.get_by_code(session, tenant_id, args.engagement.upper()).id
        if args.owner:
            owner_id = exporting.owner_id_by_email(session, tenant_id, args.owner)
            if owner_id is None:
                raise CliError(f"--owner: nobody in this organisation has the e-mail {args.owner}")
        flt = ObservationFilter(
            engagement_id=engagement_id, severities=tuple(Severity(s) for s in args.severity),
            statuses=tuple(ObservationStatus(s) for s in args.status), owner_id=owner_id,
            overdue_only=args.overdue, repeats_only=args.repeats, text=args.search,
        )
        return exporting.export_observations(session, tenant_id, out, flt, ObservationSort(args.sort),
                                             args.descending)

    return _run(ctx, write)


def export_engagements(ctx) -> int:
    from auditdesk.services import exporting

    args = ctx.args
    flt = EngagementFilter(statuses=tuple(EngagementStatus(s) for s in args.status),
                           auditee=args.auditee, text=args.search)
    return _run(ctx, lambda s, t, out: exporting.export_engagements(
        s, t, out, flt, EngagementSort(args.sort), args.descending))


def export_audit(ctx) -> int:
    from auditdesk.services import exporting

    args = ctx.args
    flt = AuditFilter(table_name=args.table, date_from=date_option(args.start, "--from"),
                      date_to=date_option(args.end, "--to"))
    return _run(ctx, lambda s, t, out: exporting.export_audit(s, t, out, flt))


def export_suggestions(ctx) -> int:
    from auditdesk.services import exporting

    args = ctx.args
    if not 0.0 <= args.min_score <= 1.0:
        raise CliError(f"--min-score: {args.min_score} is not between 0 and 1")
    flt = SuggestionFilter(status=None if args.status == "all" else args.status,
                           auditee=args.auditee, min_score=args.min_score)
    return _run(ctx, lambda s, t, out: exporting.export_suggestions(s, t, out, flt))
