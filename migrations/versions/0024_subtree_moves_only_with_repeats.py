"""A finding's subtree is moved only when repeats hang below it.

``observation_move_subtree`` (a row trigger after a change of ``repeat_of_id`` that
moves the row's root or depth) ran its recursive UPDATE for every such row, below
which nothing may hang. An UPDATE of no rows still fires the table's statement
triggers (the audit trail, the dashboard's days, the tree summaries), each with its
transition tables: deleting a finding with 100 repeats, which sets the 100 links to
NULL, ran them 100 times more than it changed anything (about half its 110 ms at a
million findings). The function now returns at once when no finding repeats this one.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

from auditdesk.db.function_edits import edit_function

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

EDITS = (
    (
        "BEGIN\n    WITH RECURSIVE below(id, depth) AS (",
        "BEGIN\n"
        "    -- No repeat below: nothing to move, and no UPDATE (one of no rows would still\n"
        "    -- fire the table's statement triggers).\n"
        "    IF NOT EXISTS (SELECT 1 FROM public.observation o\n"
        "                    WHERE o.tenant_id = NEW.tenant_id AND o.repeat_of_id = NEW.id) THEN\n"
        "        RETURN NULL;\n"
        "    END IF;\n"
        "    WITH RECURSIVE below(id, depth) AS (",
    ),
)


def upgrade() -> None:
    edit_function(op.get_bind(), "observation_move_subtree", EDITS)


def downgrade() -> None:
    edit_function(op.get_bind(), "observation_move_subtree", EDITS, reverse=True)
