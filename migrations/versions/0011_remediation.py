"""Remediation: action plans, validations, risk acceptance that expires, due-date policy.

* ``remediation_action``: a finding's actions (owner, due date, status, progress).
  CHECKs tie ``done`` to ``completed_on`` and to 100 %; a trigger refuses a due date
  before the finding was identified (and an identification after an action's due date).
  Written by whoever may edit the finding (the same test as the finding's policy);
  deleted through ``auditdesk_delete_remediation_action``.
* ``observation.actions_total``, ``actions_done`` and ``open_action_due_min`` (the
  earliest due date of a planned or in-progress action): kept by a trigger on the
  actions, never a new version, left out of the audit entries' changed columns, never
  grantable. ``(tenant_id, open_action_due_min)`` is indexed, so "has overdue actions"
  is an index range.
* ``observation_validation``: inserted only (no login may update or delete one);
  ``validated_by`` and ``recorded_at`` are set by the database. Only a finding pending
  validation is validated, and never by its owner. A passed validation closes the
  finding, a failed one returns it to remediation — in the database, in the same
  statement.
* Status rules on ``observation`` (``observation_remediation_rules``, next to 0007's
  ``observation_role_rules``): no ``pending_validation`` while an action is open (the
  refusal names them); ``closed`` only with a passed validation recorded since the
  finding was submitted, or by a manager or an admin giving a ``closure_reason``;
  ``risk_accepted`` only by a manager or an admin with a justification and an expiry
  from tomorrow to three years ahead (the tenant's clock), ``risk_accepted_by`` set from
  the login; moving a due date later keeps ``original_due_date`` and needs a reason.
  The schema owner (the embedded single user, maintenance) passes the role checks as in
  0007 and is held to these rules by the service layer.
* ``auditdesk_expire_risk_acceptances(tenant)`` returns expired acceptances to open; the
  audit trail records those changes as the system's (``db_login = 'system'``).
* ``due_date_policy``: days per severity, seeded for the existing tenants; a tenant
  without a row reads the domain's defaults. Admins alone write it.

Grants and policies follow 0008 (see ``docs/architecture.md``, "Security model").

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from auditdesk.domain.enums import Severity

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
ROLES = ("auditor", "manager", "admin")
TENANT = "(SELECT public.auditdesk_login_tenant())"
ROLE = "(SELECT public.auditdesk_login_role())"
MAY_EDIT = (
    f"tenant_id = {TENANT} AND "
    "public.auditdesk_may_edit_observation(tenant_id, observation_id)"
)
ADMIN = f"tenant_id = {TENANT} AND {ROLE} = 'admin'"

ACTION_COUNTS = ("actions_total", "actions_done", "open_action_due_min")
ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled")
OPEN_ACTION = "status IN ('planned', 'in_progress')"

HELPERS = rf"""
CREATE FUNCTION public.auditdesk_may_edit_observation(p_tenant bigint, p_observation bigint)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT coalesce((SELECT public.auditdesk_may_edit_finding(o.tenant_id, o.engagement_id,
                                                              o.owner_id)
                       FROM public.observation o
                      WHERE o.tenant_id = p_tenant AND o.id = p_observation), false)
$$;

CREATE FUNCTION public.auditdesk_tenant_today(p_tenant bigint) RETURNS date
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT (now() AT TIME ZONE n.time_zone)::date FROM public.tenant n WHERE n.id = p_tenant
$$;

-- The person acting: the login's own; the schema owner's hint otherwise.
CREATE FUNCTION public.auditdesk_acting_user(p_tenant bigint) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER {PINNED} AS $$
DECLARE
    acting bigint;
    hint text;
BEGIN
    SELECT u.id INTO acting FROM public.app_user u
     WHERE u.db_login = session_user AND u.tenant_id = p_tenant;
    IF acting IS NULL AND public.auditdesk_is_owner() THEN
        hint := current_setting('auditdesk.app_user_id', true);
        IF hint ~ '^[0-9]{{1,18}}$' THEN
            SELECT u.id INTO acting FROM public.app_user u
             WHERE u.tenant_id = p_tenant AND u.id = hint::bigint;
        END IF;
    END IF;
    RETURN acting;
END
$$;

-- True while auditdesk_expire_risk_acceptances is running (it is on the call stack): its
-- changes are the system's. A login can create no function of that name to fake it.
CREATE FUNCTION public.auditdesk_is_system_change() RETURNS boolean
LANGUAGE plpgsql STABLE {PINNED} AS $$
DECLARE
    stack text;
BEGIN
    GET DIAGNOSTICS stack = PG_CONTEXT;
    RETURN stack ~ 'PL/pgSQL function (public\.)?auditdesk_expire_risk_acceptances\(bigint\)';
END
$$;
"""

# The stored counts of a finding's actions, from what is stored now.
ACTION_COUNT_FUNCTIONS = rf"""
CREATE FUNCTION public.observation_count_actions(p_tenant bigint, p_observation bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    -- Lock the finding first: the counts below are then read after any concurrent
    -- change of its actions committed (a new snapshot per statement).
    PERFORM 1 FROM public.observation o
     WHERE o.tenant_id = p_tenant AND o.id = p_observation FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;  -- the finding is being deleted (its actions cascade)
    END IF;
    UPDATE public.observation o
       SET actions_total = c.total, actions_done = c.done, open_action_due_min = c.due_min
      FROM (SELECT count(*)::integer AS total,
                   (count(*) FILTER (WHERE a.status = 'done'))::integer AS done,
                   min(a.due_date) FILTER (WHERE a.{OPEN_ACTION}) AS due_min
              FROM public.remediation_action a
             WHERE a.tenant_id = p_tenant AND a.observation_id = p_observation) c
     WHERE o.tenant_id = p_tenant AND o.id = p_observation
       AND (o.actions_total, o.actions_done, o.open_action_due_min)
           IS DISTINCT FROM (c.total, c.done, c.due_min);
END
$$;

CREATE FUNCTION public.remediation_action_counts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM public.observation_count_actions(OLD.tenant_id, OLD.observation_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.observation_id <> OLD.observation_id
                              OR NEW.tenant_id <> OLD.tenant_id) THEN
        PERFORM public.observation_count_actions(NEW.tenant_id, NEW.observation_id);
    END IF;
    RETURN NULL;
END
$$;
"""

ACTION_DATES = rf"""
CREATE FUNCTION public.remediation_action_dates() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    identified date;
    finding text;
BEGIN
    SELECT o.identified_on, o.ref INTO identified, finding FROM public.observation o
     WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.observation_id;
    IF FOUND AND NEW.due_date < identified THEN
        RAISE EXCEPTION 'action "%" cannot be due (%) before finding % was identified (%)',
            NEW.title, NEW.due_date, finding, identified
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'remediation_action_due_after_identified';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION public.observation_action_dates() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    early text;
BEGIN
    SELECT a.title INTO early FROM public.remediation_action a
     WHERE a.tenant_id = NEW.tenant_id AND a.observation_id = NEW.id
       AND a.due_date < NEW.identified_on
     ORDER BY a.due_date LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'finding % cannot be identified on % after its action "%" is due',
            NEW.ref, NEW.identified_on, early
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'remediation_action_due_after_identified';
    END IF;
    RETURN NULL;
END
$$;
"""

REMEDIATION_RULES = rf"""
CREATE FUNCTION public.observation_remediation_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    entering boolean := TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status;
    owner_session boolean := public.auditdesk_is_owner();
    today date := public.auditdesk_tenant_today(NEW.tenant_id);
    open_titles text;
BEGIN
    -- Set by the database only.
    IF TG_OP = 'INSERT' THEN
        NEW.validation_requested_at := NULL;
        NEW.risk_accepted_by := NULL;
    ELSE
        NEW.validation_requested_at := OLD.validation_requested_at;
        NEW.risk_accepted_by := OLD.risk_accepted_by;
    END IF;
    -- Leaving a status drops what belonged to it (the audit trail keeps it).
    IF TG_OP = 'UPDATE' AND entering THEN
        IF OLD.status = 'risk_accepted' THEN
            NEW.risk_accepted_until := NULL;
            NEW.risk_acceptance_reason := NULL;
            NEW.risk_accepted_by := NULL;
        END IF;
        IF OLD.status = 'closed' THEN
            NEW.closure_reason := NULL;
        END IF;
    END IF;

    IF NEW.status = 'pending_validation' AND entering THEN
        SELECT string_agg('"' || a.title || '"', ', ' ORDER BY a.due_date, a.id)
          INTO open_titles FROM public.remediation_action a
         WHERE a.tenant_id = NEW.tenant_id AND a.observation_id = NEW.id
           AND a.{OPEN_ACTION};
        IF open_titles IS NOT NULL THEN
            RAISE EXCEPTION 'finding % cannot be submitted for validation while actions are '
                'open: %', NEW.ref, open_titles
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'observation_actions_open_check';
        END IF;
        NEW.validation_requested_at := clock_timestamp();
    END IF;

    IF NEW.status = 'closed' AND entering AND NOT owner_session THEN
        IF NOT EXISTS (
            SELECT 1 FROM public.observation_validation v
             WHERE v.tenant_id = NEW.tenant_id AND v.observation_id = NEW.id
               AND v.result = 'passed' AND NEW.validation_requested_at IS NOT NULL
               AND v.recorded_at >= NEW.validation_requested_at) THEN
            IF coalesce(public.auditdesk_login_role() NOT IN ('manager', 'admin'), true) THEN
                RAISE EXCEPTION 'finding % can be closed only by a passed validation (or by a '
                    'manager or an admin giving a reason)', NEW.ref
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF coalesce(btrim(NEW.closure_reason), '') = '' THEN
                RAISE EXCEPTION 'closing finding % without a passed validation needs a reason',
                    NEW.ref
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'observation_closure_reason_check';
            END IF;
        END IF;
    END IF;

    IF NEW.status = 'risk_accepted' AND (entering
            OR NEW.risk_accepted_until IS DISTINCT FROM OLD.risk_accepted_until
            OR NEW.risk_acceptance_reason IS DISTINCT FROM OLD.risk_acceptance_reason) THEN
        PERFORM public.auditdesk_require_role(NEW.tenant_id, ARRAY['manager', 'admin'],
                                              'accept a risk');
        IF NOT owner_session OR NEW.risk_accepted_until IS NOT NULL THEN
            IF NEW.risk_accepted_until IS NULL OR NEW.risk_accepted_until <= today
               OR NEW.risk_accepted_until > (today + interval '3 years')::date THEN
                RAISE EXCEPTION 'a risk is accepted until a date from tomorrow (%) to three '
                    'years ahead (%)', today + 1, (today + interval '3 years')::date
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'observation_risk_accepted_until_check';
            END IF;
            IF coalesce(btrim(NEW.risk_acceptance_reason), '') = '' THEN
                RAISE EXCEPTION 'accepting the risk of finding % needs a justification', NEW.ref
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'observation_risk_acceptance_reason_check';
            END IF;
        END IF;
        NEW.risk_accepted_by := public.auditdesk_acting_user(NEW.tenant_id);
    END IF;

    -- A later due date on a raised finding is an extension: the first due date is kept.
    IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND OLD.due_date IS NOT NULL
       AND NEW.due_date > OLD.due_date THEN
        NEW.original_due_date := coalesce(OLD.original_due_date, OLD.due_date);
        IF NOT owner_session AND coalesce(btrim(NEW.due_date_extension_reason), '') = '' THEN
            RAISE EXCEPTION 'moving the due date of finding % later needs a reason', NEW.ref
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'observation_due_date_extension_reason_check';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
"""

VALIDATION_RULES = rf"""
CREATE FUNCTION public.observation_validation_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    finding public.observation;
BEGIN
    NEW.validated_by := public.auditdesk_acting_user(NEW.tenant_id);
    NEW.recorded_at := clock_timestamp();
    SELECT * INTO finding FROM public.observation o
     WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.observation_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports it
    END IF;
    IF finding.status IS DISTINCT FROM 'pending_validation' THEN
        RAISE EXCEPTION 'finding % is not pending validation', finding.ref
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'observation_validation_pending_check';
    END IF;
    IF NEW.validated_by IS NOT NULL AND NEW.validated_by = finding.owner_id THEN
        RAISE EXCEPTION 'the owner of finding % cannot validate it', finding.ref
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'observation_validation_not_owner_check';
    END IF;
    IF NEW.validated_on > public.auditdesk_tenant_today(NEW.tenant_id)
       OR NEW.validated_on < finding.identified_on THEN
        RAISE EXCEPTION 'a validation of % is dated between its identification (%) and today',
            finding.ref, finding.identified_on
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'observation_validation_date_check';
    END IF;
    RETURN NEW;
END
$$;

-- Passed closes the finding, failed returns it to remediation: in the same statement.
CREATE FUNCTION public.observation_validation_outcome() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.observation o
       SET status = CASE WHEN NEW.result = 'passed' THEN 'closed' ELSE 'in_remediation' END,
           closed_at = CASE WHEN NEW.result = 'passed' THEN clock_timestamp() END
     WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.observation_id;
    RETURN NULL;
END
$$;
"""

EXPIRE = rf"""
CREATE FUNCTION public.auditdesk_expire_risk_acceptances(p_tenant bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    expired integer;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['auditor', 'manager', 'admin'],
                                          'expire risk acceptances');
    UPDATE public.observation o SET status = 'open', closed_at = NULL
     WHERE o.tenant_id = p_tenant AND o.status = 'risk_accepted'
       AND o.risk_accepted_until < public.auditdesk_tenant_today(p_tenant);
    GET DIAGNOSTICS expired = ROW_COUNT;
    RETURN expired;
END
$$;
"""

DELETE_ACTION = rf"""
CREATE FUNCTION public.auditdesk_delete_remediation_action(p_tenant bigint, p_id bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    finding bigint;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['auditor', 'manager', 'admin'],
                                          'delete actions');
    SELECT a.observation_id INTO finding FROM public.remediation_action a
     WHERE a.tenant_id = p_tenant AND a.id = p_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF NOT public.auditdesk_is_owner()
       AND NOT public.auditdesk_may_edit_observation(p_tenant, finding) THEN
        RAISE EXCEPTION 'permission denied: this finding''s actions are not yours to delete'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM public.remediation_action WHERE tenant_id = p_tenant AND id = p_id;
    RETURN FOUND;
END
$$;
"""

NEW_FUNCTIONS = (
    "auditdesk_delete_remediation_action(bigint, bigint)",
    "auditdesk_expire_risk_acceptances(bigint)",
    "observation_validation_outcome()",
    "observation_validation_rules()",
    "observation_remediation_rules()",
    "observation_action_dates()",
    "remediation_action_dates()",
    "remediation_action_counts()",
    "observation_count_actions(bigint, bigint)",
    "auditdesk_is_system_change()",
    "auditdesk_acting_user(bigint)",
    "auditdesk_tenant_today(bigint)",
    "auditdesk_may_edit_observation(bigint, bigint)",
)

AUDIT_EDITS = (
    ("'repeat_of_ref',", "'repeat_of_ref', " + ", ".join(f"'{c}'" for c in ACTION_COUNTS) + ","),
    ("columns_changed, session_user,",
     "columns_changed,\n            CASE WHEN public.auditdesk_is_system_change() THEN 'system' "
     "ELSE session_user END,"),
    ("acting, clock_timestamp());",
     "CASE WHEN public.auditdesk_is_system_change() THEN NULL ELSE acting END, "
     "clock_timestamp());"),
)
# An expiry (the system's doing) reopens an accepted risk whoever's capture ran it.
ROLE_RULE_EDITS = (
    ("pg_trigger_depth() = 1 AND OLD.status = 'risk_accepted'",
     "pg_trigger_depth() = 1 AND OLD.status = 'risk_accepted'\n"
     "       AND NOT public.auditdesk_is_system_change()"),
)
TOUCH_EDITS = (
    ("- 'repeat_of_ref'", "- 'repeat_of_ref' " + " ".join(f"- '{c}'" for c in ACTION_COUNTS)),
)


def _edit_function(name: str, edits, *, reverse: bool = False) -> None:
    connection = op.get_bind()
    definition = connection.execute(
        sa.text("SELECT pg_get_functiondef(CAST(:name AS regprocedure))"), {"name": f"{name}()"}
    ).scalar_one()
    for old, new in edits:
        if reverse:
            old, new = new, old
        if old not in definition:
            raise RuntimeError(f"{name}() does not hold the expected text: {old!r}")
        definition = definition.replace(old, new)
    connection.exec_driver_sql(definition)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    ]


def _secure(table: str, inserters, updaters, insert_columns, update_columns,
            may_insert: str, may_update: str) -> None:
    """0008's pattern for one new table: RLS (not forced), one policy per command led by
    the tenant, SELECT for every group, column-level writes, the audit trigger."""
    op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON public.{table} FROM PUBLIC")
    op.execute(
        f"CREATE POLICY {table}_read ON public.{table} FOR SELECT USING (tenant_id = {TENANT})"
    )
    if inserters:
        op.execute(f"CREATE POLICY {table}_insert ON public.{table} FOR INSERT "
                   f"WITH CHECK ({may_insert})")
    if updaters:
        op.execute(f"CREATE POLICY {table}_update ON public.{table} FOR UPDATE "
                   f"USING ({may_update}) WITH CHECK ({may_update})")
    for app_role in ROLES:
        grants = [f"GRANT SELECT ON public.{table} TO %I"]
        if app_role in inserters:
            grants.append(f"GRANT INSERT ({', '.join(insert_columns)}) ON public.{table} TO %I")
        if app_role in updaters:
            grants.append(f"GRANT UPDATE ({', '.join(update_columns)}) ON public.{table} TO %I")
        for grant in grants:
            op.execute(
                f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
                f"EXECUTE format('{grant}', public.auditdesk_group_role('{app_role}')); "
                "END IF; END $$"
            )
    op.execute(
        f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON public.{table} "
        "FOR EACH ROW EXECUTE FUNCTION public.audit_row_change()"
    )


def _observation_grants(privilege: str, columns: list[str]) -> None:
    listed = ", ".join(columns)
    for app_role in ROLES:
        op.execute(
            f"DO $$ BEGIN IF public.auditdesk_group_role('{app_role}') IS NOT NULL THEN "
            f"EXECUTE format('{privilege} ({listed}) ON public.observation "
            f"{'TO' if privilege.startswith('GRANT') else 'FROM'} %I', "
            f"public.auditdesk_group_role('{app_role}')); END IF; END $$"
        )


OBSERVATION_TEXTS = ("risk_acceptance_reason", "closure_reason", "due_date_extension_reason")


def upgrade() -> None:
    op.execute(HELPERS)
    # -- observation: the new columns --------------------------------------------------------
    op.add_column("observation", sa.Column("risk_accepted_until", sa.Date(), nullable=True))
    op.add_column("observation", sa.Column("risk_accepted_by", sa.BigInteger(), nullable=True))
    for column in OBSERVATION_TEXTS:
        op.add_column("observation", sa.Column(column, sa.Text(), nullable=True))
    op.add_column("observation", sa.Column("validation_requested_at",
                                           sa.DateTime(timezone=True), nullable=True))
    for column in ("actions_total", "actions_done"):
        op.add_column("observation", sa.Column(column, sa.Integer(),
                                               server_default=sa.text("0"), nullable=False))
    op.add_column("observation", sa.Column("open_action_due_min", sa.Date(), nullable=True))
    op.create_foreign_key(
        op.f("observation_tenant_id_risk_accepted_by_fkey"), "observation", "app_user",
        ["tenant_id", "risk_accepted_by"], ["tenant_id", "id"],
        ondelete="SET NULL (risk_accepted_by)",
    )
    op.create_check_constraint(
        op.f("observation_reason_length_check"), "observation",
        "greatest(char_length(risk_acceptance_reason), char_length(closure_reason), "
        "char_length(due_date_extension_reason)) <= 2000",
    )
    op.create_check_constraint(
        op.f("observation_risk_fields_match_status_check"), "observation",
        "status = 'risk_accepted' OR (risk_accepted_until IS NULL AND "
        "risk_acceptance_reason IS NULL)",
    )
    op.create_check_constraint(
        op.f("observation_closure_reason_matches_status_check"), "observation",
        "status = 'closed' OR closure_reason IS NULL",
    )
    op.create_index(op.f("ix_observation_tenant_id_open_action_due_min"), "observation",
                    ["tenant_id", "open_action_due_min"])
    op.create_index(op.f("ix_observation_tenant_id_risk_accepted_until"), "observation",
                    ["tenant_id", "risk_accepted_until"])
    _observation_grants("GRANT INSERT", ["risk_accepted_until", *OBSERVATION_TEXTS])
    _observation_grants("GRANT UPDATE", ["risk_accepted_until", *OBSERVATION_TEXTS])

    # -- remediation_action ------------------------------------------------------------------
    op.create_table(
        "remediation_action",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("observation_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'planned'"), nullable=False),
        sa.Column("percent_complete", sa.Integer(), server_default=sa.text("0"),
                  nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("remediation_action_tenant_id_fkey")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "observation_id"], ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE", name=op.f("remediation_action_tenant_id_observation_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"], ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (owner_id)", name=op.f("remediation_action_tenant_id_owner_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("remediation_action_pkey")),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ACTION_STATUSES) + ")",
            name=op.f("remediation_action_status_check"),
        ),
        sa.CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200",
                           name=op.f("remediation_action_title_length_check")),
        sa.CheckConstraint("char_length(description) <= 10000",
                           name=op.f("remediation_action_description_length_check")),
        sa.CheckConstraint("percent_complete BETWEEN 0 AND 100",
                           name=op.f("remediation_action_percent_range_check")),
        sa.CheckConstraint("(status = 'done') = (completed_on IS NOT NULL)",
                           name=op.f("remediation_action_completed_on_matches_status_check")),
        sa.CheckConstraint("status <> 'done' OR percent_complete = 100",
                           name=op.f("remediation_action_done_is_complete_check")),
        sa.CheckConstraint("percent_complete < 100 OR status = 'done'",
                           name=op.f("remediation_action_complete_is_done_check")),
    )
    op.create_index(op.f("ix_remediation_action_tenant_id_observation_id_due_date"),
                    "remediation_action", ["tenant_id", "observation_id", "due_date"])
    op.create_index(op.f("ix_remediation_action_tenant_id_owner_id"),
                    "remediation_action", ["tenant_id", "owner_id"])
    op.create_index(op.f("ix_remediation_action_tenant_id_status_due_date"),
                    "remediation_action", ["tenant_id", "status", "due_date"])
    action_columns = ["tenant_id", "observation_id", "title", "description", "owner_id",
                      "due_date", "status", "percent_complete", "completed_on"]
    _secure("remediation_action", ROLES, ROLES, action_columns,
            [c for c in action_columns if c not in ("tenant_id", "observation_id")],
            MAY_EDIT, MAY_EDIT)
    op.execute(
        "CREATE TRIGGER touch_remediation_action BEFORE UPDATE ON public.remediation_action "
        "FOR EACH ROW EXECUTE FUNCTION public.touch_row_version()"
    )

    # -- observation_validation --------------------------------------------------------------
    op.create_table(
        "observation_validation",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("observation_id", sa.BigInteger(), nullable=False),
        sa.Column("validated_on", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("validated_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True),
                  server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("observation_validation_tenant_id_fkey")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "observation_id"], ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
            name=op.f("observation_validation_tenant_id_observation_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "validated_by"], ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (validated_by)",
            name=op.f("observation_validation_tenant_id_validated_by_fkey"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("observation_validation_pkey")),
        sa.CheckConstraint("result IN ('passed', 'failed')",
                           name=op.f("observation_validation_result_check")),
        sa.CheckConstraint("char_length(notes) <= 10000",
                           name=op.f("observation_validation_notes_length_check")),
    )
    op.create_index(op.f("ix_observation_validation_tenant_id_observation_id_recorded_at"),
                    "observation_validation", ["tenant_id", "observation_id", "recorded_at"])
    _secure("observation_validation", ROLES, (),
            ["tenant_id", "observation_id", "validated_on", "result", "notes"], [],
            MAY_EDIT, MAY_EDIT)

    # -- due_date_policy ---------------------------------------------------------------------
    op.create_table(
        "due_date_policy",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("due_date_policy_tenant_id_fkey")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("due_date_policy_pkey")),
        sa.UniqueConstraint("tenant_id", "severity",
                            name=op.f("due_date_policy_tenant_id_severity_key")),
        sa.CheckConstraint(
            "severity IN (" + ", ".join(f"'{s.value}'" for s in Severity) + ")",
            name=op.f("due_date_policy_severity_check"),
        ),
        sa.CheckConstraint("days BETWEEN 1 AND 3650", name=op.f("due_date_policy_days_range_check")),
    )
    op.execute(
        "INSERT INTO public.due_date_policy (tenant_id, severity, days) "
        "SELECT t.id, d.severity, d.days FROM public.tenant t CROSS JOIN (VALUES "
        + ", ".join(f"('{s.value}', {s.default_due_days})" for s in Severity)
        + ") AS d(severity, days)"
    )
    _secure("due_date_policy", ("admin",), ("admin",), ["tenant_id", "severity", "days"],
            ["days"], ADMIN, ADMIN)
    op.execute(
        "CREATE TRIGGER touch_due_date_policy BEFORE UPDATE ON public.due_date_policy "
        "FOR EACH ROW EXECUTE FUNCTION public.touch_row_version()"
    )

    # -- functions and triggers --------------------------------------------------------------
    for statement in (ACTION_COUNT_FUNCTIONS, ACTION_DATES, REMEDIATION_RULES,
                      VALIDATION_RULES, EXPIRE, DELETE_ACTION):
        op.execute(statement)
    op.execute(
        "CREATE TRIGGER remediation_action_counts AFTER INSERT OR DELETE OR UPDATE OF "
        "status, due_date, observation_id, tenant_id ON public.remediation_action "
        "FOR EACH ROW EXECUTE FUNCTION public.remediation_action_counts()"
    )
    op.execute(
        "CREATE TRIGGER remediation_action_dates BEFORE INSERT OR UPDATE OF "
        "due_date, observation_id ON public.remediation_action "
        "FOR EACH ROW EXECUTE FUNCTION public.remediation_action_dates()"
    )
    op.execute(
        "CREATE TRIGGER observation_action_dates AFTER UPDATE OF identified_on "
        "ON public.observation FOR EACH ROW "
        "WHEN (NEW.identified_on > OLD.identified_on) "
        "EXECUTE FUNCTION public.observation_action_dates()"
    )
    op.execute(
        "CREATE TRIGGER observation_remediation_rules BEFORE INSERT OR UPDATE OF "
        "status, due_date, risk_accepted_until, risk_acceptance_reason, risk_accepted_by, "
        "closure_reason, validation_requested_at ON public.observation "
        "FOR EACH ROW EXECUTE FUNCTION public.observation_remediation_rules()"
    )
    op.execute(
        "CREATE TRIGGER observation_validation_rules BEFORE INSERT "
        "ON public.observation_validation "
        "FOR EACH ROW EXECUTE FUNCTION public.observation_validation_rules()"
    )
    op.execute(
        "CREATE TRIGGER observation_validation_outcome AFTER INSERT "
        "ON public.observation_validation "
        "FOR EACH ROW EXECUTE FUNCTION public.observation_validation_outcome()"
    )
    _edit_function("audit_row_change", AUDIT_EDITS)
    _edit_function("touch_row_version", TOUCH_EDITS)
    _edit_function("observation_role_rules", ROLE_RULE_EDITS)


def downgrade() -> None:
    _edit_function("observation_role_rules", ROLE_RULE_EDITS, reverse=True)
    _edit_function("touch_row_version", TOUCH_EDITS, reverse=True)
    _edit_function("audit_row_change", AUDIT_EDITS, reverse=True)
    op.execute("DROP TRIGGER observation_remediation_rules ON public.observation")
    op.execute("DROP TRIGGER observation_action_dates ON public.observation")
    for table in ("due_date_policy", "observation_validation", "remediation_action"):
        op.drop_table(table)
    for signature in NEW_FUNCTIONS:
        if signature.startswith("auditdesk_may_edit") or signature.startswith(
            ("auditdesk_tenant_today", "auditdesk_acting_user", "auditdesk_is_system")
        ):
            continue
        op.execute(f"DROP FUNCTION public.{signature}")
    op.drop_index(op.f("ix_observation_tenant_id_risk_accepted_until"), table_name="observation")
    op.drop_index(op.f("ix_observation_tenant_id_open_action_due_min"), table_name="observation")
    op.drop_constraint(op.f("observation_tenant_id_risk_accepted_by_fkey"), "observation",
                       type_="foreignkey")
    for column in ("open_action_due_min", "actions_done", "actions_total",
                   "validation_requested_at", *OBSERVATION_TEXTS, "risk_accepted_by",
                   "risk_accepted_until"):
        op.drop_column("observation", column)
    for signature in ("auditdesk_is_system_change()", "auditdesk_acting_user(bigint)",
                      "auditdesk_tenant_today(bigint)",
                      "auditdesk_may_edit_observation(bigint, bigint)"):
        op.execute(f"DROP FUNCTION public.{signature}")
