"""ORM models of the evidence files: ``attachment`` and its bytes in ``attachment_chunk``.

Kept beside ``models.py`` (which imports this module, so ``Base.metadata`` always holds
them); migration 0012 creates them, with the triggers and policies described in
docs/architecture.md ("Evidence files").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from auditdesk.db.models import Base
from auditdesk.domain.evidence import CHUNK_BYTES, MAX_FILE_BYTES

# Must match migration 0012 exactly (the database's form of the file-name rule).
FILE_NAME_RULE = (
    "char_length(file_name) BETWEEN 1 AND 255 AND file_name !~ '[/\\\\[:cntrl:]]' "
    "AND file_name NOT IN ('.', '..') AND btrim(file_name) <> ''"
)


class AttachmentRow(Base):
    """One evidence file of a finding; its bytes are the chunks."""

    __tablename__ = "attachment"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    observation_id: Mapped[int] = mapped_column(BigInteger)
    action_id: Mapped[int | None] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "observation_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "action_id"],
            ["remediation_action.tenant_id", "remediation_action.id"],
            ondelete="SET NULL (action_id)",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "uploaded_by"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (uploaded_by)",
        ),
        CheckConstraint(FILE_NAME_RULE, name="file_name"),
        CheckConstraint(f"size_bytes BETWEEN 1 AND {MAX_FILE_BYTES}", name="size"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        CheckConstraint(
            "char_length(content_type) BETWEEN 1 AND 255 AND content_type !~ '[[:cntrl:]]'",
            name="content_type",
        ),
        Index(None, "tenant_id", "observation_id"),
    )


class AttachmentChunkRow(Base):
    """At most ``CHUNK_BYTES`` of an attachment, in order of ``seq`` from 0."""

    __tablename__ = "attachment_chunk"

    tenant_id: Mapped[int] = mapped_column(BigInteger)
    attachment_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "attachment_id", "seq"),
        ForeignKeyConstraint(
            ["tenant_id", "attachment_id"],
            ["attachment.tenant_id", "attachment.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("seq >= 0", name="seq"),
        CheckConstraint(f"octet_length(data) BETWEEN 1 AND {CHUNK_BYTES}", name="size"),
    )
