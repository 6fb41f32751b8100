"""Importing findings from .xlsx and .csv: preview (``plan``) and ``apply``.

- ``readers.py``: the file, streamed row by row (the only module that opens it).
- ``plan.py``: rows parsed, the day/month order settled, duplicate refs found.
- ``resolve.py``: the checks that ask the database, and a decision per row.
- ``write.py``: the writes, in the caller's one transaction.
- ``error_book.py``: the workbook of rejected rows.
- ``model.py``: options, plan and result records.

``apply`` plans again inside its own transaction, so what it writes is what the
database holds at that moment; nothing is written while a row is rejected, unless the
caller asked for the valid rows only. The pure rules are in
``auditdesk.domain.importing`` (see docs/architecture.md, "Import and export").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.domain.changes import Changes, Outcome
from auditdesk.domain.importing.fields import label
from auditdesk.domain.importing.rows import RowProblem
from auditdesk.domain.records import Actor
from auditdesk.services.importing.error_book import write_rejected
from auditdesk.services.importing.model import (
    ImportCancelled,
    ImportOptions,
    ImportPlan,
    ImportResult,
    PreviewRow,
    Progress,
)
from auditdesk.services.importing.plan import ReadFile, read_file
from auditdesk.services.importing.readers import ImportFileError
from auditdesk.services.importing.resolve import (
    Decision,
    Resolution,
    reject_dependants,
    resolve_rows,
)
from auditdesk.services.importing.write import write

__all__ = [
    "ImportCancelled", "ImportFileError", "ImportOptions", "ImportPlan", "ImportResult",
    "apply", "plan",
]


def _preview(d: Decision) -> PreviewRow:
    values: dict[str, str] = {"Ref": d.row.ref or ("(next ref)" if d.action == "create" else "")}
    draft = d.draft
    if draft is None:
        for name, value in d.row.values.items():
            values[label(name)] = "" if value is None else str(getattr(value, "label", value))
        return PreviewRow(d.row.number, d.action, values)
    values.update({
        "Title": draft.title,
        "Severity": getattr(draft.severity, "label", str(draft.severity)),
        "Status": getattr(draft.status, "label", str(draft.status)),
        "Identified": f"{draft.identified_on:%Y-%m-%d}" if draft.identified_on else "",
        "Due": f"{draft.due_date:%Y-%m-%d}" if draft.due_date else "",
        "Engagement": d.engagement_code or str(d.row.values.get("engagement") or ""),
        "Owner": d.owner_name or str(d.row.values.get("owner") or ""),
        "Repeat of": d.repeat_ref or "",
    })
    return PreviewRow(d.row.number, d.action, values, d.changed)


def _plan_of(read: ReadFile, resolution: Resolution | None, options: ImportOptions) -> ImportPlan:
    decisions = resolution.decisions if resolution else []
    count = {a: sum(1 for d in decisions if d.action == a) for a in ("create", "update", "unchanged")}
    problems = [*read.file_problems]
    for number in sorted(read.problems):
        problems.extend(read.problems[number])
    return ImportPlan(
        file_name=read.file_name,
        detail=read.detail,
        mapping=read.mapping,
        day_order=read.day_order,
        day_order_detected=read.detected,
        rows_read=len(read.rows),
        created=count["create"],
        updated=count["update"],
        unchanged=count["unchanged"],
        problems=tuple(problems),
        preview=tuple(_preview(d) for d in decisions[: options.preview_rows]),
        new_engagements=tuple(sorted(resolution.new_engagements)) if resolution else (),
        rejected_rows=len(read.problems),
        needs_day_order=read.needs_day_order,
    )


def _read_and_resolve(
    session: Session, actor: Actor, path: Path, options: ImportOptions,
    progress: Progress | None, today: date | None,
) -> tuple[ReadFile, Resolution | None]:
    try:
        read = read_file(Path(path), options, progress)
    except ImportFileError as error:
        read = ReadFile(Path(path).name, "", None, file_problems=[RowProblem(0, "", str(error))])
        return read, None
    if read.file_problems:
        return read, None
    resolution = resolve_rows(session, actor, read, options.create_engagements, today)
    if options.valid_rows_only:
        reject_dependants(read, resolution)
    return read, resolution


def plan(
    session: Session, actor: Actor, path: Path | str, options: ImportOptions = ImportOptions(),
    progress: Progress | None = None, today: date | None = None,
) -> ImportPlan:
    """What importing ``path`` would do; reads the database, writes nothing."""
    read, resolution = _read_and_resolve(session, actor, Path(path), options, progress, today)
    return _plan_of(read, resolution, options)


def apply(
    session: Session, actor: Actor, path: Path | str, options: ImportOptions = ImportOptions(),
    progress: Progress | None = None, errors_to: Path | None = None, today: date | None = None,
) -> Outcome[ImportResult]:
    """Import ``path`` in the caller's transaction. With rows rejected nothing is written,
    unless ``options.valid_rows_only``; then the rejected rows go to ``errors_to``."""
    read, resolution = _read_and_resolve(session, actor, Path(path), options, progress, today)
    planned = _plan_of(read, resolution, options)
    if resolution is None or (planned.problems and not options.valid_rows_only):
        return Outcome(ImportResult(planned, written=False))
    total = planned.created + planned.updated

    def tick(done: int) -> None:
        if progress:
            progress(planned.rows_read + done, planned.rows_read + total)

    ids, changes = write(session, actor, resolution, tick) if total else ([], Changes())
    error_file = None
    if planned.problems and errors_to is not None and read.mapping is not None:
        write_rejected(errors_to, read.mapping.headers, read.rows, read.problems)
        error_file = errors_to
    return Outcome(ImportResult(planned, written=True, observation_ids=tuple(ids),
                                error_file=error_file), changes)
