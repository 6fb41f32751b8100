"""The dashboard's figures per tenant and day, kept by triggers: a capture reads them.

A capture computed the ten counters of ``auditdesk.data.metrics`` over every finding of
the tenant: 1.0-1.5 s at a million findings, 1.4-2.4 s when twenty people work at once.
``tenant_figure_day`` keeps, per tenant and day, the change of each counter on that day
over the findings as they are now (``auditdesk.data.figure_days``); the figures as of a
day are the sums up to it, a few thousand rows.

* Statement triggers on ``observation`` (transition tables) add the new rows' events
  and take away the old rows' ones; an edit that changes no state writes nothing.
* A change of ``tenant.time_zone`` moves the day each finding was closed: the tenant's
  days are recomputed.
* Like the tallies of 0009: the tenant's logins read it, only these SECURITY DEFINER
  functions write it, and it is not audited (it follows audited changes).

The SQL is generated from the metric definitions as they stand at this revision; a
change of the metrics (a new ``METRICS_VERSION``) replaces the functions in a migration.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditdesk.data.figure_days import (
    TRIGGER_FUNCTIONS,
    recompute_figure_days,
    trigger_functions_sql,
)
from auditdesk.data.metrics import COUNTER_NAMES

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_EVENTS = {
    "observation_figures_inserted": ("INSERT", "NEW TABLE AS new_rows"),
    "observation_figures_updated": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "observation_figures_deleted": ("DELETE", "OLD TABLE AS old_rows"),
}


def upgrade() -> None:
    op.create_table(
        "tenant_figure_day",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
          for name in COUNTER_NAMES),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("tenant_figure_day_pkey")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("tenant_figure_day_tenant_id_fkey"),
                                ondelete="CASCADE"),
    )
    op.execute("ALTER TABLE public.tenant_figure_day ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_figure_day_read ON public.tenant_figure_day FOR SELECT "
        "USING (tenant_id = (SELECT public.auditdesk_login_tenant()))"
    )
    op.execute("REVOKE ALL ON public.tenant_figure_day FROM PUBLIC")
    for app_role in ("auditor", "manager", "admin"):
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            "EXECUTE format('GRANT SELECT ON public.tenant_figure_day TO %I', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )
    op.execute(trigger_functions_sql())
    for function, (event, tables) in _EVENTS.items():
        op.execute(
            f"CREATE TRIGGER {function} AFTER {event} ON public.observation "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION public.{function}()"
        )
    op.execute(
        "CREATE TRIGGER tenant_figures_rezoned AFTER UPDATE OF time_zone ON public.tenant "
        "FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) "
        "EXECUTE FUNCTION public.tenant_figures_rezoned()"
    )
    recompute_figure_days(op.get_bind())


def downgrade() -> None:
    op.execute("DROP TRIGGER tenant_figures_rezoned ON public.tenant")
    for function in _EVENTS:
        op.execute(f"DROP TRIGGER {function} ON public.observation")
    for function in (*TRIGGER_FUNCTIONS, "tenant_figures_rezoned"):
        op.execute(f"DROP FUNCTION public.{function}()")
    op.drop_table("tenant_figure_day")
