"""Row triggers of findings that skip lookups with nothing to look up.

An import of 100,000 findings inserts them in statements of 5,000 rows; every row still
passes every row trigger (nothing is disabled). Measured per row with
``pg_stat_xact_user_functions`` (track_functions = all) and by CPU time of the backend
with one trigger at a time left out (see docs/architecture.md, "Import and export"):

* ``observation_sort_keys`` cost about 110 µs a row, a third of the whole insert: its one
  statement probed ``audit_engagement``, ``app_user`` and ``observation`` by index for
  every row, also when the finding has no owner or repeats nothing (the key is NULL and
  the copy can only be NULL). Each copy is now looked up only when its key is set.
* ``observation_remediation_rules`` asked the tenant's day (``auditdesk_tenant_today``)
  and whether the login owns the schema (``auditdesk_is_owner``) before its first test,
  for every row; both are SQL functions with a pinned search_path, so each call costs a
  function frame and a setting swap. They are now asked only in the branches that use
  them (closing without a validation, accepting a risk, moving a due date later).

Behaviour is unchanged: the same copies, the same errors for the same rows.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

from auditdesk.db.function_edits import edit_function

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"

_ENGAGEMENT_CODE = ("(SELECT e.code FROM public.audit_engagement e\n"
                    "      WHERE e.tenant_id = NEW.tenant_id AND e.id = NEW.engagement_id)")
_OWNER_NAME = ("(SELECT u.display_name FROM public.app_user u\n"
               "      WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.owner_id)")
_REPEAT_OF_REF = ("(SELECT p.ref FROM public.observation p\n"
                  "      WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.repeat_of_id)")

_HEAD = rf"""
CREATE OR REPLACE FUNCTION public.observation_sort_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN"""
_TAIL = """
    RETURN NEW;
END
$$;
"""

# A NULL key has a NULL copy: no statement is run for it.
SORT_KEYS = _HEAD + f"""
    IF NEW.engagement_id IS NULL THEN
        NEW.engagement_code := NULL;
    ELSE
        NEW.engagement_code := {_ENGAGEMENT_CODE};
    END IF;
    IF NEW.owner_id IS NULL THEN
        NEW.owner_name := NULL;
    ELSE
        NEW.owner_name := {_OWNER_NAME};
    END IF;
    IF NEW.repeat_of_id IS NULL THEN
        NEW.repeat_of_ref := NULL;
    ELSE
        NEW.repeat_of_ref := {_REPEAT_OF_REF};
    END IF;""" + _TAIL

# 0013's version (one statement for the three copies)
SORT_KEYS_0013 = _HEAD + f"""
    SELECT {_ENGAGEMENT_CODE},
           {_OWNER_NAME},
           {_REPEAT_OF_REF}
      INTO NEW.engagement_code, NEW.owner_name, NEW.repeat_of_ref;""" + _TAIL

# observation_remediation_rules: the owner test and the tenant's day where they are used.
REMEDIATION_EDITS = (
    ("    owner_session boolean := public.auditdesk_is_owner();\n"
     "    today date := public.auditdesk_tenant_today(NEW.tenant_id);\n",
     "    today date;  -- asked where it is used (0017)\n"),
    ("IF NEW.status = 'closed' AND entering AND NOT owner_session THEN",
     "IF NEW.status = 'closed' AND entering AND NOT public.auditdesk_is_owner() THEN"),
    ("        IF NOT owner_session OR NEW.risk_accepted_until IS NOT NULL THEN\n",
     "        today := public.auditdesk_tenant_today(NEW.tenant_id);\n"
     "        IF NOT public.auditdesk_is_owner() OR NEW.risk_accepted_until IS NOT NULL THEN\n"),
    ("IF NOT owner_session AND coalesce(btrim(NEW.due_date_extension_reason), '') = '' THEN",
     "IF NOT public.auditdesk_is_owner()\n"
     "           AND coalesce(btrim(NEW.due_date_extension_reason), '') = '' THEN"),
)


def upgrade() -> None:
    op.execute(SORT_KEYS)
    edit_function(op.get_bind(), "observation_remediation_rules", REMEDIATION_EDITS)


def downgrade() -> None:
    edit_function(op.get_bind(), "observation_remediation_rules", REMEDIATION_EDITS, reverse=True)
    op.execute(SORT_KEYS_0013)
