"""A finding's version is decided by comparing rows, not two JSON images of them.

``touch_row_version`` (the BEFORE UPDATE trigger of every versioned table) turns the old
and the new row into jsonb, takes the derived columns away and compares the rest: about
0.11 ms a row for a finding's fifty columns, paid by every row of every update (the 100
repeats a deleted original sets free: 11 ms). Findings get their own function: the new
row with its derived columns put back to their old values is compared with the old row
as a row, field by field, which decides the same.

Which columns are derived is read from ``touch_row_version`` as it stands here, so both
functions leave out the same ones; a later migration that adds a derived column of
``observation`` edits both.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _derived_columns() -> list[str]:
    """The columns ``touch_row_version`` leaves out that ``observation`` has."""
    bind = op.get_bind()
    body = bind.execute(text("SELECT prosrc FROM pg_proc WHERE oid = 'public.touch_row_version()'::regprocedure")).scalar_one()
    compared = body[body.index("to_jsonb(NEW)"):body.index("IS DISTINCT FROM")]
    left_out = re.findall(r"- '(\w+)'", compared)
    columns = set(bind.execute(text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = 'observation'")).scalars())
    return [name for name in left_out if name in columns]


def upgrade() -> None:
    restored = "\n".join(f"    compared.{name} := OLD.{name};" for name in _derived_columns())
    op.execute(f"""
CREATE FUNCTION public.observation_touch_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    compared public.observation;
BEGIN
    NEW.created_at := OLD.created_at;
    -- The derived columns (kept by the triggers) and the generated search columns never
    -- make a new version: the new row with them as they were is compared with the old.
    compared := NEW;
{restored}
    IF compared IS DISTINCT FROM OLD THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := clock_timestamp();
    ELSE
        NEW.version := OLD.version;
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$""")
    op.execute("DROP TRIGGER touch_observation ON public.observation")
    op.execute("CREATE TRIGGER touch_observation BEFORE UPDATE ON public.observation "
               "FOR EACH ROW EXECUTE FUNCTION public.observation_touch_version()")


def downgrade() -> None:
    op.execute("DROP TRIGGER touch_observation ON public.observation")
    op.execute("CREATE TRIGGER touch_observation BEFORE UPDATE ON public.observation "
               "FOR EACH ROW EXECUTE FUNCTION public.touch_row_version()")
    op.execute("DROP FUNCTION public.observation_touch_version()")
