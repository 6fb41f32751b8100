"""Every constraint the client turns into a field message exists in the migrated schema:
a renamed or dropped constraint would otherwise fall back to a generic refusal unnoticed.

A name exists when it is a constraint (``pg_constraint``: CHECK, UNIQUE, foreign key,
constraint trigger), a unique index (``pg_indexes``), or the name a trigger function
raises its refusal under (``RAISE ... CONSTRAINT = 'name'`` in ``pg_proc``).
"""

from __future__ import annotations

from sqlalchemy import text

from auditdesk.data.errors import (
    CONSTRAINT_MESSAGES,
    LINEAGE_CONSTRAINTS,
    MISSING_ORIGINAL_CONSTRAINT,
    WORDED_CONSTRAINTS,
)

MAPPED = {
    *CONSTRAINT_MESSAGES, *LINEAGE_CONSTRAINTS, MISSING_ORIGINAL_CONSTRAINT, *WORDED_CONSTRAINTS
}


def _schema_names(connection) -> set[str]:
    constraints = connection.execute(
        text(
            "SELECT c.conname FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'"
        )
    ).scalars()
    indexes = connection.execute(
        text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexdef LIKE 'CREATE UNIQUE INDEX%'"
        )
    ).scalars()
    raised = connection.execute(
        text(
            "SELECT m[1] FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, "
            "regexp_matches(p.prosrc, 'CONSTRAINT\\s*=\\s*''([a-z0-9_]+)''', 'g') AS m "
            "WHERE n.nspname = 'public'"
        )
    ).scalars()
    return {*constraints, *indexes, *raised}


def test_every_mapped_constraint_exists_in_the_migrated_schema(database):
    with database.engine.connect() as connection:
        names = _schema_names(connection)
    assert sorted(MAPPED - names) == []


def test_the_lookup_sees_each_kind_and_not_a_made_up_name(database):
    with database.engine.connect() as connection:
        names = _schema_names(connection)
    assert "observation_title_length_check" in names  # CHECK
    assert "tenant_slug_key" in names  # UNIQUE
    assert "observation_tenant_id_owner_id_fkey" in names  # foreign key
    assert "tenant_time_zone_check" in names  # constraint trigger
    assert "observation_lineage_check" in names  # raised by a trigger function
    assert "observation_made_up_check" not in names


def test_a_mapped_check_really_yields_its_field_message(database):
    """One constraint end to end: the database's refusal becomes the mapped message."""
    import pytest

    from auditdesk.data.errors import translated_errors
    from auditdesk.db.models import TenantRow
    from auditdesk.domain.errors import ValidationError

    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s, \
            translated_errors():
        s.add(TenantRow(slug="-bad", name="Bad"))
        s.flush()
    assert caught.value.problems == {"slug": CONSTRAINT_MESSAGES["tenant_slug_format_check"][1]}
