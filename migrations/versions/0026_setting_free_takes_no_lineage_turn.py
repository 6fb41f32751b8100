"""Setting a finding free of its link takes no turn at the tenant's lineage counter.

``observation_lineage_guard`` makes every transaction that links findings, or moves an
identified date under a link, take the tenant's ``lineage`` counter row once, so that
two such changes cannot each pass the cycle and date checks against a state the other
is changing. A link set to NULL with the identified date unchanged can create no cycle
and put no repeat before its original: it returns at once, as an unchanged link does.
The 100 repeats a deleted original sets free each asked for the counter (about 5 ms).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

from auditdesk.db.function_edits import edit_function

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

EDITS = (
    (
        "    IF TG_OP = 'UPDATE' AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id\n"
        "       AND NEW.identified_on IS NOT DISTINCT FROM OLD.identified_on THEN",
        "    IF TG_OP = 'UPDATE' AND (NEW.repeat_of_id IS NULL\n"
        "                            OR NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id)\n"
        "       AND NEW.identified_on IS NOT DISTINCT FROM OLD.identified_on THEN",
    ),
)


def upgrade() -> None:
    edit_function(op.get_bind(), "observation_lineage_guard", EDITS)


def downgrade() -> None:
    edit_function(op.get_bind(), "observation_lineage_guard", EDITS, reverse=True)
