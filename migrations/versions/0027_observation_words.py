"""Each finding's searchable words in a narrow table, for the repeat candidates.

See ``auditdesk.data.observation_words``: ``observation_words`` (tenant, id, identified
date, the finding's ``search_vector``) with an index on the date to walk newest first
and the GIN index to look words up, kept by triggers, filled here in date order. The
GIN index on ``observation.search_vector`` moves to it: nothing else searched it, and
every new row version of a finding no longer enters it.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

from auditdesk.data.observation_words import (
    TRIGGER_FUNCTIONS_SQL,
    TRIGGERS_SQL,
    recompute_observation_words,
)

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observation_words",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("words", TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("observation_words_pkey")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"], ["observation.tenant_id", "observation.id"],
            name=op.f("observation_words_tenant_id_id_fkey"), ondelete="CASCADE",
        ),
    )
    recompute_observation_words(op.get_bind())
    op.create_index(op.f("ix_observation_words_tenant_id_identified_on_id"), "observation_words",
                    ["tenant_id", "identified_on", "id"])
    op.execute("CREATE INDEX expr_observation_words_words ON public.observation_words USING gin (words)")
    op.execute("DROP INDEX public.expr_observation_search_vector")
    op.execute("ALTER TABLE public.observation_words ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY observation_words_read ON public.observation_words FOR SELECT "
        "USING (tenant_id = (SELECT public.auditdesk_login_tenant()))"
    )
    op.execute("REVOKE ALL ON public.observation_words FROM PUBLIC")
    for app_role in ("auditor", "manager", "admin"):
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            "EXECUTE format('GRANT SELECT ON public.observation_words TO %I', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )
    op.execute(TRIGGER_FUNCTIONS_SQL)
    op.execute(TRIGGERS_SQL)
    op.execute("ANALYZE public.observation_words")


def downgrade() -> None:
    op.execute("DROP TRIGGER observation_words_changed ON public.observation")
    op.execute("DROP TRIGGER observation_words_inserted ON public.observation")
    op.execute("DROP FUNCTION public.observation_words_changed()")
    op.execute("DROP FUNCTION public.observation_words_inserted()")
    op.execute("CREATE INDEX expr_observation_search_vector ON public.observation USING gin (search_vector)")
    op.drop_table("observation_words")
