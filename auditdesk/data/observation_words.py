"""Each finding's searchable words in a narrow table of their own (migration 0027).

The repeat candidates are the newest findings whose words match the probe's, ranked by
``ts_rank``. Walking the findings newest first through their wide rows (some fifty
columns, the texts themselves) read a table page per finding passed: 60-400 ms at a
million findings when the probe's words are common. ``observation_words`` keeps
``(tenant_id, id, identified_on, words)`` only — the words are the finding's
``search_vector`` — with the identified-date index to walk and the GIN index to look
words up, about a quarter of the size; rebuilt in date order, a walk reads the rows
of consecutive findings from the same pages.

A statement trigger adds the inserted findings' rows; a row trigger follows a change of
the words or the date; a deleted finding's row goes with it (its foreign key). Like the
tallies: the tenant's logins read it, only these SECURITY DEFINER functions write it,
and it is not audited (it follows audited changes). ``recompute_observation_words``
rebuilds a tenant's rows (the demo loader's bulk load, which pauses the triggers).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

PINNED = "SET search_path = pg_catalog, public, pg_temp"
WORDS = "coalesce({row}.search_vector, ''::tsvector)"

TRIGGER_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION public.observation_words_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    INSERT INTO public.observation_words (tenant_id, id, identified_on, words)
    SELECT n.tenant_id, n.id, n.identified_on, {WORDS.format(row="n")}
      FROM new_rows n ORDER BY n.tenant_id, n.identified_on, n.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION public.observation_words_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    UPDATE public.observation_words w
       SET identified_on = NEW.identified_on, words = {WORDS.format(row="NEW")}
     WHERE w.tenant_id = NEW.tenant_id AND w.id = NEW.id;
    RETURN NULL;
END
$$;
"""

TRIGGERS_SQL = """
CREATE TRIGGER observation_words_inserted AFTER INSERT ON public.observation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION public.observation_words_inserted();
CREATE TRIGGER observation_words_changed
    AFTER UPDATE OF title, condition, cause, identified_on ON public.observation
    FOR EACH ROW WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector
                       OR OLD.identified_on IS DISTINCT FROM NEW.identified_on)
    EXECUTE FUNCTION public.observation_words_changed();
"""


def recompute_observation_words(connection: Connection, tenant_id: int | None = None) -> None:
    """Rebuild the rows of one tenant (every tenant when None) from its findings, in
    date order."""
    where = "CAST(:tenant_id AS bigint) IS NULL OR o.tenant_id = :tenant_id"
    connection.execute(
        text("DELETE FROM observation_words o WHERE " + where), {"tenant_id": tenant_id}
    )
    connection.execute(
        text(
            "INSERT INTO observation_words (tenant_id, id, identified_on, words) "
            f"SELECT o.tenant_id, o.id, o.identified_on, {WORDS.format(row='o')} "
            f"FROM observation o WHERE {where} ORDER BY o.tenant_id, o.identified_on, o.id"
        ),
        {"tenant_id": tenant_id},
    )
