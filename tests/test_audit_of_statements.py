"""The audit trail of findings written by statements of many rows (migration 0013 writes a
statement's entries in one insert): one entry per finding a statement changed, with the
same changed columns and acting person as for a single save, and none for a finding an
update left as it was."""

from __future__ import annotations

from datetime import date

import factories as f
from sqlalchemy import text

from auditdesk.db.engine import actor as set_actor

ENTRIES = """
SELECT row_id, action, changed_columns, app_user_id, old_values ->> 'title' AS old_title,
       new_values ->> 'title' AS new_title
  FROM audit_log WHERE table_name = 'observation' AND id > :after ORDER BY id
"""


def _entries_after(session, after: int) -> list:
    return list(session.execute(text(ENTRIES), {"after": after}))


def test_one_entry_per_finding_a_statement_inserts_changes_or_deletes(database):
    with database.engine.begin() as c:
        f.empty_tables(c, "audit_log, observation, audit_engagement, app_user, tenant_counter, tenant")
    with database.sessions.begin() as s:
        t = f.tenant(s)
        person = f.user(s, t.id)
        a = f.actor(t, person)
        ids = [f.observation(s, a, identified_on=date(2025, 1, 1)).id for _ in range(3)]
    with database.sessions.begin() as s:
        single = _entries_after(s, 0)
        assert [e.action for e in single] == ["insert"] * 3
        keys = single[0].changed_columns
        assert "title" in keys and "search_vector" not in keys
        start = s.execute(text("SELECT max(id) FROM audit_log")).scalar_one()

        set_actor(s, person.id)
        made = s.execute(text(
            "INSERT INTO observation (tenant_id, ref, title, severity, identified_on) "
            "SELECT :t, 'OBS-S' || g, 'Set ' || g, 'low', DATE '2025-01-02' "
            "FROM generate_series(1, 4) g RETURNING id"), {"t": t.id}).scalars().all()
        # two titles change, a third row is written with its own value (no change)
        s.execute(text("UPDATE observation SET title = CASE WHEN id = :same THEN title "
                       "ELSE title || ' (revised)' END WHERE id = ANY(:ids)"),
                  {"same": ids[2], "ids": ids})
        s.execute(text("DELETE FROM observation WHERE id = ANY(:ids)"), {"ids": made[:2]})
        entries = _entries_after(s, start)

    inserted = [e for e in entries if e.action == "insert"]
    updated = [e for e in entries if e.action == "update"]
    deleted = [e for e in entries if e.action == "delete"]
    assert sorted(e.row_id for e in inserted) == sorted(made)
    assert all(e.changed_columns == keys for e in inserted)
    assert sorted(e.row_id for e in updated) == sorted(ids[:2])
    for e in updated:
        assert e.changed_columns == ["title", "updated_at", "version"]
        assert e.new_title == e.old_title + " (revised)"
    assert sorted(e.row_id for e in deleted) == sorted(made[:2])
    assert all(e.new_title is None and e.old_title.startswith("Set ") for e in deleted)
    assert {e.app_user_id for e in entries} == {person.id}  # the owner's hint names the person


def test_links_set_free_by_a_deleted_original_are_audited_but_not_their_tree_summaries(database):
    with database.engine.begin() as c:
        f.empty_tables(c, "audit_log, observation, audit_engagement, app_user, tenant_counter, tenant")
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        original = f.observation(s, a, identified_on=date(2025, 1, 1)).id
        repeats = [f.observation(s, a, identified_on=date(2025, 2, 1), repeat_of_id=original).id
                   for _ in range(3)]
        start = s.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    with database.sessions.begin() as s:
        s.execute(text("DELETE FROM observation WHERE id = :id"), {"id": original})
        entries = _entries_after(s, start)
        freed = s.execute(text("SELECT id, root_id, tree_size, version FROM observation "
                               "WHERE id = ANY(:ids) ORDER BY id"), {"ids": repeats}).all()
    assert [(e.action, e.row_id) for e in entries if e.action == "delete"] == [("delete", original)]
    changed = [e for e in entries if e.action == "update"]
    assert sorted(e.row_id for e in changed) == repeats
    assert all(e.changed_columns == ["repeat_of_id", "updated_at", "version"] for e in changed)
    assert [(r.root_id, r.tree_size, r.version) for r in freed] == [(r, 1, 2) for r in repeats]
