"""Reading an evidence file back, streamed chunk by chunk with its SHA-256 checked.

Every read verifies the checksum: saving writes to a hidden file beside the target and
renames it into place only when the digest matches, so a damaged copy (or a file
removed while it was read, or a cancelled save) never leaves an output file behind.
Opening saves a copy into a fresh private temporary folder for the system's default
application to open (docs/architecture.md, "Evidence files").
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.data import attachments as data
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.evidence import (
    CHUNK_BYTES,
    Attachment,
    EvidenceError,
    UploadCancelled,
    checksum_mismatch,
)
from auditdesk.domain.records import Actor
from auditdesk.services.evidence.upload import Cancelled, Progress, never_cancelled


def stored(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    found = data.get_attachment(session, actor.tenant_id, attachment_id)
    if found is None:
        raise NotFoundError("The evidence file does not exist any more (it may have been removed).")
    return found


def chunks(session: Session, attachment: Attachment) -> Iterator[bytes]:
    """The file's bytes in order; raises at the end if they do not match the checksum."""
    digest = hashlib.sha256()
    done = 0
    for seq in range(-(-attachment.size_bytes // CHUNK_BYTES)):
        block = data.read_chunk(session, attachment.tenant_id, attachment.id, seq)
        if block is None:
            raise EvidenceError(
                f"{attachment.file_name} was removed while it was being read; nothing was saved."
            )
        digest.update(block)
        done += len(block)
        yield block
    if done != attachment.size_bytes or digest.hexdigest() != attachment.sha256:
        raise checksum_mismatch(attachment.file_name)


def save(
    session: Session,
    actor: Actor,
    attachment_id: int,
    target: str | Path,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Path:
    """Write the evidence file to ``target`` (replacing it only once the copy is whole and
    verified); returns the path written."""
    cancelled = cancelled or never_cancelled
    attachment = stored(session, actor, attachment_id)
    target = Path(target)
    # A new hidden file beside the target (created exclusively, with the user's usual
    # permissions), renamed into place once whole and verified.
    partial = target.parent / f".{target.name[:40]}.{secrets.token_hex(6)}.part"
    try:
        with partial.open("xb") as out:
            done = 0
            if progress:
                progress(0, attachment.size_bytes)
            for block in chunks(session, attachment):
                if cancelled():
                    raise UploadCancelled()
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, attachment.size_bytes)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def temporary_copy(session: Session, actor: Actor, attachment_id: int, **options) -> Path:
    """A verified copy under its own name in a new private temporary folder (left for
    the application that opens it; the system's temporary folder is cleaned by the OS)."""
    attachment = stored(session, actor, attachment_id)
    folder = Path(tempfile.mkdtemp(prefix="auditdesk-evidence-"))
    try:
        return save(session, actor, attachment_id, folder / attachment.file_name, **options)
    except BaseException:
        folder.rmdir()
        raise
