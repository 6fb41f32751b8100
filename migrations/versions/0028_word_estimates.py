"""How many of the login's findings hold a word, as PostgreSQL's planner estimates it.

The repeat candidates ask for the probe's rarest words (``auditdesk.data.suggestions``).
How rare a word is came from ``pg_stats`` of the search vector, which row-level
security hides from every tenant login: on a login the candidates asked for every word
of the finding, and the newest few thousand findings sharing any of them were merely
the newest findings, however far back the repeat lay. ``auditdesk_word_estimates``
gives, for each one-word text query, the planner's estimate of the rows a search of
``observation_words`` would return, planned as the caller (its row-level security
included, so for a tenant login its tenant's share): the statistics are used, never
shown, and an estimate is what any login's own ``EXPLAIN`` already gives.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION public.auditdesk_word_estimates(queries text[])
RETURNS TABLE (lexeme_query text, findings real)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    plan json;
BEGIN
    FOREACH lexeme_query IN ARRAY coalesce(queries, '{}') LOOP
        EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM public.observation_words '
                       'WHERE words @@ %L::tsquery', lexeme_query) INTO plan;
        findings := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::real;
        RETURN NEXT;
    END LOOP;
END
$$""")


def downgrade() -> None:
    op.execute("DROP FUNCTION public.auditdesk_word_estimates(text[])")
