"""The trees that recurred after a close, largest first, from an index of their own.

The list of repeat trees walks ``expr_observation_largest_trees`` (migration 0006) in
size order and applies its filters to each root. The filters read columns the index
includes, but a plain index scan checks them on the table row, not the index entry, so
"recurred after close" — true of few trees — fetched about every root with repeats
before it had a page: 224 ms at 1,000,000 findings (PostgreSQL's own time 218 ms). A
partial index of just those roots, in the same order, makes the filter a short index
walk (see docs/architecture.md, "Speed at a million findings").

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX expr_observation_reopened_trees ON observation "
        "(tenant_id, tree_size DESC, id) INCLUDE (tree_depth, tree_open, tree_auditees) "
        "WHERE repeat_of_id IS NULL AND tree_size >= 2 AND tree_reopened"
    )


def downgrade() -> None:
    op.execute("DROP INDEX expr_observation_reopened_trees")
