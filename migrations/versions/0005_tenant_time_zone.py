"""Each tenant keeps its own clock: ``tenant.time_zone``, an IANA zone name.

Existing tenants get UTC (the date the snapshots and the report used until now). The
name must be one the server knows: a CHECK cannot look it up (``pg_timezone_names`` is
not immutable, and ``now() AT TIME ZONE`` also accepts POSIX rules such as ``XYZ+3``),
so a constraint trigger named ``tenant_time_zone_check`` looks the name up in
``pg_timezone_names`` on insert and on every change of the column, and refuses it as a
check violation under that name (it is listed in ``pg_constraint``, so the client maps
it to a field message like any other constraint).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHECK_ZONE = r"""
CREATE FUNCTION tenant_time_zone_known() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog AS $$
BEGIN
    IF NEW.time_zone !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$'
       OR NEW.time_zone ~ '^(posix|right)/'
       OR NEW.time_zone IN ('Factory', 'localtime', 'posixrules')
       OR NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
        RAISE EXCEPTION 'time zone "%" is not known', left(NEW.time_zone, 64)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tenant_time_zone_check',
                  TABLE = 'tenant', COLUMN = 'time_zone';
    END IF;
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    op.add_column(
        "tenant",
        sa.Column("time_zone", sa.Text(), server_default=sa.text("'UTC'"), nullable=False),
    )
    op.execute(CHECK_ZONE)
    op.execute(
        "CREATE CONSTRAINT TRIGGER tenant_time_zone_check "
        "AFTER INSERT OR UPDATE OF time_zone ON tenant "
        "FOR EACH ROW EXECUTE FUNCTION tenant_time_zone_known()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tenant_time_zone_check ON tenant")
    op.execute("DROP FUNCTION IF EXISTS tenant_time_zone_known()")
    op.drop_column("tenant", "time_zone")
