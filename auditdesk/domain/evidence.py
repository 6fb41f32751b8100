"""Evidence files' rules, without a database: the limits, the file-name rule, the
messages for what a user can get wrong, and the frozen record of a stored file.

The database enforces the same rules again (migration 0012; docs/architecture.md,
"Evidence files").
"""

from __future__ import annotations

import mimetypes
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from auditdesk.domain.errors import AuditDeskError

MAX_FILE_BYTES = 100 * 1024 * 1024  # 100 MB
CHUNK_BYTES = 1024 * 1024  # the bytes of one attachment_chunk row
MAX_FILE_NAME_CHARS = 255
FALLBACK_CONTENT_TYPE = "application/octet-stream"


class EvidenceError(AuditDeskError):
    """An evidence file that cannot be stored or read, in one sentence."""


class UploadCancelled(EvidenceError):
    """The user cancelled an upload or a download; nothing was kept."""

    def __init__(self) -> None:
        super().__init__("Cancelled; nothing was kept.")


@dataclass(frozen=True)
class Attachment:
    """One stored evidence file (its metadata; the bytes are read by streaming)."""

    id: int
    tenant_id: int
    observation_id: int
    action_id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: int | None
    uploaded_by_name: str | None
    uploaded_at: datetime

    @property
    def uploader(self) -> str:
        return self.uploaded_by_name or "Workspace owner"


def size_text(size: int) -> str:
    """A size as people read it: 512 bytes, 3.4 KB, 12.0 MB (1 KB = 1,024 bytes)."""
    if size < 1024:
        return f"{size:,} byte" + ("" if size == 1 else "s")
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an evidence file, or None when it can."""
    if not name or not name.strip():
        return "The file name is empty."
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        return "The file name is not valid UTF-8; rename the file first."
    if len(name) > MAX_FILE_NAME_CHARS:
        return f"The file name is {len(name):,} characters long; at most 255 are allowed."
    if "/" in name or "\\" in name:
        return "The file name must not contain / or \\ (a path separator)."
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "The file name must not contain control characters (such as tab or newline)."
    if name in (".", ".."):
        return "The file name must be a name, not . or .."
    return None


def check_file_name(name: str) -> None:
    problem = file_name_problem(name)
    if problem:
        raise EvidenceError(problem)


def check_size(name: str, size: int) -> None:
    """Refuse an empty file or one over ``MAX_FILE_BYTES``."""
    if size <= 0:
        raise EvidenceError(f"{name} is empty; there is nothing to keep as evidence.")
    if size > MAX_FILE_BYTES:
        raise EvidenceError(
            f"{name} is {size_text(size)}; evidence files may be at most 100 MB."
        )


def content_type_of(name: str) -> str:
    guessed = mimetypes.guess_type(name, strict=False)[0]
    return guessed or FALLBACK_CONTENT_TYPE


def changed_while_reading(name: str) -> EvidenceError:
    return EvidenceError(
        f"{name} changed while it was being uploaded; nothing was kept. Try again once "
        "the file is no longer being written."
    )


def vanished_while_reading(name: str) -> EvidenceError:
    return EvidenceError(
        f"{name} disappeared or could not be read while it was being uploaded; nothing "
        "was kept."
    )


def checksum_mismatch(name: str) -> EvidenceError:
    return EvidenceError(
        f"The stored copy of {name} does not match its checksum; it may be damaged. "
        "Nothing was saved."
    )
