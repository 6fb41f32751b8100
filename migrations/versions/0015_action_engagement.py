"""Each action keeps its finding's engagement, so late actions are counted per engagement
from an index.

"My engagements" shows each engagement's overdue actions. Counting them went from the
tenant's late actions through their findings to the engagements: at 1,000,000 findings
(106,000 late actions) that join alone took 0.5 s of a 0.67 s query. Now every action
stores ``finding_engagement_id``, the engagement of its finding, kept by the database:

* a BEFORE trigger on ``remediation_action`` sets it from the finding on every insert
  and on every update of the finding, the tenant or the column itself (a direct write
  gets the true value back; the tenant's logins hold no privilege on the column either);
* an AFTER trigger on ``observation`` passes a finding's new engagement to its actions
  when the finding moves or its engagement is deleted (the foreign key sets it NULL).

It is derived, like the finding's action counts: it never makes a new version of the
action and is not an audited change. A partial index on the open actions by engagement
and due date makes each engagement's count a short index range (docs/architecture.md,
"At a million findings").

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditdesk.db.function_edits import edit_function

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
OPEN_ACTION = "status IN ('planned', 'in_progress')"

FUNCTIONS = rf"""
CREATE FUNCTION public.remediation_action_engagement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    SELECT o.engagement_id INTO NEW.finding_engagement_id FROM public.observation o
     WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.observation_id;
    RETURN NEW;
END
$$;

CREATE FUNCTION public.observation_action_engagement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.remediation_action a SET finding_engagement_id = NEW.engagement_id
     WHERE a.tenant_id = NEW.tenant_id AND a.observation_id = NEW.id
       AND a.finding_engagement_id IS DISTINCT FROM NEW.engagement_id;
    RETURN NULL;
END
$$;
"""

TRIGGERS = (
    "CREATE TRIGGER remediation_action_engagement BEFORE INSERT OR UPDATE OF "
    "observation_id, tenant_id, finding_engagement_id ON public.remediation_action "
    "FOR EACH ROW EXECUTE FUNCTION public.remediation_action_engagement()",
    "CREATE TRIGGER observation_action_engagement AFTER UPDATE OF engagement_id "
    "ON public.observation FOR EACH ROW "
    "WHEN (OLD.engagement_id IS DISTINCT FROM NEW.engagement_id) "
    "EXECUTE FUNCTION public.observation_action_engagement()",
)

# Derived: no new version of the action, no audited change (as the action counts).
AUDIT_EDITS = (("'open_action_due_min',", "'open_action_due_min', 'finding_engagement_id',"),)
TOUCH_EDITS = (("- 'open_action_due_min'", "- 'open_action_due_min' - 'finding_engagement_id'"),)

FILL = """
UPDATE public.remediation_action a SET finding_engagement_id = o.engagement_id
  FROM public.observation o
 WHERE o.tenant_id = a.tenant_id AND o.id = a.observation_id
   AND a.finding_engagement_id IS DISTINCT FROM o.engagement_id
"""


def upgrade() -> None:
    op.add_column("remediation_action", sa.Column("finding_engagement_id", sa.BigInteger()))
    edit_function(op.get_bind(), "audit_row_change", AUDIT_EDITS)
    edit_function(op.get_bind(), "touch_row_version", TOUCH_EDITS)
    op.execute("ALTER TABLE public.remediation_action DISABLE TRIGGER USER")
    op.execute(FILL)
    op.execute("ALTER TABLE public.remediation_action ENABLE TRIGGER USER")
    op.execute(FUNCTIONS)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(
        "CREATE INDEX expr_remediation_action_open_by_engagement ON public.remediation_action "
        f"(tenant_id, finding_engagement_id, due_date) WHERE {OPEN_ACTION}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX public.expr_remediation_action_open_by_engagement")
    op.execute("DROP TRIGGER observation_action_engagement ON public.observation")
    op.execute("DROP TRIGGER remediation_action_engagement ON public.remediation_action")
    op.execute("DROP FUNCTION public.observation_action_engagement()")
    op.execute("DROP FUNCTION public.remediation_action_engagement()")
    edit_function(op.get_bind(), "touch_row_version", TOUCH_EDITS, reverse=True)
    edit_function(op.get_bind(), "audit_row_change", AUDIT_EDITS, reverse=True)
    op.drop_column("remediation_action", "finding_engagement_id")
