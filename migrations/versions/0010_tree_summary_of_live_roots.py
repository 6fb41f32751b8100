"""Tree summaries: refresh the tree a finding left only while its root still exists.

Deleting an original with N repeats sets N links to NULL (the foreign key); for each of
them the tree trigger summarised the old tree again — the tree of a root that had just
been deleted, N times over the N remaining members (0.5 s for 100 repeats). A tree whose
root is gone has nothing to summarise; each repeat's own new tree still is.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

EDITS = (
    (
        "(CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.root_id END) THEN",
        "(CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.root_id END)\n"
        "       AND EXISTS (SELECT 1 FROM public.observation r\n"
        "                    WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.root_id) THEN",
    ),
)


def _edit(reverse: bool = False) -> None:
    connection = op.get_bind()
    definition = connection.execute(
        sa.text("SELECT pg_get_functiondef('public.observation_summarise_tree()'::regprocedure)")
    ).scalar_one()
    for old, new in EDITS:
        if reverse:
            old, new = new, old
        if old not in definition:
            raise RuntimeError(f"observation_summarise_tree() does not hold {old!r}")
        definition = definition.replace(old, new)
    connection.exec_driver_sql(definition)


def upgrade() -> None:
    _edit()


def downgrade() -> None:
    _edit(reverse=True)
