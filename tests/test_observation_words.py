"""The searchable words of the repeat candidates (``observation_words``, migration 0027)
equal each finding's own search vector and date, through every way the findings change."""

from __future__ import annotations

from datetime import date

import factories as f
from sqlalchemy import text

from auditdesk.data.observation_words import recompute_observation_words
from auditdesk.services import observations as observation_service

EXPECTED = """
SELECT tenant_id, id, identified_on, coalesce(search_vector, ''::tsvector)::text
  FROM observation ORDER BY 1, 2
"""
STORED = "SELECT tenant_id, id, identified_on, words::text FROM observation_words ORDER BY 1, 2"


def _agree(database) -> None:
    with database.engine.connect() as c:
        assert c.execute(text(STORED)).all() == c.execute(text(EXPECTED)).all()


def _owner(database, sql: str, **params) -> None:
    with database.engine.begin() as c:
        c.execute(text(sql), params)


def test_the_words_follow_every_change_of_the_findings(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        other = f.tenant(s)
        a = f.actor(t)
        made = [f.observation(s, a, title=f"Backup {n} not restored", identified_on=date(2024, 1, 1 + n),
                              condition="No restore test", cause="Nobody owns it")
                for n in range(5)]
        f.observation(s, f.actor(other), title="Vendor master unreviewed", identified_on=date(2023, 5, 1))
    _agree(database)
    ids = [m.id for m in made]
    # each field the words come from, and the date, as a direct write may change them
    _owner(database, "UPDATE observation SET title = 'Firewall rules unreviewed' WHERE id = :id", id=ids[0])
    _agree(database)
    _owner(database, "UPDATE observation SET condition = 'Rules never reviewed' WHERE id = :id", id=ids[1])
    _agree(database)
    _owner(database, "UPDATE observation SET cause = '' WHERE id = :id", id=ids[2])
    _agree(database)
    _owner(database, "UPDATE observation SET identified_on = DATE '2022-02-02' WHERE id = :id", id=ids[3])
    _agree(database)
    # a statement of many rows, one that changes nothing the words hold, a no-op
    _owner(database, "UPDATE observation SET title = title || ' again', severity = 'low' "
                     "WHERE tenant_id = :t", t=t.id)
    _agree(database)
    _owner(database, "UPDATE observation SET severity = 'high' WHERE tenant_id = :t", t=t.id)
    _agree(database)
    # a multi-row insert, through the service and as one statement
    with database.sessions.begin() as s:
        f.observation(s, a, title="Segregation of duties in payroll", identified_on=date(2025, 3, 3))
    _owner(database, "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on) "
                     "SELECT :t, 'OBS-9' || g, 'Bulk ' || g, 'low', 'open', DATE '2025-01-01' + g "
                     "FROM generate_series(1, 20) g", t=t.id)
    _agree(database)
    # deleted: one finding, then a whole engagement's worth, then a tenant
    with database.sessions.begin() as s:
        observation_service.delete(s, a, ids[4])
    _owner(database, "DELETE FROM observation WHERE tenant_id = :t AND ref LIKE 'OBS-9%'", t=t.id)
    _agree(database)
    _owner(database, "DELETE FROM tenant WHERE id = :t", t=other.id)
    _agree(database)


def test_a_rebuild_gives_the_rows_the_triggers_keep(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        for n in range(4):
            f.observation(s, a, title=f"Access review {n} missing", identified_on=date(2024, 6, 1 + n))
    with database.engine.begin() as c:
        kept = c.execute(text(STORED)).all()
        c.execute(text("DELETE FROM observation_words"))
        recompute_observation_words(c, t.id)
        assert c.execute(text(STORED)).all() == kept
