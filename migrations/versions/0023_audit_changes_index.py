"""A partial index of the observations' audit records other than their insert.

A backfill rebuilt every finding's states from the trail and the current rows: 10-20 s
for 365 days at a million findings. It now starts from the days the triggers keep
(0022) and corrects only the findings changed since their insert; this index lists
those findings without reading the insert records, one per finding ever entered.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_audit_log_observation_changes ON public.audit_log (tenant_id, row_id) "
        "WHERE table_name = 'observation' AND action <> 'insert'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX public.ix_audit_log_observation_changes")
