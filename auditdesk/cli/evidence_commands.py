"""Evidence files from the command line: ``auditdesk observations attach REF FILE``,
``attachments REF``, ``attachment REF FILE_NAME --out PATH`` and ``detach REF FILE_NAME``
(registered under ``observations`` by ``observation_commands``)."""

from __future__ import annotations

from pathlib import Path

from auditdesk.cli.context import CliError
from auditdesk.domain.evidence import Attachment, size_text
from auditdesk.services import evidence, observations


def register(sub, add_globals) -> None:
    attach = sub.add_parser("attach", help="keep FILE as evidence of finding REF")
    attach.add_argument("ref", metavar="REF")
    attach.add_argument("file", metavar="FILE")
    attach.add_argument("--name", help="store under this file name (default: FILE's name)")
    listing = sub.add_parser("attachments", help="list the evidence files of finding REF")
    listing.add_argument("ref", metavar="REF")
    fetch = sub.add_parser("attachment", help="save an evidence file of REF to --out PATH")
    fetch.add_argument("ref", metavar="REF")
    fetch.add_argument("file_name", metavar="FILE_NAME")
    fetch.add_argument("--out", required=True, metavar="PATH",
                       help="where to save it (a folder keeps the stored name)")
    fetch.add_argument("--id", type=int, help="which one, when several share FILE_NAME")
    detach = sub.add_parser("detach", help="remove an evidence file of REF")
    detach.add_argument("ref", metavar="REF")
    detach.add_argument("file_name", metavar="FILE_NAME")
    detach.add_argument("--id", type=int, help="which one, when several share FILE_NAME")
    for parser, handler in ((attach, attach_command), (listing, list_command),
                            (fetch, save_command), (detach, detach_command)):
        add_globals(parser)
        parser.set_defaults(handler=handler)


def _payload(a: Attachment) -> dict:
    return {"id": a.id, "file_name": a.file_name, "content_type": a.content_type,
            "size_bytes": a.size_bytes, "sha256": a.sha256, "uploaded_by": a.uploader,
            "uploaded_at": a.uploaded_at}


def _one(session, actor, ref: str, file_name: str, wanted: int | None) -> Attachment:
    finding = observations.get_by_ref(session, actor.tenant_id, ref)
    named = [a for a in evidence.list_for(session, actor, finding.id).attachments
             if a.file_name == file_name and (wanted is None or a.id == wanted)]
    if not named:
        raise CliError(f"{finding.ref} has no evidence file named {file_name}")
    if len(named) > 1:
        ids = ", ".join(str(a.id) for a in named)
        raise CliError(f"{finding.ref} has {len(named)} files named {file_name}; "
                       f"choose one with --id ({ids})")
    return named[0]


def attach_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        finding = observations.get_by_ref(session, tenant.id, args.ref)
        stored = evidence.upload(session, actor, finding.id, args.file, file_name=args.name).value
    ctx.emit(_payload(stored), f"{finding.ref}: stored {stored.file_name} "
                               f"({size_text(stored.size_bytes)}, sha256 {stored.sha256[:12]}…)")
    return 0


def list_command(ctx) -> int:
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        finding = observations.get_by_ref(session, tenant.id, ctx.args.ref)
        files = evidence.list_for(session, actor, finding.id).attachments
    lines = [f"{a.file_name}  {size_text(a.size_bytes)}  {a.uploader}  "
             f"{a.uploaded_at:%Y-%m-%d %H:%M}" for a in files]
    ctx.emit([_payload(a) for a in files],
             "\n".join(lines) if lines else f"{finding.ref} has no evidence files")
    return 0


def save_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        chosen = _one(session, actor, args.ref, args.file_name, args.id)
        out = Path(args.out)
        target = out / chosen.file_name if out.is_dir() else out
        written = evidence.save(session, actor, chosen.id, target)
    ctx.emit({**_payload(chosen), "saved_to": str(written)},
             f"saved {chosen.file_name} to {written} (checksum verified)")
    return 0


def detach_command(ctx) -> int:
    args = ctx.args
    with ctx.transaction() as session:
        tenant = ctx.tenant(session)
        actor = ctx.actor(session, tenant)
        chosen = _one(session, actor, args.ref, args.file_name, args.id)
        evidence.remove(session, actor, chosen.id)
    ctx.emit(_payload(chosen), f"{args.ref}: removed {chosen.file_name}")
    return 0
