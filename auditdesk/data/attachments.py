"""Evidence file rows: the attachment, its chunks written one by one and read back one
by one (a file is never whole in memory), and removal through
``auditdesk_remove_attachment`` (migration 0012; docs/architecture.md, "Evidence files").
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data.errors import translated_errors
from auditdesk.db.engine import actor as set_actor
from auditdesk.domain.evidence import Attachment
from auditdesk.domain.records import Actor

_COLUMNS = (
    "a.id, a.tenant_id, a.observation_id, a.action_id, a.file_name, a.content_type, "
    "a.size_bytes, a.sha256, a.uploaded_by, u.display_name AS uploaded_by_name, a.uploaded_at"
)
_FROM = (
    "FROM public.attachment a LEFT JOIN public.app_user u "
    "ON u.tenant_id = a.tenant_id AND u.id = a.uploaded_by"
)


def may_attach(session: Session, tenant_id: int, observation_id: int) -> bool:
    """Whether the signed-in login may add evidence to the finding (the database's rule)."""
    return bool(session.execute(
        text("SELECT public.auditdesk_may_attach(:tenant, :observation)"),
        {"tenant": tenant_id, "observation": observation_id},
    ).scalar_one())


def list_attachments(session: Session, tenant_id: int, observation_id: int) -> list[Attachment]:
    rows = session.execute(
        text(f"SELECT {_COLUMNS} {_FROM} WHERE a.tenant_id = :tenant "
             "AND a.observation_id = :observation ORDER BY a.uploaded_at, a.id"),
        {"tenant": tenant_id, "observation": observation_id},
    ).mappings()
    return [Attachment(**row) for row in rows]


def get_attachment(session: Session, tenant_id: int, attachment_id: int) -> Attachment | None:
    row = session.execute(
        text(f"SELECT {_COLUMNS} {_FROM} WHERE a.tenant_id = :tenant AND a.id = :id"),
        {"tenant": tenant_id, "id": attachment_id},
    ).mappings().one_or_none()
    return None if row is None else Attachment(**row)


def insert_attachment(
    session: Session,
    actor: Actor,
    observation_id: int,
    file_name: str,
    content_type: str,
    size_bytes: int,
    sha256: str,
    action_id: int | None = None,
) -> int:
    """The attachment row (the database sets who uploaded it and when); its chunks follow
    in the same transaction."""
    set_actor(session, actor.user_id)
    with translated_errors():
        return int(session.execute(
            text(
                "INSERT INTO public.attachment (tenant_id, observation_id, action_id, "
                "file_name, content_type, size_bytes, sha256) VALUES (:tenant, :observation, "
                ":action, :name, :type, :size, :sha) RETURNING id"
            ),
            {"tenant": actor.tenant_id, "observation": observation_id, "action": action_id,
             "name": file_name, "type": content_type, "size": size_bytes, "sha": sha256},
        ).scalar_one())


def insert_chunk(session: Session, tenant_id: int, attachment_id: int, seq: int,
                 data: bytes) -> None:
    with translated_errors():
        session.execute(
            text("INSERT INTO public.attachment_chunk (tenant_id, attachment_id, seq, data) "
                 "VALUES (:tenant, :attachment, :seq, :data)"),
            {"tenant": tenant_id, "attachment": attachment_id, "seq": seq, "data": data},
        )


def check_complete(session: Session) -> None:
    """Run the database's whole-file check now rather than at commit, so that a refusal
    comes back as the upload's own error (then deferred again for a next upload in the
    same transaction)."""
    with translated_errors():
        session.execute(text("SET CONSTRAINTS public.attachment_complete_check IMMEDIATE"))
    session.execute(text("SET CONSTRAINTS public.attachment_complete_check DEFERRED"))


def read_chunk(session: Session, tenant_id: int, attachment_id: int, seq: int) -> bytes | None:
    data = session.execute(
        text("SELECT data FROM public.attachment_chunk WHERE tenant_id = :tenant "
             "AND attachment_id = :attachment AND seq = :seq"),
        {"tenant": tenant_id, "attachment": attachment_id, "seq": seq},
    ).scalar_one_or_none()
    return None if data is None else bytes(data)


def remove_attachment(session: Session, actor: Actor, attachment_id: int) -> bool:
    """Remove one attachment and its chunks; False when it was already gone."""
    set_actor(session, actor.user_id)
    return bool(session.execute(
        text("SELECT public.auditdesk_remove_attachment(:tenant, :id)"),
        {"tenant": actor.tenant_id, "id": attachment_id},
    ).scalar_one())


def finding_with_most_files(session: Session, tenant_id: int) -> int | None:
    """The finding holding the most evidence files (the newest among equals)."""
    return session.execute(
        text("SELECT observation_id FROM public.attachment WHERE tenant_id = :tenant "
             "GROUP BY observation_id ORDER BY count(*) DESC, observation_id DESC LIMIT 1"),
        {"tenant": tenant_id},
    ).scalar_one_or_none()
