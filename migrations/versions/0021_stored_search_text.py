"""The observations table's text filter reads a stored, lower-cased search text.

The filter ("access", "backup") matched ``(ref || ' ' || title || ' ' || condition) ILIKE
pattern`` through a trigram index on that expression. Every row the index could not
rule out, and every row of a walk in a sort order, built the text again and folded its
case: about 4.2 µs a row at a million findings (the concatenation 1.8 µs, ILIKE's case
folding 1.7 µs), where reading the row costs 2. A page of a word in 1.3 % of the
findings walks some 15,000 rows before it has 200 matches.

``search_text`` is that text lower-cased, generated and stored by PostgreSQL (no client
writes it; no login holds a privilege to), with the trigram index on it; the filter is
``search_text LIKE lower(pattern)``: the same matches, about 0.7 µs a row. Derived, it is
left out of the audit trail's row images and of the version check, as ``search_vector``.

Revision ID: 0021
Revises: 0017
"""

from __future__ import annotations

from alembic import op

from auditdesk.db.function_edits import edit_function

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None

SEARCH_TEXT = "lower(ref || ' ' || title || ' ' || condition)"
OLD_INDEX_EXPRESSION = "(ref || ' ' || title || ' ' || condition)"

# Every row image of these functions leaves the column out (a jsonb key that is absent
# on other tables is no change there).
_IMAGES = {
    "audit_row_change": ("OLD", "NEW"),
    "touch_row_version": ("OLD", "NEW"),
    "audit_observation_rows": ("r", "o", "n"),
}


def _edits(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"to_jsonb({n})", f"to_jsonb({n}) - 'search_text'") for n in names]


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE observation ADD COLUMN search_text text GENERATED ALWAYS AS ({SEARCH_TEXT}) STORED"
    )
    # A finer sample of the text than the default's: the planner's estimate of a word's
    # matches (17,014 for 13,233 at a million findings instead of the least it knows, 100)
    # chooses between walking an order's index and sorting the matches.
    op.execute("ALTER TABLE observation ALTER COLUMN search_text SET STATISTICS 1000")
    op.execute("CREATE INDEX expr_observation_search_text ON observation USING gin (search_text gin_trgm_ops)")
    op.execute("DROP INDEX expr_observation_search")
    connection = op.get_bind()
    for function, names in _IMAGES.items():
        edit_function(connection, function, _edits(names))


def downgrade() -> None:
    connection = op.get_bind()
    for function, names in _IMAGES.items():
        edit_function(connection, function, _edits(names), reverse=True)
    op.execute(
        f"CREATE INDEX expr_observation_search ON observation USING gin ({OLD_INDEX_EXPRESSION} gin_trgm_ops)"
    )
    op.execute("DROP INDEX expr_observation_search_text")
    op.execute("ALTER TABLE observation DROP COLUMN search_text")
