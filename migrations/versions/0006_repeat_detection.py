"""Repeat detection: stored trees, a text-search vector, and ``repeat_suggestion``.

Trees at scale: every finding stores its ``root_id`` (its own id for an original), and
every original stores a summary of its tree — ``tree_size``, ``tree_depth``,
``tree_open`` (open findings in it), ``tree_reopened`` (a finding came back after the one
it repeats was closed) and ``tree_auditees`` — all zero/empty on a repeat. The triggers
that keep ``recurrence`` since 0004 keep them through links, moves, deletes and status
changes, so that "largest trees first", with its filters, is one index scan instead of
a recursive walk over every finding. A client cannot write these derived columns: a
direct write keeps the stored values.

Text search: ``search_vector`` is generated from title (weight A), condition (B) and
cause (C) with the 'english' configuration, indexed with GIN. Derived columns do not
bump a row's version and are left out of audit entries (the vector is not copied into
the audit log at all).

``repeat_suggestion`` holds proposed pairs (one row per pair). Both findings are
composite foreign keys with ON DELETE CASCADE: a proposal about a finding that no
longer exists means nothing, while its history stays in the audit log (the row is
audited like every tenant table). A decision is final — a rejected pair stays
rejected — and who decided and when are set by the database.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Must match auditdesk/db/models.py exactly.
SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, condition), 'B') || "
    "setweight(to_tsvector('english'::regconfig, cause), 'C')"
)

LINEAGE_LOCK = "pg_advisory_xact_lock(hashtextextended('auditdesk.lineage.' || NEW.tenant_id, 0))"

RECOMPUTE_ROOTS = """
WITH RECURSIVE chain(tenant_id, id, root_id) AS (
    SELECT tenant_id, id, id FROM observation WHERE repeat_of_id IS NULL
  UNION ALL
    SELECT o.tenant_id, o.id, chain.root_id FROM observation o
      JOIN chain ON o.tenant_id = chain.tenant_id AND o.repeat_of_id = chain.id
)
UPDATE observation o SET root_id = chain.root_id
  FROM chain
 WHERE o.tenant_id = chain.tenant_id AND o.id = chain.id
   AND o.root_id IS DISTINCT FROM chain.root_id
"""

SUMMARY_COLUMNS = ("tree_size", "tree_depth", "tree_open", "tree_reopened", "tree_auditees")

# One tree's summary from its members (by root_id), as a row source for an UPDATE.
TREE_SUMMARY = """
SELECT m.root_id, count(*) AS size, max(m.recurrence) AS depth,
       count(*) FILTER (WHERE m.status IN ('open', 'in_remediation', 'pending_validation')) AS open,
       coalesce(bool_or(p.closed_at IS NOT NULL AND m.identified_on > p.closed_at), false)
           AS reopened,
       coalesce(array_agg(DISTINCT e.auditee ORDER BY e.auditee)
                    FILTER (WHERE e.auditee IS NOT NULL), '{}') AS auditees
  FROM public.observation m
  LEFT JOIN public.observation p ON p.tenant_id = m.tenant_id AND p.id = m.repeat_of_id
  LEFT JOIN public.audit_engagement e ON e.tenant_id = m.tenant_id AND e.id = m.engagement_id
"""

ZERO_REPEATS = "UPDATE observation SET tree_size = 0 WHERE repeat_of_id IS NOT NULL"

RECOMPUTE_SUMMARIES = f"""
UPDATE observation o
   SET tree_size = s.size, tree_depth = s.depth, tree_open = s.open,
       tree_reopened = s.reopened, tree_auditees = s.auditees
  FROM ({TREE_SUMMARY} GROUP BY m.tenant_id, m.root_id) s
 WHERE o.id = s.root_id AND o.repeat_of_id IS NULL
"""

REFRESH_TREE = rf"""
CREATE FUNCTION observation_refresh_tree(tenant bigint, root bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public, pg_temp AS $$
    UPDATE public.observation o
       SET tree_size = s.size, tree_depth = s.depth, tree_open = s.open,
           tree_reopened = s.reopened, tree_auditees = s.auditees
      FROM ({TREE_SUMMARY} WHERE m.tenant_id = tenant AND m.root_id = root GROUP BY m.root_id) s
     WHERE o.tenant_id = tenant AND o.id = root AND o.repeat_of_id IS NULL
       AND (o.tree_size, o.tree_depth, o.tree_open, o.tree_reopened, o.tree_auditees)
           IS DISTINCT FROM (s.size, s.depth, s.open, s.reopened, s.auditees)
$$;
"""

SUMMARISE = r"""
CREATE FUNCTION observation_summarise_tree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
       AND NEW.repeat_of_id IS NOT DISTINCT FROM OLD.repeat_of_id
       AND NEW.status IS NOT DISTINCT FROM OLD.status
       AND NEW.closed_at IS NOT DISTINCT FROM OLD.closed_at
       AND NEW.engagement_id IS NOT DISTINCT FROM OLD.engagement_id THEN
        RETURN NULL;  -- a subtree being moved: the finding that moved it summarises
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM observation_refresh_tree(NEW.tenant_id, NEW.root_id);
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.root_id IS DISTINCT FROM
       (CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.root_id END) THEN
        PERFORM observation_refresh_tree(OLD.tenant_id, OLD.root_id);
    END IF;
    RETURN NULL;
END
$$;
"""

ENGAGEMENT_AUDITEE = r"""
CREATE FUNCTION audit_engagement_summarise_trees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM observation_refresh_tree(NEW.tenant_id, r.root_id)
       FROM (SELECT DISTINCT root_id FROM observation
              WHERE tenant_id = NEW.tenant_id AND engagement_id = NEW.id) r;
    RETURN NULL;
END
$$;
"""

SET_OWN = rf"""
CREATE OR REPLACE FUNCTION observation_set_recurrence() RETURNS trigger LANGUAGE plpgsql AS $$
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
        NEW.root_id := NEW.id;
        IF TG_OP = 'UPDATE' THEN
            PERFORM {LINEAGE_LOCK};
        END IF;  -- its summary follows from the members (observation_summarise_tree)
    ELSE
        SELECT recurrence + 1, root_id INTO NEW.recurrence, NEW.root_id FROM observation
         WHERE tenant_id = NEW.tenant_id AND id = NEW.repeat_of_id;
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

MOVE_SUBTREE = r"""
CREATE OR REPLACE FUNCTION observation_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH RECURSIVE below(id, depth) AS (
        SELECT id, NEW.recurrence + 1 FROM observation
         WHERE tenant_id = NEW.tenant_id AND repeat_of_id = NEW.id
      UNION ALL
        SELECT o.id, below.depth + 1 FROM observation o
          JOIN below ON o.tenant_id = NEW.tenant_id AND o.repeat_of_id = below.id
    )
    UPDATE observation o SET recurrence = below.depth, root_id = NEW.root_id
      FROM below
     WHERE o.tenant_id = NEW.tenant_id AND o.id = below.id
       AND (o.recurrence <> below.depth OR o.root_id IS DISTINCT FROM NEW.root_id);
    RETURN NULL;
END
$$;
"""

# The 0004 definitions, restored by downgrade.
SET_OWN_0004 = r"""
CREATE OR REPLACE FUNCTION observation_set_recurrence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.repeat_of_id IS NULL THEN
        NEW.recurrence := 0;
    ELSE
        SELECT recurrence + 1 INTO NEW.recurrence FROM observation
         WHERE tenant_id = NEW.tenant_id AND id = NEW.repeat_of_id;
        NEW.recurrence := coalesce(NEW.recurrence, 0);
    END IF;
    RETURN NEW;
END
$$;
"""

MOVE_SUBTREE_0004 = r"""
CREATE OR REPLACE FUNCTION observation_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH RECURSIVE below(id, depth) AS (
        SELECT id, NEW.recurrence + 1 FROM observation
         WHERE tenant_id = NEW.tenant_id AND repeat_of_id = NEW.id
      UNION ALL
        SELECT o.id, below.depth + 1 FROM observation o
          JOIN below ON o.tenant_id = NEW.tenant_id AND o.repeat_of_id = below.id
    )
    UPDATE observation o SET recurrence = below.depth
      FROM below
     WHERE o.tenant_id = NEW.tenant_id AND o.id = below.id AND o.recurrence <> below.depth;
    RETURN NULL;
END
$$;
"""

# The audit and row-version functions are edited where they stand (whatever earlier
# migrations made of them), by exact replacements that downgrade reverses.
AUDIT_EDITS = (
    (
        "IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;",
        "IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - 'search_vector'; END IF;",
    ),
    (
        "IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;",
        "IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - 'search_vector'; END IF;",
    ),
    (
        "AND n.key <> 'recurrence';",
        "AND n.key NOT IN ('recurrence', 'root_id', 'tree_size', 'tree_depth', 'tree_open',"
        " 'tree_reopened', 'tree_auditees');",
    ),
)
TOUCH_EDITS = (
    (
        "- 'recurrence'",
        "- 'recurrence' - 'root_id' - 'tree_size' - 'tree_depth' - 'tree_open' - 'tree_reopened'"
        " - 'tree_auditees' - 'search_vector'",
    ),
)

DECISION_RULES = r"""
CREATE FUNCTION repeat_suggestion_decision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.status := 'pending';
        NEW.decided_by := NULL;
        NEW.decided_at := NULL;
        RETURN NEW;
    END IF;
    IF NEW.observation_id IS DISTINCT FROM OLD.observation_id
       OR NEW.candidate_id IS DISTINCT FROM OLD.candidate_id THEN
        RAISE EXCEPTION 'a repeat suggestion cannot change its pair'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'repeat_suggestion_decision_check';
    END IF;
    IF OLD.status <> 'pending' THEN
        IF NEW.status IS DISTINCT FROM OLD.status OR NEW.score IS DISTINCT FROM OLD.score
           OR NEW.reasons IS DISTINCT FROM OLD.reasons
           OR NEW.decided_by IS DISTINCT FROM OLD.decided_by
           OR NEW.decided_at IS DISTINCT FROM OLD.decided_at THEN
            RAISE EXCEPTION 'repeat suggestion % was already %', OLD.id, OLD.status
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'repeat_suggestion_decision_check';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status = 'pending' THEN
        NEW.decided_by := NULL;
        NEW.decided_at := NULL;
    ELSE
        -- who decided: the login's own user on a server, else the session's acting user
        NEW.decided_by := coalesce(
            (SELECT u.id FROM public.app_user u
              WHERE u.db_login = session_user AND u.tenant_id = NEW.tenant_id),
            nullif(current_setting('auditdesk.app_user_id', true), '')::bigint);
        NEW.decided_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;
"""


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


def upgrade() -> None:
    op.add_column("observation", sa.Column("root_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "observation",
        sa.Column("tree_size", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column(
        "observation",
        sa.Column("tree_depth", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "observation",
        sa.Column("tree_open", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "observation",
        sa.Column("tree_reopened", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "observation",
        sa.Column(
            "tree_auditees",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
    )
    op.add_column(
        "observation",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_VECTOR, persisted=True),
            nullable=True,
        ),
    )
    op.create_check_constraint(
        op.f("observation_tree_size_non_negative_check"), "observation", "tree_size >= 0"
    )
    op.execute("ALTER TABLE observation DISABLE TRIGGER USER")
    op.execute(RECOMPUTE_ROOTS)
    op.execute(ZERO_REPEATS)
    op.execute(RECOMPUTE_SUMMARIES)
    op.execute("ALTER TABLE observation ENABLE TRIGGER USER")
    op.create_index(
        op.f("ix_observation_tenant_id_root_id_id"),
        "observation",
        ["tenant_id", "root_id", "id"],
        unique=False,
    )
    # Largest trees first: originals that have repeats, by size.
    op.execute(
        "CREATE INDEX expr_observation_largest_trees ON observation "
        "(tenant_id, tree_size DESC, id) INCLUDE (tree_depth, tree_open, tree_reopened, tree_auditees) "
        "WHERE repeat_of_id IS NULL AND tree_size >= 2"
    )
    op.execute(
        "CREATE INDEX expr_observation_search_vector ON observation USING gin (search_vector)"
    )
    op.execute(SET_OWN)
    op.execute(MOVE_SUBTREE)
    op.execute(REFRESH_TREE)
    op.execute(SUMMARISE)
    op.execute(ENGAGEMENT_AUDITEE)
    op.execute("DROP TRIGGER observation_set_recurrence ON observation")
    op.execute(
        "CREATE TRIGGER observation_set_recurrence "
        "BEFORE INSERT OR UPDATE OF repeat_of_id, recurrence, root_id, "
        + ", ".join(SUMMARY_COLUMNS)
        + " ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_set_recurrence()"
    )
    op.execute("DROP TRIGGER observation_move_subtree ON observation")
    op.execute(
        "CREATE TRIGGER observation_move_subtree "
        "AFTER UPDATE OF repeat_of_id ON observation "
        "FOR EACH ROW WHEN (OLD.recurrence IS DISTINCT FROM NEW.recurrence "
        "OR OLD.root_id IS DISTINCT FROM NEW.root_id) "
        "EXECUTE FUNCTION observation_move_subtree()"
    )
    op.execute(
        "CREATE TRIGGER observation_summarise_tree AFTER INSERT OR DELETE OR UPDATE OF "
        "repeat_of_id, root_id, recurrence, status, closed_at, identified_on, engagement_id "
        "ON observation FOR EACH ROW EXECUTE FUNCTION observation_summarise_tree()"
    )
    op.execute(
        "CREATE TRIGGER audit_engagement_summarise_trees AFTER UPDATE OF auditee "
        "ON audit_engagement FOR EACH ROW WHEN (OLD.auditee IS DISTINCT FROM NEW.auditee) "
        "EXECUTE FUNCTION audit_engagement_summarise_trees()"
    )
    _edit_function("audit_row_change", AUDIT_EDITS)
    _edit_function("touch_row_version", TOUCH_EDITS)

    op.create_table(
        "repeat_suggestion",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("observation_id", sa.BigInteger(), nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Numeric(4, 3), nullable=False),
        sa.Column(
            "reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected')",
            name=op.f("repeat_suggestion_status_check"),
        ),
        sa.CheckConstraint(
            "score >= 0 AND score <= 1", name=op.f("repeat_suggestion_score_range_check")
        ),
        sa.CheckConstraint(
            "observation_id <> candidate_id", name=op.f("repeat_suggestion_distinct_pair_check")
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("repeat_suggestion_decided_at_matches_status_check"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(reasons) = 'array'", name=op.f("repeat_suggestion_reasons_list_check")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("repeat_suggestion_tenant_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "observation_id"],
            ["observation.tenant_id", "observation.id"],
            name=op.f("repeat_suggestion_tenant_id_observation_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "candidate_id"],
            ["observation.tenant_id", "observation.id"],
            name=op.f("repeat_suggestion_tenant_id_candidate_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "decided_by"],
            ["app_user.tenant_id", "app_user.id"],
            name=op.f("repeat_suggestion_tenant_id_decided_by_fkey"),
            ondelete="SET NULL (decided_by)",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("repeat_suggestion_pkey")),
        sa.UniqueConstraint(
            "tenant_id",
            "observation_id",
            "candidate_id",
            name=op.f("repeat_suggestion_tenant_id_observation_id_candidate_id_key"),
        ),
    )
    op.create_index(
        op.f("ix_repeat_suggestion_tenant_id_status_score_id"),
        "repeat_suggestion",
        ["tenant_id", "status", "score", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_repeat_suggestion_tenant_id_candidate_id"),
        "repeat_suggestion",
        ["tenant_id", "candidate_id"],
        unique=False,
    )
    op.execute(DECISION_RULES)
    op.execute(
        "CREATE TRIGGER repeat_suggestion_decision BEFORE INSERT OR UPDATE ON repeat_suggestion "
        "FOR EACH ROW EXECUTE FUNCTION repeat_suggestion_decision()"
    )
    op.execute(
        "CREATE TRIGGER audit_repeat_suggestion AFTER INSERT OR UPDATE OR DELETE "
        "ON repeat_suggestion FOR EACH ROW EXECUTE FUNCTION audit_row_change()"
    )
    op.execute("ALTER TABLE repeat_suggestion ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY repeat_suggestion_tenant_isolation ON repeat_suggestion "
        "USING (tenant_id = auditdesk_login_tenant()) "
        "WITH CHECK (tenant_id = auditdesk_login_tenant())"
    )


def downgrade() -> None:
    op.execute("DROP TABLE repeat_suggestion")
    op.execute("DROP FUNCTION repeat_suggestion_decision()")
    _edit_function("touch_row_version", TOUCH_EDITS, reverse=True)
    _edit_function("audit_row_change", AUDIT_EDITS, reverse=True)
    op.execute("DROP TRIGGER audit_engagement_summarise_trees ON audit_engagement")
    op.execute("DROP FUNCTION audit_engagement_summarise_trees()")
    op.execute("DROP TRIGGER observation_summarise_tree ON observation")
    op.execute("DROP FUNCTION observation_summarise_tree()")
    op.execute("DROP FUNCTION observation_refresh_tree(bigint, bigint)")
    op.execute("DROP TRIGGER observation_move_subtree ON observation")
    op.execute("DROP TRIGGER observation_set_recurrence ON observation")
    op.execute(SET_OWN_0004)
    op.execute(MOVE_SUBTREE_0004)
    op.execute(
        "CREATE TRIGGER observation_set_recurrence "
        "BEFORE INSERT OR UPDATE OF repeat_of_id ON observation "
        "FOR EACH ROW EXECUTE FUNCTION observation_set_recurrence()"
    )
    op.execute(
        "CREATE TRIGGER observation_move_subtree "
        "AFTER UPDATE OF repeat_of_id ON observation "
        "FOR EACH ROW WHEN (OLD.recurrence IS DISTINCT FROM NEW.recurrence) "
        "EXECUTE FUNCTION observation_move_subtree()"
    )
    op.execute("DROP INDEX expr_observation_search_vector")
    op.execute("DROP INDEX expr_observation_largest_trees")
    op.drop_index(op.f("ix_observation_tenant_id_root_id_id"), table_name="observation")
    op.drop_constraint(
        op.f("observation_tree_size_non_negative_check"), "observation", type_="check"
    )
    op.drop_column("observation", "search_vector")
    for column in reversed(SUMMARY_COLUMNS):
        op.drop_column("observation", column)
    op.drop_column("observation", "root_id")
