"""Evidence files: ``attachment`` (what a file is) and ``attachment_chunk`` (its bytes).

The bytes live in ordinary rows under the tenant walls, never in large objects
(``pg_largeobject`` has no row-level security, so any login could read them): each file
is split into chunks of at most 1 MiB (``attachment_chunk``, ``seq`` 0, 1, …), stored
``EXTERNAL`` (out of line, not compressed: evidence is mostly PDFs, images and office
files, already compressed, and trying to compress them again costs time for nothing).

Rules PostgreSQL keeps, whoever sends the SQL:

* **Whole or nothing.** An upload is one transaction: the ``attachment`` row, then its
  chunks. A deferred constraint trigger checks at commit that the chunks are numbered
  0..n-1 and their bytes add up to ``size_bytes``; chunks may be written only in the
  transaction that created their attachment (a committed file never grows or changes),
  and never updated. A failed or cancelled upload rolls back and leaves nothing.
* **Who.** ``uploaded_by`` and ``uploaded_at`` are set by a trigger from the login (the
  schema owner's ``auditdesk.app_user_id`` hint, as in the audit trail); no login may
  write them. Uploading follows the rule for editing the finding
  (``auditdesk_may_edit_finding``: managers and admins, auditors on engagements they lead
  or belong to); removing goes through ``auditdesk_remove_attachment`` (no login holds a
  DELETE privilege): the uploader while they may still edit the finding, or a manager
  or admin.
* **Walls.** Row-level security as every tenant table (migration 0008): enabled, not
  forced, one permissive policy per command led by the tenant. The chunk insert policy
  also requires the attachment to be the login's own.
* **Audit.** ``attachment`` is audited by ``audit_row_change`` (upload and removal, its
  metadata); the chunks are not (the audit trail never holds the bytes).
* **Nothing orphaned.** Deleting a finding deletes its attachments and their chunks
  (foreign keys, cascading; each removal is audited). An attachment may name the action
  it proves (``action_id``, an action of the same finding); deleting the action sets it
  to NULL: the evidence belongs to the finding, and dropping an action from the plan
  must not destroy what proves the fix.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
ROLES = ("auditor", "manager", "admin")
TENANT = "(SELECT public.auditdesk_login_tenant())"
MAX_BYTES = 100 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
# No path separators (either kind), no control characters, not "." or "..".
FILE_NAME_RULE = (
    "char_length(file_name) BETWEEN 1 AND 255 AND file_name !~ '[/\\\\[:cntrl:]]' "
    "AND file_name NOT IN ('.', '..') AND btrim(file_name) <> ''"
)

FUNCTIONS = rf"""
-- May the signed-in person attach files to this finding? The rule for editing it
-- (migration 0011's test); the schema owner bypasses the policies anyway, and saying so
-- lets the client ask first.
CREATE FUNCTION public.auditdesk_may_attach(p_tenant bigint, p_observation bigint)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT EXISTS (SELECT 1 FROM public.observation o
                    WHERE o.tenant_id = p_tenant AND o.id = p_observation)
       AND (public.auditdesk_is_owner()
            OR public.auditdesk_may_edit_observation(p_tenant, p_observation))
$$;

-- May the signed-in person write a chunk of this attachment? Only of their own.
CREATE FUNCTION public.auditdesk_may_write_chunk(p_tenant bigint, p_attachment bigint)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT EXISTS (SELECT 1 FROM public.attachment a
                    WHERE a.tenant_id = p_tenant AND a.id = p_attachment
                      AND a.uploaded_by = public.auditdesk_login_user())
$$;

-- Who uploaded and when: the login's person (the owner's hint only from the owner).
CREATE FUNCTION public.attachment_set_uploader() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    NEW.uploaded_by := public.auditdesk_acting_user(NEW.tenant_id);  -- migration 0011
    NEW.uploaded_at := clock_timestamp();
    IF NEW.action_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM public.remediation_action a
            WHERE a.tenant_id = NEW.tenant_id AND a.id = NEW.action_id
              AND a.observation_id = NEW.observation_id) THEN
        RAISE EXCEPTION 'the action is not one of this finding''s actions'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'attachment_action_of_finding_check';
    END IF;
    RETURN NEW;
END
$$;

-- A committed attachment is whole: chunks 0..n-1 holding exactly size_bytes.
CREATE FUNCTION public.attachment_complete_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    stored bigint;
    pieces bigint;
    last_seq integer;
BEGIN
    SELECT coalesce(sum(octet_length(c.data)), 0), count(*), max(c.seq)
      INTO stored, pieces, last_seq
      FROM public.attachment_chunk c
     WHERE c.tenant_id = NEW.tenant_id AND c.attachment_id = NEW.id;
    IF NOT EXISTS (SELECT 1 FROM public.attachment a
                    WHERE a.tenant_id = NEW.tenant_id AND a.id = NEW.id) THEN
        RETURN NULL;  -- removed again in the same transaction
    END IF;
    IF stored <> NEW.size_bytes OR pieces <> coalesce(last_seq + 1, 0) THEN
        RAISE EXCEPTION 'attachment % is incomplete: % of % bytes stored', NEW.id, stored,
            NEW.size_bytes
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attachment_complete_check';
    END IF;
    RETURN NULL;
END
$$;

-- Chunks are written only by the transaction that created their attachment.
CREATE FUNCTION public.attachment_chunk_same_upload() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the bytes of a stored attachment never change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attachment_chunk_same_upload_check';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.attachment a
                    WHERE a.tenant_id = NEW.tenant_id AND a.id = NEW.attachment_id
                      AND a.xmin::text = (pg_catalog.pg_current_xact_id()::xid)::text) THEN
        RAISE EXCEPTION 'chunks may be added only while their attachment is uploaded'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'attachment_chunk_same_upload_check';
    END IF;
    RETURN NEW;
END
$$;

-- Removing evidence: the uploader while they may edit the finding, or a manager/admin.
CREATE FUNCTION public.auditdesk_remove_attachment(p_tenant bigint, p_id bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    target public.attachment;
BEGIN
    SELECT * INTO target FROM public.attachment a
     WHERE a.tenant_id = p_tenant AND a.id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT (public.auditdesk_is_owner()
                         OR public.auditdesk_login_tenant() IS NOT DISTINCT FROM p_tenant) THEN
        RETURN false;
    END IF;
    IF NOT public.auditdesk_is_owner()
       AND public.auditdesk_login_role() NOT IN ('manager', 'admin')
       AND NOT (target.uploaded_by = public.auditdesk_login_user()
                AND public.auditdesk_may_attach(p_tenant, target.observation_id)) THEN
        RAISE EXCEPTION 'permission denied: only its uploader, a manager or an admin may '
            'remove an evidence file' USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM public.attachment WHERE tenant_id = p_tenant AND id = p_id;
    RETURN true;
END
$$;
"""

FUNCTION_SIGNATURES = (
    "auditdesk_remove_attachment(bigint, bigint)",
    "attachment_chunk_same_upload()",
    "attachment_complete_check()",
    "attachment_set_uploader()",
    "auditdesk_may_write_chunk(bigint, bigint)",
    "auditdesk_may_attach(bigint, bigint)",
)


def _to_groups(statement: str, roles: tuple[str, ...] = ROLES) -> None:
    """Run ``statement`` (with ``%I`` for the role) for each existing group role."""
    for app_role in roles:
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            f"EXECUTE format('{statement}', public.auditdesk_group_role('{app_role}')); "
            "END IF; END $$"
        )


def _tables() -> None:
    op.create_table(
        "attachment",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("observation_id", sa.BigInteger(), nullable=False),
        sa.Column("action_id", sa.BigInteger(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("attachment_pkey")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("attachment_tenant_id_fkey"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "observation_id"], ["observation.tenant_id", "observation.id"],
            name=op.f("attachment_tenant_id_observation_id_fkey"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "action_id"], ["remediation_action.tenant_id", "remediation_action.id"],
            name=op.f("attachment_tenant_id_action_id_fkey"), ondelete="SET NULL (action_id)",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "uploaded_by"], ["app_user.tenant_id", "app_user.id"],
            name=op.f("attachment_tenant_id_uploaded_by_fkey"),
            ondelete="SET NULL (uploaded_by)",
        ),
        sa.CheckConstraint(FILE_NAME_RULE, name=op.f("attachment_file_name_check")),
        sa.CheckConstraint(f"size_bytes BETWEEN 1 AND {MAX_BYTES}",
                           name=op.f("attachment_size_check")),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("attachment_sha256_check")),
        sa.CheckConstraint(
            "char_length(content_type) BETWEEN 1 AND 255 AND content_type !~ '[[:cntrl:]]'",
            name=op.f("attachment_content_type_check"),
        ),
    )
    op.create_index(op.f("ix_attachment_tenant_id_observation_id"), "attachment",
                    ["tenant_id", "observation_id"])
    op.create_table(
        "attachment_chunk",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("attachment_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "attachment_id", "seq",
                                name=op.f("attachment_chunk_pkey")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "attachment_id"], ["attachment.tenant_id", "attachment.id"],
            name=op.f("attachment_chunk_tenant_id_attachment_id_fkey"), ondelete="CASCADE",
        ),
        sa.CheckConstraint("seq >= 0", name=op.f("attachment_chunk_seq_check")),
        sa.CheckConstraint(f"octet_length(data) BETWEEN 1 AND {CHUNK_BYTES}",
                           name=op.f("attachment_chunk_size_check")),
    )
    op.execute("ALTER TABLE public.attachment_chunk ALTER COLUMN data SET STORAGE EXTERNAL")


def _rules() -> None:
    op.execute(FUNCTIONS)
    op.execute(
        "CREATE TRIGGER attachment_set_uploader BEFORE INSERT ON public.attachment "
        "FOR EACH ROW EXECUTE FUNCTION public.attachment_set_uploader()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER attachment_complete_check AFTER INSERT "
        "ON public.attachment DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION public.attachment_complete_check()"
    )
    op.execute(
        "CREATE TRIGGER attachment_chunk_same_upload BEFORE INSERT OR UPDATE "
        "ON public.attachment_chunk "
        "FOR EACH ROW EXECUTE FUNCTION public.attachment_chunk_same_upload()"
    )
    op.execute(
        "CREATE TRIGGER audit_attachment AFTER INSERT OR UPDATE OR DELETE "
        "ON public.attachment FOR EACH ROW EXECUTE FUNCTION public.audit_row_change()"
    )


def _walls() -> None:
    """Row-level security and grants as migration 0008 gives every tenant table."""
    attach = f"tenant_id = {TENANT} AND public.auditdesk_may_attach(tenant_id, observation_id)"
    own = f"tenant_id = {TENANT} AND public.auditdesk_may_write_chunk(tenant_id, attachment_id)"
    for table, may_insert, columns in (
        ("attachment", attach,
         "tenant_id, observation_id, action_id, file_name, content_type, size_bytes, sha256"),
        ("attachment_chunk", own, "tenant_id, attachment_id, seq, data"),
    ):
        op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON public.{table} FROM PUBLIC")
        op.execute(f"CREATE POLICY {table}_read ON public.{table} FOR SELECT "
                   f"USING (tenant_id = {TENANT})")
        op.execute(f"CREATE POLICY {table}_insert ON public.{table} FOR INSERT "
                   f"WITH CHECK ({may_insert})")
        _to_groups(f"GRANT SELECT ON public.{table} TO %I")
        _to_groups(f"GRANT INSERT ({columns}) ON public.{table} TO %I")


def upgrade() -> None:
    _tables()
    _rules()
    _walls()


def downgrade() -> None:
    op.drop_table("attachment_chunk")
    op.drop_table("attachment")
    for signature in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION IF EXISTS public.{signature}")
