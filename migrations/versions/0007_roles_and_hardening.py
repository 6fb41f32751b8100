"""Functions and triggers that no statement a login can send gets around.

* Every function a policy or trigger calls names its tables with their schema and pins
  ``search_path = pg_catalog, public, pg_temp`` (``pg_temp`` last: PostgreSQL searches it
  first for tables otherwise).
* The audit trail is written by the trigger alone; the acting person is the one the
  login is mapped to, and the application's ``auditdesk.app_user_id`` hint counts only
  when the schema owner (the embedded single user, a service account) sends it.
* ``version``, ``updated_at``, ``created_at`` and the derived ``recurrence`` are set by
  the database: the touch trigger ignores what a client writes into them.
* The lineage guard checks after the statement (rows of one INSERT that point at each
  other are seen), and every link change in a tenant first updates that tenant's own
  ``tenant_counter`` row: concurrent changes queue there under READ COMMITTED and fail
  with a serialisation error under REPEATABLE READ / SERIALIZABLE, in any mix.
* Deletes, reference numbers and user management go through SECURITY DEFINER functions
  that check the caller's role, so that migration 0008 can leave every login without a
  table-level UPDATE or DELETE privilege (which would let it ``LOCK TABLE`` every tenant
  out).

See ``docs/architecture.md`` ("Security model").

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PINNED = "SET search_path = pg_catalog, public, pg_temp"
DERIVED = (
    "- 'updated_at' - 'version' - 'recurrence' - 'root_id' - 'tree_size' - 'tree_depth'"
    " - 'tree_open' - 'tree_reopened' - 'tree_auditees' - 'search_vector'"
)

HELPERS = rf"""
CREATE FUNCTION public.auditdesk_group_role_name(app_role text) RETURNS name
LANGUAGE sql STABLE {PINNED} AS $$
    SELECT CASE WHEN current_database() ~ '^[a-z_][a-z0-9_]{{0,47}}$'
                THEN current_database() || '_' || app_role
                ELSE 'auditdesk_' || d.oid || '_' || app_role END::name
      FROM pg_catalog.pg_database d WHERE d.datname = current_database()
$$;

CREATE FUNCTION public.auditdesk_group_role_tag(app_role text) RETURNS text
LANGUAGE sql STABLE {PINNED} AS $$
    SELECT 'auditdesk:' || d.oid || ':' || app_role
      FROM pg_catalog.pg_database d WHERE d.datname = current_database()
$$;

-- The group role of this database for an application role (found by its tag, so that
-- renaming the database keeps it); NULL when the roles could not be created.
CREATE FUNCTION public.auditdesk_group_role(app_role text) RETURNS name
LANGUAGE sql STABLE {PINNED} AS $$
    SELECT r.rolname FROM pg_catalog.pg_roles r
     WHERE pg_catalog.shobj_description(r.oid, 'pg_authid')
           = public.auditdesk_group_role_tag(app_role)
$$;

-- True when the connected login is (a member of) the owner of the schema.
CREATE FUNCTION public.auditdesk_is_owner() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT pg_catalog.pg_has_role(session_user, current_user, 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION public.auditdesk_login_tenant() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT u.tenant_id FROM public.app_user u WHERE u.db_login = session_user AND u.active
$$;

CREATE FUNCTION public.auditdesk_login_user() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT u.id FROM public.app_user u WHERE u.db_login = session_user AND u.active
$$;

CREATE FUNCTION public.auditdesk_login_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT u.role FROM public.app_user u WHERE u.db_login = session_user AND u.active
$$;

-- May the signed-in person create or change a finding with these values? Managers and
-- admins: anything in their tenant. Auditors: findings of engagements they lead or are a
-- member of, and findings with no engagement that are unowned or their own.
CREATE FUNCTION public.auditdesk_may_edit_finding(p_tenant bigint, p_engagement bigint,
                                                  p_owner bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT CASE
        WHEN u.role IN ('manager', 'admin') THEN true
        WHEN p_engagement IS NULL THEN p_owner IS NULL OR p_owner = u.id
        ELSE EXISTS (SELECT 1 FROM public.audit_engagement e
                      WHERE e.tenant_id = p_tenant AND e.id = p_engagement
                        AND e.lead_auditor_id = u.id)
          OR EXISTS (SELECT 1 FROM public.engagement_member m
                      WHERE m.tenant_id = p_tenant AND m.engagement_id = p_engagement
                        AND m.user_id = u.id)
        END
      FROM public.app_user u
     WHERE u.db_login = session_user AND u.active AND u.tenant_id = p_tenant
$$;

-- Raise unless the caller is the schema owner or an active person of p_tenant whose role
-- is one of p_roles.
CREATE FUNCTION public.auditdesk_require_role(p_tenant bigint, p_roles text[], p_what text)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF public.auditdesk_is_owner() THEN
        RETURN;
    END IF;
    IF public.auditdesk_login_tenant() IS DISTINCT FROM p_tenant
       OR NOT coalesce(public.auditdesk_login_role() = ANY (p_roles), false) THEN
        RAISE EXCEPTION 'permission denied: only % may %',
            array_to_string(p_roles, ' or '), p_what
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
"""

AUDIT_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION public.audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    columns_changed text[];
    row_key bigint;
    row_tenant bigint;
    acting bigint;
    hint text;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - 'search_vector'; END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - 'search_vector'; END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.key ORDER BY n.key) INTO columns_changed
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key
           AND n.key NOT IN ('recurrence', 'root_id', 'tree_size', 'tree_depth', 'tree_open',
                             'tree_reopened', 'tree_auditees');  -- derived: follow the links
        IF columns_changed IS NULL THEN
            RETURN NULL;  -- an update that changed nothing leaves no trace
        END IF;
    ELSE
        SELECT array_agg(k ORDER BY k) INTO columns_changed
          FROM jsonb_object_keys(coalesce(new_row, old_row)) AS k;
    END IF;
    row_key := coalesce(new_row, old_row) ->> 'id';
    row_tenant := CASE WHEN TG_TABLE_NAME = 'tenant' THEN row_key
                       ELSE (coalesce(new_row, old_row) ->> 'tenant_id')::bigint END;
    -- A person's login names the person; only the schema owner may name someone else.
    SELECT u.id INTO acting FROM public.app_user u WHERE u.db_login = session_user;
    IF acting IS NULL AND public.auditdesk_is_owner() THEN
        hint := current_setting('auditdesk.app_user_id', true);
        IF hint ~ '^[0-9]{{1,18}}$' THEN
            SELECT u.id INTO acting FROM public.app_user u
             WHERE u.tenant_id = row_tenant AND u.id = hint::bigint;
        END IF;
    END IF;
    INSERT INTO public.audit_log (table_name, row_id, tenant_id, action, old_values,
                                  new_values, changed_columns, db_login, app_user_id,
                                  changed_at)
    VALUES (TG_TABLE_NAME,
            coalesce(row_key, (coalesce(new_row, old_row) ->> 'engagement_id')::bigint),
            row_tenant, lower(TG_OP), old_row, new_row, columns_changed, session_user,
            acting, clock_timestamp());
    RETURN NULL;
END
$$;
"""

TOUCH_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION public.touch_row_version() RETURNS trigger
LANGUAGE plpgsql {PINNED} AS $$
BEGIN
    -- The derived columns (kept by observation_set_recurrence and the tree triggers) and
    -- the generated search vector never make a new version.
    NEW.created_at := OLD.created_at;
    IF to_jsonb(NEW) {DERIVED} IS DISTINCT FROM to_jsonb(OLD) {DERIVED} THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := clock_timestamp();
    ELSE
        NEW.version := OLD.version;
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;
"""

# Before the row is written: queue behind other link changes of the same tenant.
LINEAGE_LOCK = rf"""
CREATE OR REPLACE FUNCTION public.observation_lineage_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    taken boolean;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.repeat_of_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id
       AND NEW.identified_on IS NOT DISTINCT FROM OLD.identified_on THEN
        RETURN NEW;
    END IF;
    IF NEW.repeat_of_id = NEW.id THEN
        RAISE EXCEPTION 'observation % cannot be a repeat of itself', NEW.ref
            USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
    END IF;
    -- Only for a tenant the login may write (row-level security refuses the row anyway),
    -- so that nobody can hold another tenant's row.
    IF NEW.tenant_id IS DISTINCT FROM public.auditdesk_login_tenant()
       AND NOT public.auditdesk_is_owner() THEN
        RETURN NEW;
    END IF;
    -- Once per transaction: a row version this transaction wrote is already ours.
    SELECT c.xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text
      INTO taken FROM public.tenant_counter c
     WHERE c.tenant_id = NEW.tenant_id AND c.name = 'lineage';
    IF taken IS NOT TRUE THEN
        INSERT INTO public.tenant_counter AS c (tenant_id, name, last_value)
        VALUES (NEW.tenant_id, 'lineage', 1)
        ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = c.last_value + 1;
    END IF;
    RETURN NEW;
END
$$;
"""

# After the statement's rows are all written: the rules, on what is really stored.
LINEAGE_CHECK = rf"""
CREATE FUNCTION public.observation_lineage_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    earlier_ref text;
    earlier_identified date;
    later_ref text;
    cursor_id bigint;
    next_id bigint;
    steps integer := 0;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.identified_on IS DISTINCT FROM OLD.identified_on THEN
        SELECT o.ref INTO later_ref FROM public.observation o
         WHERE o.tenant_id = NEW.tenant_id AND o.repeat_of_id = NEW.id
           AND o.identified_on < NEW.identified_on
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'observation % cannot be identified after its repeat %',
                NEW.ref, later_ref
                USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
        END IF;
    END IF;
    IF NEW.repeat_of_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.ref, o.identified_on INTO earlier_ref, earlier_identified
      FROM public.observation o
     WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.repeat_of_id;
    IF NOT FOUND THEN
        RETURN NULL;  -- the composite foreign key reports the missing or foreign row
    END IF;
    IF earlier_identified > NEW.identified_on THEN
        RAISE EXCEPTION 'observation % (identified %) cannot repeat % (identified later, %)',
            NEW.ref, NEW.identified_on, earlier_ref, earlier_identified
            USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
    END IF;
    cursor_id := NEW.repeat_of_id;
    LOOP
        IF cursor_id = NEW.id THEN
            RAISE EXCEPTION 'linking % to % would make a cycle of repeats', NEW.ref, earlier_ref
                USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
        END IF;
        SELECT o.repeat_of_id INTO next_id FROM public.observation o
         WHERE o.tenant_id = NEW.tenant_id AND o.id = cursor_id;
        EXIT WHEN next_id IS NULL;
        cursor_id := next_id;
        steps := steps + 1;
        IF steps > 100000 THEN  -- only stored data written with triggers off gets here
            RAISE EXCEPTION 'the repeat chain above % is corrupt (a cycle)', NEW.ref
                USING ERRCODE = 'check_violation', CONSTRAINT = 'observation_lineage_check';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
"""

SET_RECURRENCE = rf"""
CREATE OR REPLACE FUNCTION public.observation_set_recurrence() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id THEN
        IF pg_trigger_depth() = 1 THEN
            -- a client writing derived columns directly: the stored values stand
            NEW.recurrence := OLD.recurrence;
            NEW.root_id := OLD.root_id;
            NEW.tree_size := OLD.tree_size;
            NEW.tree_depth := OLD.tree_depth;
            NEW.tree_open := OLD.tree_open;
            NEW.tree_reopened := OLD.tree_reopened;
            NEW.tree_auditees := OLD.tree_auditees;
        END IF;
        RETURN NEW;  -- otherwise the tree triggers below are moving them
    END IF;
    IF NEW.repeat_of_id IS NULL THEN
        NEW.recurrence := 0;
        NEW.root_id := NEW.id;  -- its summary follows from the members
    ELSE
        SELECT o.recurrence + 1, o.root_id INTO NEW.recurrence, NEW.root_id
          FROM public.observation o
         WHERE o.tenant_id = NEW.tenant_id AND o.id = NEW.repeat_of_id;
        NEW.recurrence := coalesce(NEW.recurrence, 0);
        NEW.tree_size := 0;
        NEW.tree_depth := 0;
        NEW.tree_open := 0;
        NEW.tree_reopened := false;
        NEW.tree_auditees := '{{}}';
    END IF;
    RETURN NEW;
END
$$;
"""

MOVE_SUBTREE = rf"""
CREATE OR REPLACE FUNCTION public.observation_move_subtree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    WITH RECURSIVE below(id, depth) AS (
        SELECT o.id, NEW.recurrence + 1 FROM public.observation o
         WHERE o.tenant_id = NEW.tenant_id AND o.repeat_of_id = NEW.id
      UNION ALL
        SELECT o.id, below.depth + 1 FROM public.observation o
          JOIN below ON o.tenant_id = NEW.tenant_id AND o.repeat_of_id = below.id
    ) CYCLE id SET looped USING path
    UPDATE public.observation o SET recurrence = below.depth, root_id = NEW.root_id
      FROM below
     WHERE o.tenant_id = NEW.tenant_id AND o.id = below.id AND NOT below.looped
       AND (o.recurrence <> below.depth OR o.root_id IS DISTINCT FROM NEW.root_id);
    RETURN NULL;
END
$$;
"""

SUMMARISE = rf"""
CREATE OR REPLACE FUNCTION public.observation_summarise_tree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
       AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id
       AND NEW.status IS NOT DISTINCT FROM OLD.status
       AND NEW.closed_at IS NOT DISTINCT FROM OLD.closed_at
       AND NEW.engagement_id IS NOT DISTINCT FROM OLD.engagement_id THEN
        RETURN NULL;  -- a subtree being moved: the finding that moved it summarises
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM public.observation_refresh_tree(NEW.tenant_id, NEW.root_id);
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.root_id IS DISTINCT FROM
       (CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.root_id END) THEN
        PERFORM public.observation_refresh_tree(OLD.tenant_id, OLD.root_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.audit_engagement_summarise_trees() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    PERFORM public.observation_refresh_tree(NEW.tenant_id, r.root_id)
       FROM (SELECT DISTINCT o.root_id FROM public.observation o
              WHERE o.tenant_id = NEW.tenant_id AND o.engagement_id = NEW.id) r;
    RETURN NULL;
END
$$;
"""

# Who decided a repeat suggestion: the login's own person; the owner's hint otherwise.
DECIDED_BY = (
    "public.auditdesk_login_user()",
    "CASE WHEN public.auditdesk_is_owner() THEN "
    "nullif(current_setting('auditdesk.app_user_id', true), '')::bigint END",
)

RISK_ACCEPTANCE = rf"""
CREATE FUNCTION public.observation_role_rules() RETURNS trigger
LANGUAGE plpgsql {PINNED} AS $$
BEGIN
    IF NEW.status = 'risk_accepted'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'risk_accepted') THEN
        PERFORM public.auditdesk_require_role(NEW.tenant_id, ARRAY['manager', 'admin'],
                                              'accept a risk');
    END IF;
    -- Reopening an accepted risk undoes a manager's decision.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() = 1 AND OLD.status = 'risk_accepted'
       AND NEW.status IS DISTINCT FROM 'risk_accepted' THEN
        PERFORM public.auditdesk_require_role(NEW.tenant_id, ARRAY['manager', 'admin'],
                                              'reopen an accepted risk');
    END IF;
    -- Anyone may link a finding that has no link; changing or clearing one is a
    -- manager's decision. Nested statements (a deleted original's repeats set free by
    -- the foreign key) are the database's own doing.
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() = 1 AND OLD.repeat_of_id IS NOT NULL
       AND NEW.repeat_of_id IS DISTINCT FROM OLD.repeat_of_id THEN
        PERFORM public.auditdesk_require_role(NEW.tenant_id, ARRAY['manager', 'admin'],
                                              'change or clear a repeat link');
    END IF;
    RETURN NEW;
END
$$;
"""

# Functions that stand in for privileges no login holds (table-level DELETE, app_user).
OPERATIONS = rf"""
CREATE FUNCTION public.auditdesk_next_number(p_tenant bigint, p_counter text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    value bigint;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['auditor', 'manager', 'admin'],
                                          'number findings');
    IF p_counter IS DISTINCT FROM 'observation' THEN
        RAISE EXCEPTION 'unknown counter %', p_counter USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO public.tenant_counter AS c (tenant_id, name, last_value)
    VALUES (p_tenant, p_counter, 1)
    ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = c.last_value + 1
    RETURNING c.last_value INTO value;
    -- A ref someone inserted by hand (or imported) is skipped, so that nobody can block
    -- numbering by taking the next refs: the counter moves past them for good.
    WHILE EXISTS (SELECT 1 FROM public.observation o
                   WHERE o.tenant_id = p_tenant
                     AND o.ref = 'OBS-' || lpad(value::text, greatest(6, length(value::text)), '0'))
    LOOP
        value := value + 1;
    END LOOP;
    UPDATE public.tenant_counter c SET last_value = value
     WHERE c.tenant_id = p_tenant AND c.name = p_counter AND c.last_value < value;
    RETURN value;
END
$$;

CREATE FUNCTION public.auditdesk_delete_observation(p_tenant bigint, p_id bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['manager', 'admin'],
                                          'delete findings');
    DELETE FROM public.observation WHERE tenant_id = p_tenant AND id = p_id;
    RETURN FOUND;
END
$$;

CREATE FUNCTION public.auditdesk_delete_engagement(p_tenant bigint, p_id bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['admin'], 'delete engagements');
    DELETE FROM public.audit_engagement WHERE tenant_id = p_tenant AND id = p_id;
    RETURN FOUND;
END
$$;

CREATE FUNCTION public.auditdesk_remove_members(p_tenant bigint, p_engagement bigint,
                                                p_users bigint[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    removed integer;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['admin'],
                                          'change engagement teams');
    DELETE FROM public.engagement_member
     WHERE tenant_id = p_tenant AND engagement_id = p_engagement AND user_id = ANY (p_users);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$;
"""

# People: a PostgreSQL login, its app_user row and one group role, kept together.
USERS = rf"""
CREATE FUNCTION public.auditdesk_create_user(p_tenant bigint, p_email text, p_name text,
                                             p_role text, p_login text, p_verifier text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    grp name := public.auditdesk_group_role(p_role);
    new_id bigint;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['admin'], 'manage users');
    IF p_role IS NULL OR p_role NOT IN ('auditor', 'manager', 'admin') THEN
        RAISE EXCEPTION 'role must be auditor, manager or admin'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF grp IS NULL THEN
        RAISE EXCEPTION 'this database has no AuditDesk group roles: its owner needs the '
            'CREATEROLE attribute to create them (run the migrations again afterwards)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{{0,62}}$' THEN
        RAISE EXCEPTION 'login must be 1 to 63 lowercase letters, digits and underscores, '
            'not starting with a digit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'a PostgreSQL login named % already exists; choose another', p_login
            USING ERRCODE = 'duplicate_object';
    END IF;
    IF p_verifier IS NULL
       OR p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'the password must arrive as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO public.app_user (tenant_id, email, display_name, role, db_login)
    VALUES (p_tenant, p_email, p_name, p_role, p_login) RETURNING id INTO new_id;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L CONNECTION LIMIT 12 IN ROLE %I',
                   p_login, p_verifier, grp);
    -- On each login: role settings of a group role do not apply to its members.
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', p_login, '5s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '30s');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_login, '120s');
    RETURN new_id;
END
$$;

CREATE FUNCTION public.auditdesk_set_user_role(p_tenant bigint, p_user bigint, p_role text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    target public.app_user;
    r text;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['admin'], 'manage users');
    IF p_role IS NULL OR p_role NOT IN ('auditor', 'manager', 'admin') THEN
        RAISE EXCEPTION 'role must be auditor, manager or admin'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO target FROM public.app_user WHERE tenant_id = p_tenant AND id = p_user
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user % in this tenant', p_user USING ERRCODE = 'no_data_found';
    END IF;
    IF target.db_login IS NOT DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'nobody may change their own role'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.app_user SET role = p_role WHERE tenant_id = p_tenant AND id = p_user;
    IF target.db_login IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = target.db_login) THEN
        FOREACH r IN ARRAY ARRAY['auditor', 'manager', 'admin'] LOOP
            IF public.auditdesk_group_role(r) IS NOT NULL THEN
                EXECUTE format(CASE WHEN r = p_role THEN 'GRANT %I TO %I'
                                    ELSE 'REVOKE %I FROM %I' END,
                               public.auditdesk_group_role(r), target.db_login);
            END IF;
        END LOOP;
    END IF;
END
$$;

CREATE FUNCTION public.auditdesk_disable_user(p_tenant bigint, p_user bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
DECLARE
    target public.app_user;
BEGIN
    PERFORM public.auditdesk_require_role(p_tenant, ARRAY['admin'], 'manage users');
    SELECT * INTO target FROM public.app_user WHERE tenant_id = p_tenant AND id = p_user
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user % in this tenant', p_user USING ERRCODE = 'no_data_found';
    END IF;
    IF target.db_login IS NOT DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'nobody may disable themselves'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.app_user SET active = false WHERE tenant_id = p_tenant AND id = p_user;
    IF target.db_login IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = target.db_login) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', target.db_login);
    END IF;
END
$$;
"""

NEW_FUNCTIONS = (
    "auditdesk_disable_user(bigint, bigint)",
    "auditdesk_set_user_role(bigint, bigint, text)",
    "auditdesk_create_user(bigint, text, text, text, text, text)",
    "auditdesk_remove_members(bigint, bigint, bigint[])",
    "auditdesk_delete_engagement(bigint, bigint)",
    "auditdesk_delete_observation(bigint, bigint)",
    "auditdesk_next_number(bigint, text)",
    "observation_role_rules()",
    "observation_lineage_check()",
    "auditdesk_require_role(bigint, text[], text)",
    "auditdesk_may_edit_finding(bigint, bigint, bigint)",
    "auditdesk_login_role()",
    "auditdesk_login_user()",
    "auditdesk_is_owner()",
    "auditdesk_group_role(text)",
    "auditdesk_group_role_tag(text)",
    "auditdesk_group_role_name(text)",
)

# Trigger functions whose bodies stay: only the search path is pinned (pg_temp last).
# signature -> the setting a downgrade restores (None: none)
PIN_ONLY = {
    "audit_log_read_only()": None,
    "audit_log_no_truncate()": None,
    "tenant_time_zone_known()": "pg_catalog",
}


def _earlier(filename: str):
    """An earlier migration's module, for the function texts a downgrade restores."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(f"auditdesk_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _replacing(sql: str) -> str:
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _deciding(rules: str) -> str:
    """0006's decision rules with the decider taken from the login (hint: owner only)."""
    old = (
        "(SELECT u.id FROM public.app_user u\n"
        "              WHERE u.db_login = session_user AND u.tenant_id = NEW.tenant_id),\n"
        "            nullif(current_setting('auditdesk.app_user_id', true), '')::bigint)"
    )
    if old not in rules:
        raise RuntimeError("repeat_suggestion_decision() is not 0006's text")
    return _replacing(rules.replace(old, ", ".join(DECIDED_BY) + ")"))


def upgrade() -> None:
    op.execute(HELPERS)
    for statement in (AUDIT_FUNCTION, TOUCH_FUNCTION, LINEAGE_LOCK, LINEAGE_CHECK,
                      SET_RECURRENCE, MOVE_SUBTREE, SUMMARISE, RISK_ACCEPTANCE, OPERATIONS,
                      USERS):
        op.execute(statement)
    op.execute(_deciding(_earlier("0006_repeat_detection.py").DECISION_RULES))
    for signature in PIN_ONLY:
        op.execute(f"ALTER FUNCTION public.{signature} {PINNED}")
    op.execute(
        "CREATE TRIGGER observation_lineage_check "
        "AFTER INSERT OR UPDATE OF repeat_of_id, identified_on ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_lineage_check()"
    )
    op.execute(
        "CREATE TRIGGER observation_role_rules "
        "BEFORE INSERT OR UPDATE OF status, repeat_of_id ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_role_rules()"
    )


def downgrade() -> None:
    triggers, security, recurrence = (
        _earlier("0002_triggers.py"),
        _earlier("0003_tenant_security.py"),
        _earlier("0004_stored_recurrence.py"),
    )
    op.execute("DROP TRIGGER IF EXISTS observation_role_rules ON observation")
    op.execute("DROP TRIGGER IF EXISTS observation_lineage_check ON observation")
    for signature in NEW_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS public.{signature}")
    for signature, setting in PIN_ONLY.items():
        if setting is None:
            op.execute(f"ALTER FUNCTION public.{signature} RESET search_path")
        else:
            op.execute(f"ALTER FUNCTION public.{signature} SET search_path = {setting}")
    # What 0006 made of them: 0004's texts with 0006's edits, and 0006's own functions.
    repeats = _earlier("0006_repeat_detection.py")
    op.execute(recurrence.AUDIT_IGNORING_RECURRENCE)
    op.execute(recurrence.TOUCH_IGNORING_RECURRENCE)
    repeats._edit_function("audit_row_change", repeats.AUDIT_EDITS)
    repeats._edit_function("touch_row_version", repeats.TOUCH_EDITS)
    op.execute(repeats.SET_OWN)
    op.execute(repeats.MOVE_SUBTREE)
    for definition in (repeats.SUMMARISE, repeats.ENGAGEMENT_AUDITEE, repeats.DECISION_RULES):
        op.execute(_replacing(definition))
    op.execute(_replacing(triggers.LINEAGE_GUARD))
    op.execute(_replacing(security.LOGIN_TENANT))
