"""Evidence files of a finding (docs/architecture.md, "Evidence files").

``upload.py`` streams a file in, ``download.py`` streams it out (save as, a temporary
copy to open), both verifying the SHA-256; here: the list, whether the signed-in person
may add or remove, and removal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from auditdesk.data import attachments as data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import NotFoundError, PermissionDenied
from auditdesk.domain.evidence import Attachment
from auditdesk.domain.records import Actor
from auditdesk.services.evidence.download import save, stored, temporary_copy
from auditdesk.services.evidence.upload import checked_file, upload

__all__ = [
    "EvidenceList", "checked_file", "finding_with_most_files", "list_for", "remove", "removal_refusal", "save",
    "stored", "temporary_copy", "upload",
]


finding_with_most_files = data.finding_with_most_files


@dataclass(frozen=True)
class EvidenceList:
    """A finding's evidence files and what the signed-in person may do with them."""

    attachments: tuple[Attachment, ...]
    may_add: bool


def list_for(session: Session, actor: Actor, observation_id: int) -> EvidenceList:
    return EvidenceList(
        tuple(data.list_attachments(session, actor.tenant_id, observation_id)),
        data.may_attach(session, actor.tenant_id, observation_id),
    )


def removal_refusal(actor: Actor, attachment: Attachment, may_add: bool) -> str | None:
    """Why ``actor`` may not remove ``attachment`` (None when they may): the uploader
    while they may edit the finding, or a manager or admin (the database's rule)."""
    if actor.role in (Role.MANAGER, Role.ADMIN) or (actor.user_id is None and actor.role is None):
        return None
    if attachment.uploaded_by == actor.user_id and actor.user_id is not None and may_add:
        return None
    return "Only the person who uploaded it, a manager or an admin may remove this file."


def remove(session: Session, actor: Actor, attachment_id: int) -> Outcome[Attachment]:
    """Remove one evidence file and its bytes (the audit trail keeps its metadata)."""
    attachment = data.get_attachment(session, actor.tenant_id, attachment_id)
    if attachment is None:
        raise NotFoundError("The evidence file was already removed.")
    refusal = removal_refusal(
        actor, attachment, data.may_attach(session, actor.tenant_id, attachment.observation_id)
    )
    if refusal:
        raise PermissionDenied(refusal)
    if not data.remove_attachment(session, actor, attachment_id):
        raise NotFoundError("The evidence file was already removed.")
    return Outcome(attachment, Changes.of(Table.ATTACHMENT, [attachment_id]))
