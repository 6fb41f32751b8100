"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:00:25.551116
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("old_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("changed_columns", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("db_login", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column("app_user_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("audit_log_action_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("audit_log_pkey")),
    )
    op.create_index(
        op.f("ix_audit_log_tenant_id_changed_at"),
        "audit_log",
        ["tenant_id", "changed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_log_tenant_id_table_name_row_id_changed_at"),
        "audit_log",
        ["tenant_id", "table_name", "row_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "tenant",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'", name=op.f("tenant_slug_format_check")
        ),
        sa.CheckConstraint(
            "char_length(btrim(name)) BETWEEN 1 AND 200", name=op.f("tenant_name_length_check")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("tenant_pkey")),
        sa.UniqueConstraint("slug", name=op.f("tenant_slug_key")),
    )
    op.create_table(
        "app_user",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), server_default=sa.text("'auditor'"), nullable=False),
        sa.Column("db_login", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint(
            "email ~ '^[^@[:space:]]+@[^@[:space:]]+$'", name=op.f("app_user_email_format_check")
        ),
        sa.CheckConstraint(
            "role IN ('auditor', 'manager', 'admin')", name=op.f("app_user_role_check")
        ),
        sa.CheckConstraint(
            "char_length(btrim(display_name)) BETWEEN 1 AND 200",
            name=op.f("app_user_display_name_length_check"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("app_user_tenant_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("app_user_pkey")),
        sa.UniqueConstraint("db_login", name=op.f("app_user_db_login_key")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("app_user_tenant_id_email_key")),
    )
    op.create_table(
        "dashboard_snapshot",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column(
            "captured_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), server_default=sa.text("'captured'"), nullable=False),
        sa.Column("metrics_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("open_total", sa.Integer(), nullable=False),
        sa.Column("open_critical", sa.Integer(), nullable=False),
        sa.Column("open_high", sa.Integer(), nullable=False),
        sa.Column("open_medium", sa.Integer(), nullable=False),
        sa.Column("open_low", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("closed_total", sa.Integer(), nullable=False),
        sa.Column("repeat_open", sa.Integer(), nullable=False),
        sa.Column("compliance_rate", sa.Numeric(precision=7, scale=6), nullable=True),
        sa.CheckConstraint(
            "source IN ('captured', 'backfilled')", name=op.f("dashboard_snapshot_source_check")
        ),
        sa.CheckConstraint(
            "compliance_rate BETWEEN 0 AND 1",
            name=op.f("dashboard_snapshot_compliance_range_check"),
        ),
        sa.CheckConstraint(
            "least(total, open_total, overdue, closed_total, repeat_open) >= 0",
            name=op.f("dashboard_snapshot_non_negative_check"),
        ),
        sa.CheckConstraint(
            "open_total = open_critical + open_high + open_medium + open_low",
            name=op.f("dashboard_snapshot_open_sum_check"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("dashboard_snapshot_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("dashboard_snapshot_pkey")),
        sa.UniqueConstraint(
            "tenant_id",
            "snapshot_date",
            name=op.f("dashboard_snapshot_tenant_id_snapshot_date_key"),
        ),
    )
    op.create_table(
        "tenant_counter",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("last_value", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("tenant_counter_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "name", name=op.f("tenant_counter_pkey")),
    )
    op.create_table(
        "audit_engagement",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("auditee", sa.Text(), nullable=False),
        sa.Column("lead_auditor_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'planned'"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'fieldwork', 'reporting', 'closed')",
            name=op.f("audit_engagement_status_check"),
        ),
        sa.CheckConstraint(
            "char_length(btrim(auditee)) BETWEEN 1 AND 120",
            name=op.f("audit_engagement_auditee_length_check"),
        ),
        sa.CheckConstraint(
            "char_length(btrim(code)) BETWEEN 2 AND 32",
            name=op.f("audit_engagement_code_length_check"),
        ),
        sa.CheckConstraint(
            "char_length(btrim(title)) BETWEEN 1 AND 200",
            name=op.f("audit_engagement_title_length_check"),
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("audit_engagement_period_order_check")
        ),
        sa.CheckConstraint(
            "planned_end >= planned_start", name=op.f("audit_engagement_planned_order_check")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "lead_auditor_id"],
            ["app_user.tenant_id", "app_user.id"],
            name=op.f("audit_engagement_tenant_id_lead_auditor_id_fkey"),
            ondelete="SET NULL (lead_auditor_id)",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("audit_engagement_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("audit_engagement_pkey")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("audit_engagement_tenant_id_code_key")),
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_auditee"),
        "audit_engagement",
        ["tenant_id", "auditee"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_lead_auditor_id"),
        "audit_engagement",
        ["tenant_id", "lead_auditor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_period_start"),
        "audit_engagement",
        ["tenant_id", "period_start"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_planned_end"),
        "audit_engagement",
        ["tenant_id", "planned_end"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_status"),
        "audit_engagement",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_engagement_tenant_id_title"),
        "audit_engagement",
        ["tenant_id", "title"],
        unique=False,
    )
    op.create_table(
        "engagement_member",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("engagement_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            name=op.f("engagement_member_tenant_id_engagement_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["app_user.tenant_id", "app_user.id"],
            name=op.f("engagement_member_tenant_id_user_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "engagement_id", "user_id", name=op.f("engagement_member_pkey")
        ),
    )
    op.create_index(
        op.f("ix_engagement_member_tenant_id_user_id"),
        "engagement_member",
        ["tenant_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "observation",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("condition", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("cause", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("effect", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("recommendation", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("management_response", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'draft'"), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("original_due_date", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("engagement_id", sa.BigInteger(), nullable=True),
        sa.Column("repeat_of_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status IN ('closed', 'risk_accepted')) = (closed_at IS NOT NULL)",
            name=op.f("observation_closed_at_matches_status_check"),
        ),
        sa.CheckConstraint(
            "severity IN ('critical', 'high', 'medium', 'low')",
            name=op.f("observation_severity_check"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'in_remediation', 'pending_validation', 'closed', 'risk_accepted')",
            name=op.f("observation_status_check"),
        ),
        sa.CheckConstraint(
            "char_length(btrim(title)) BETWEEN 1 AND 200",
            name=op.f("observation_title_length_check"),
        ),
        sa.CheckConstraint(
            "due_date >= identified_on", name=op.f("observation_due_after_identified_check")
        ),
        sa.CheckConstraint(
            "greatest(char_length(criteria), char_length(condition), char_length(cause), char_length(effect), char_length(recommendation), char_length(management_response)) <= 10000",
            name=op.f("observation_text_length_check"),
        ),
        sa.CheckConstraint(
            "original_due_date >= identified_on",
            name=op.f("observation_original_due_after_identified_check"),
        ),
        sa.CheckConstraint("repeat_of_id <> id", name=op.f("observation_not_self_repeat_check")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            name=op.f("observation_tenant_id_engagement_id_fkey"),
            ondelete="SET NULL (engagement_id)",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["app_user.tenant_id", "app_user.id"],
            name=op.f("observation_tenant_id_owner_id_fkey"),
            ondelete="SET NULL (owner_id)",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "repeat_of_id"],
            ["observation.tenant_id", "observation.id"],
            name=op.f("observation_tenant_id_repeat_of_id_fkey"),
            ondelete="SET NULL (repeat_of_id)",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("observation_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("observation_pkey")),
        sa.UniqueConstraint("tenant_id", "ref", name=op.f("observation_tenant_id_ref_key")),
    )
    op.create_index(
        op.f("ix_observation_tenant_id_closed_at_id"),
        "observation",
        ["tenant_id", "closed_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_due_date_id"),
        "observation",
        ["tenant_id", "due_date", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_engagement_id_id"),
        "observation",
        ["tenant_id", "engagement_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_identified_on_id"),
        "observation",
        ["tenant_id", "identified_on", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_owner_id_id"),
        "observation",
        ["tenant_id", "owner_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_repeat_of_id_id"),
        "observation",
        ["tenant_id", "repeat_of_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_severity"),
        "observation",
        ["tenant_id", "severity"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_status"),
        "observation",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_title_id"),
        "observation",
        ["tenant_id", "title", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_observation_tenant_id_updated_at_id"),
        "observation",
        ["tenant_id", "updated_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_observation_tenant_id_updated_at_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_title_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_status"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_severity"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_repeat_of_id_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_owner_id_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_identified_on_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_engagement_id_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_due_date_id"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_closed_at_id"), table_name="observation")
    op.drop_table("observation")
    op.drop_index(op.f("ix_engagement_member_tenant_id_user_id"), table_name="engagement_member")
    op.drop_table("engagement_member")
    op.drop_index(op.f("ix_audit_engagement_tenant_id_title"), table_name="audit_engagement")
    op.drop_index(op.f("ix_audit_engagement_tenant_id_status"), table_name="audit_engagement")
    op.drop_index(op.f("ix_audit_engagement_tenant_id_planned_end"), table_name="audit_engagement")
    op.drop_index(op.f("ix_audit_engagement_tenant_id_period_start"), table_name="audit_engagement")
    op.drop_index(
        op.f("ix_audit_engagement_tenant_id_lead_auditor_id"), table_name="audit_engagement"
    )
    op.drop_index(op.f("ix_audit_engagement_tenant_id_auditee"), table_name="audit_engagement")
    op.drop_table("audit_engagement")
    op.drop_table("tenant_counter")
    op.drop_table("dashboard_snapshot")
    op.drop_table("app_user")
    op.drop_table("tenant")
    op.drop_index(
        op.f("ix_audit_log_tenant_id_table_name_row_id_changed_at"), table_name="audit_log"
    )
    op.drop_index(op.f("ix_audit_log_tenant_id_changed_at"), table_name="audit_log")
    op.drop_table("audit_log")
