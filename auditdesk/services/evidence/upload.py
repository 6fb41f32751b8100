"""Uploading an evidence file from a path, streamed: never more than one chunk in memory.

The file is read twice: once for its SHA-256 (stored with the attachment row, which
comes before its chunks), then chunk by chunk into the database while hashing again. A
second digest, size or modification time that differs, or a file gone at the end, means
the file changed while it was read: the upload is refused and, being one transaction,
leaves nothing behind. Cancelling raises ``UploadCancelled`` inside the job, which rolls
the transaction back (docs/architecture.md, "Evidence files").
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.data import attachments as data
from auditdesk.data import observations as observation_data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.evidence import (
    CHUNK_BYTES,
    Attachment,
    EvidenceError,
    UploadCancelled,
    changed_while_reading,
    check_file_name,
    check_size,
    content_type_of,
    vanished_while_reading,
)
from auditdesk.domain.records import Actor

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)
Cancelled = Callable[[], bool]


def never_cancelled() -> bool:
    return False


def checked_file(path: str | Path, file_name: str | None = None) -> tuple[Path, str, os.stat_result]:
    """The path, the name the file will be stored under and its status, or the one
    sentence saying why it cannot be uploaded (nothing is read yet)."""
    path = Path(path)
    name = file_name if file_name is not None else path.name
    check_file_name(name)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise EvidenceError(f"{name} does not exist (it may have been moved or deleted).") from None
    except OSError as error:
        raise EvidenceError(f"{name} cannot be read: {error.strerror or error}.") from None
    if not stat.S_ISREG(status.st_mode):
        raise EvidenceError(f"{name} is not a file (a folder cannot be attached).")
    check_size(name, status.st_size)
    return path, name, status


def _digest(path: Path, name: str, cancelled: Cancelled) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while block := stream.read(CHUNK_BYTES):
                if cancelled():
                    raise UploadCancelled()
                digest.update(block)
    except OSError:
        raise vanished_while_reading(name) from None
    return digest.hexdigest()


def _same_file(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_ino, before.st_dev, before.st_size, before.st_mtime_ns) == (
        after.st_ino, after.st_dev, after.st_size, after.st_mtime_ns
    )


def upload(
    session: Session,
    actor: Actor,
    observation_id: int,
    path: str | Path,
    *,
    file_name: str | None = None,
    action_id: int | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Outcome[Attachment]:
    """Store the file at ``path`` as evidence of the finding, in the caller's transaction."""
    cancelled = cancelled or never_cancelled
    path, name, before = checked_file(path, file_name)
    total = before.st_size
    if progress:
        progress(0, total)
    # Before the first statement: a slow disk must not keep a transaction idle.
    expected = _digest(path, name, cancelled)
    finding = observation_data.get_observation(session, actor.tenant_id, observation_id)
    if not data.may_attach(session, actor.tenant_id, observation_id):
        raise PermissionDenied(
            f"You may add evidence only to findings you may edit; {finding.ref} is on an "
            "engagement you neither lead nor belong to."
        )
    attachment_id = data.insert_attachment(
        session, actor, observation_id, name, content_type_of(name), total, expected, action_id
    )
    digest = hashlib.sha256()
    done = seq = 0
    try:
        with path.open("rb") as stream:
            while block := stream.read(CHUNK_BYTES):
                if cancelled():
                    raise UploadCancelled()
                done += len(block)
                if done > total:
                    raise changed_while_reading(name)
                digest.update(block)
                data.insert_chunk(session, actor.tenant_id, attachment_id, seq, block)
                seq += 1
                if progress:
                    progress(done, total)
            after = os.fstat(stream.fileno())
        still_there = path.stat()
    except OSError:
        raise vanished_while_reading(name) from None
    if done != total or digest.hexdigest() != expected or not _same_file(before, after):
        raise changed_while_reading(name)
    if not _same_file(before, still_there):
        raise vanished_while_reading(name)
    data.check_complete(session)
    stored = data.get_attachment(session, actor.tenant_id, attachment_id)
    assert stored is not None
    return Outcome(stored, Changes.of(Table.ATTACHMENT, [attachment_id]))
