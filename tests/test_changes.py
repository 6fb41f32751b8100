"""Changes: merging, whole-table changes and membership."""

from auditdesk.domain.changes import Changes, Outcome, Table


def test_merge_keeps_ids_and_whole_tables():
    merged = Changes.of(Table.OBSERVATION, [1, 2]) | Changes.of(Table.OBSERVATION, [3])
    assert merged.ids(Table.OBSERVATION) == frozenset({1, 2, 3})
    whole = merged | Changes.tables(Table.OBSERVATION, Table.SNAPSHOT)
    assert whole.ids(Table.OBSERVATION) is None
    assert whole.touches(Table.SNAPSHOT)
    assert not whole.touches(Table.ENGAGEMENT)


def test_empty_changes_are_false_and_outcome_defaults_to_none():
    assert not Changes()
    assert Changes.of(Table.APP_USER, [])
    assert not Outcome(5).changes
