"""Attack 4: repeat cycles, by one statement, by two concurrent transactions at every
pair of isolation levels, and reads that must end even on corrupt data."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import IsolationLevel
from sqlalchemy import text

from auditdesk.data import lineage, report
from auditdesk.domain.errors import NotFoundError

LEVELS = {
    "read committed": IsolationLevel.READ_COMMITTED,
    "repeatable read": IsolationLevel.REPEATABLE_READ,
    "serializable": IsolationLevel.SERIALIZABLE,
}
# What the loser of a race may be told: serialisation failure, deadlock, or the guard.
RACE_REFUSALS = {"40001", "40P01", "23514"}


def _links(owner_sql, *ids: int) -> dict[int, int | None]:
    rows = owner_sql(
        "SELECT id, repeat_of_id FROM observation WHERE id = ANY(:ids)", {"ids": list(ids)}
    )
    return {r.id: r.repeat_of_id for r in rows}


def test_one_insert_whose_rows_point_at_each_other_is_refused(cast, owner_sql, fingerprint):
    """Logins cannot choose ids at all; the owner (who can) is refused by the guard."""
    t = cast.alpha.tenant.id
    before = fingerprint()
    values = (
        "INSERT INTO observation (tenant_id, id, ref, title, severity, identified_on, "
        "repeat_of_id) VALUES "
        f"({t}, 900001, 'OBS-900001', 'A', 'low', current_date, 900002), "
        f"({t}, 900002, 'OBS-900002', 'B', 'low', current_date, 900001)"
    )
    with pytest.raises(Exception, match="cycle"):
        owner_sql(values)
    assert cast.alpha.manager.refused(values).sqlstate == "42501"
    # A repeat identified before its original, inserted in the same statement as it.
    with pytest.raises(Exception, match="identified later"):
        owner_sql(
            "INSERT INTO observation (tenant_id, id, ref, title, severity, identified_on, "
            "repeat_of_id) VALUES "
            f"({t}, 900003, 'OBS-900003', 'Later', 'low', current_date - 9, 900004), "
            f"({t}, 900004, 'OBS-900004', 'Earlier', 'low', current_date, NULL)"
        )
    assert fingerprint() == before


def test_a_login_cannot_close_a_cycle(cast, fingerprint):
    a, b = cast.alpha.finding_id, cast.alpha.other_finding_id
    manager = cast.alpha.manager
    manager.run("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (a, b))
    before = fingerprint()
    error = manager.refused("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (b, a))
    assert error.sqlstate == "23514" and "cycle" in str(error)
    assert fingerprint() == before


def _wait_until_blocked(owner_sql, pid: int) -> None:
    for _ in range(400):
        # pg_locks, not pg_stat_activity: a non-superuser owner sees every lock but not
        # other logins' wait events.
        waiting = owner_sql(
            "SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted", {"pid": pid}
        )
        if waiting[0][0]:
            return
        time.sleep(0.025)
    raise AssertionError("the second transaction never waited for the first")


@pytest.mark.parametrize("second", LEVELS)
@pytest.mark.parametrize("first", LEVELS)
def test_concurrent_links_never_make_a_cycle(cast, owner_sql, first, second):
    a, b = cast.alpha.finding_id, cast.alpha.other_finding_id
    one = cast.alpha.manager.connect()
    two = cast.alpha.admin.connect()
    one.isolation_level, two.isolation_level = LEVELS[first], LEVELS[second]
    outcome: dict[str, object] = {}
    try:
        # Both take their snapshot before either links.
        one.execute("SELECT count(*) FROM observation")
        two.execute("SELECT count(*) FROM observation")
        one.execute("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (b, a))

        def link_back() -> None:
            try:
                two.execute("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (a, b))
                two.commit()
                outcome["second"] = "committed"
            except psycopg.Error as error:
                outcome["second"] = error.sqlstate
                two.rollback()

        worker = threading.Thread(target=link_back)
        worker.start()
        _wait_until_blocked(owner_sql, two.info.backend_pid)
        one.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
    finally:
        one.close()
        two.close()
    assert outcome["second"] in RACE_REFUSALS, outcome
    assert _links(owner_sql, a, b) == {a: b, b: None}


@pytest.mark.parametrize("second", LEVELS)
@pytest.mark.parametrize("first", LEVELS)
def test_concurrent_date_change_cannot_put_an_original_after_its_repeat(
    cast, owner_sql, first, second
):
    """One transaction links b as a repeat of a; the other moves a's date after b's."""
    a, b = cast.alpha.finding_id, cast.alpha.other_finding_id
    one = cast.alpha.manager.connect()
    two = cast.alpha.admin.connect()
    one.isolation_level, two.isolation_level = LEVELS[first], LEVELS[second]
    outcome: dict[str, object] = {}
    try:
        one.execute("SELECT count(*) FROM observation")
        two.execute("SELECT count(*) FROM observation")
        one.execute("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (a, b))

        def move_date() -> None:
            try:
                two.execute(
                    "UPDATE observation SET identified_on = current_date WHERE id = %s", (a,)
                )
                two.commit()
                outcome["second"] = "committed"
            except psycopg.Error as error:
                outcome["second"] = error.sqlstate
                two.rollback()

        worker = threading.Thread(target=move_date)
        worker.start()
        _wait_until_blocked(owner_sql, two.info.backend_pid)
        one.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
    finally:
        one.close()
        two.close()
    assert outcome["second"] in RACE_REFUSALS, outcome
    broken = owner_sql(
        "SELECT count(*) FROM observation c JOIN observation p "
        "ON p.tenant_id = c.tenant_id AND p.id = c.repeat_of_id "
        "WHERE p.identified_on > c.identified_on"
    )
    assert broken == [(0,)]


def test_lineage_reads_end_on_corrupt_data(cast, database, owner_sql):
    """A cycle can only be stored with the triggers off; every read still ends."""
    a, b = cast.alpha.finding_id, cast.alpha.other_finding_id
    t = cast.alpha.tenant.id
    owner_sql(
        (
            "ALTER TABLE observation DISABLE TRIGGER USER",
            "UPDATE observation SET repeat_of_id = CASE id WHEN :a THEN :b ELSE :a END "
            "WHERE id IN (:a, :b)",
            "ALTER TABLE observation ENABLE TRIGGER USER",
        ),
        {"a": a, "b": b},
    )
    with database.sessions() as s:
        assert {n.id for n in lineage.ancestors(s, t, a)} == {b}
        assert {n.id for n in lineage.descendants(s, t, a)} == {b}
        with pytest.raises(NotFoundError):
            lineage.tree(s, t, a)  # a cycle has no root
        assert lineage.candidates(s, t, a) == []
        assert all(r.id in (a, b) for r in lineage.roots(s, t)) or lineage.roots(s, t) == []
        report.repeat_findings(s, t)
    # A new link into the corrupt chain is refused rather than walking for ever.
    with database.sessions.begin() as s:
        newer = s.execute(
            text(
                "INSERT INTO observation (tenant_id, ref, title, severity, identified_on) "
                "VALUES (:t, 'OBS-880001', 'Newer', 'low', current_date) RETURNING id"
            ),
            {"t": t},
        ).scalar_one()
    error = cast.alpha.manager.refused(
        "UPDATE observation SET repeat_of_id = %s WHERE id = %s", (a, newer)
    )
    assert "corrupt" in str(error)
