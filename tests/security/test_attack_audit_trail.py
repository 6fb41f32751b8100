"""Attacks 2 and 3: forging the audit trail, and the columns the database owns."""

from __future__ import annotations

import pytest

from auditdesk.data import observations
from auditdesk.domain.errors import ConflictError
from auditdesk.services import observations as observation_service


def _audit_of(owner_sql, row_id: int):
    return [
        tuple(r)
        for r in owner_sql(
            "SELECT action, db_login, app_user_id FROM audit_log "
            "WHERE table_name = 'observation' AND row_id = :id ORDER BY id",
            {"id": row_id},
        )
    ]


def test_nobody_writes_the_audit_log(cast, fingerprint):
    before = fingerprint()
    for person in [*cast.alpha.people.values(), *cast.beta.people.values()]:
        for sql in (
            "INSERT INTO audit_log (table_name, action, db_login, tenant_id) "
            f"VALUES ('observation', 'insert', 'someone', {person.tenant.id})",
            "UPDATE audit_log SET db_login = 'someone'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            assert person.refused(sql).sqlstate == "42501", sql
    assert fingerprint() == before


@pytest.mark.parametrize("claimed", ["manager of the tenant", "admin of the other tenant"])
def test_the_app_user_hint_cannot_name_someone_else(cast, owner_sql, claimed):
    auditor = cast.alpha.auditor
    other = cast.alpha.manager if claimed.startswith("manager") else cast.beta.admin
    with auditor.connect() as c:
        c.execute("SELECT set_config('auditdesk.app_user_id', %s, false)", (str(other.user.id),))
        c.execute(
            "UPDATE observation SET title = 'Edited by the auditor' WHERE id = %s",
            (cast.alpha.finding_id,),
        )
    assert _audit_of(owner_sql, cast.alpha.finding_id)[-1] == (
        "update", auditor.login, auditor.user.id
    )


def test_the_owner_hint_still_names_the_person_for_the_embedded_workspace(cast, owner_sql):
    """The schema owner (the embedded single user, a service account) may name the person."""
    manager = cast.alpha.manager
    owner_sql(
        (
            "SELECT set_config('auditdesk.app_user_id', :u, true)",
            "UPDATE observation SET title = 'By the owner for the manager' WHERE id = :id",
        ),
        {"u": str(manager.user.id), "id": cast.alpha.finding_id},
    )
    assert _audit_of(owner_sql, cast.alpha.finding_id)[-1][2] == manager.user.id
    # ...but only someone of the row's own tenant.
    owner_sql(
        (
            "SELECT set_config('auditdesk.app_user_id', :u, true)",
            "UPDATE observation SET title = 'Hint from another tenant' WHERE id = :id",
        ),
        {"u": str(cast.beta.admin.user.id), "id": cast.alpha.finding_id},
    )
    assert _audit_of(owner_sql, cast.alpha.finding_id)[-1][2] is None


@pytest.mark.parametrize(
    "assignment",
    ["recurrence = 5", "version = 1", "updated_at = now() - interval '1 year'",
     "created_at = now()", "id = 999999", "tenant_id = tenant_id", "ref = 'OBS-000001'"],
)
def test_database_owned_columns_refuse_every_login(cast, fingerprint, assignment):
    before = fingerprint()
    for person in cast.alpha.people.values():
        error = person.refused(
            f"UPDATE observation SET {assignment} WHERE id = %s", (cast.alpha.finding_id,)
        )
        assert error.sqlstate == "42501", (person.login, assignment)
    assert fingerprint() == before


def test_inserting_database_owned_columns_is_refused(cast, fingerprint):
    before = fingerprint()
    for column, value in (("recurrence", "3"), ("version", "7"), ("created_at", "now()"),
                          ("id", "424242")):
        error = cast.alpha.manager.refused(
            f"INSERT INTO observation (tenant_id, ref, title, severity, identified_on, {column}) "
            f"VALUES (%s, 'OBS-777777', 'Planted', 'low', current_date, {value})",
            (cast.alpha.tenant.id,),
        )
        assert error.sqlstate == "42501", column
    assert fingerprint() == before


def test_the_counters_are_out_of_reach(cast, fingerprint):
    before = fingerprint()
    for person in cast.alpha.people.values():
        for sql in (
            "SELECT * FROM tenant_counter",
            "UPDATE tenant_counter SET last_value = 0",
            f"INSERT INTO tenant_counter VALUES ({person.tenant.id}, 'observation', 0)",
            "DELETE FROM tenant_counter",
        ):
            assert person.refused(sql).sqlstate == "42501", sql
    # The numbering function only numbers the caller's own tenant.
    error = cast.alpha.admin.refused(
        "SELECT auditdesk_next_number(%s, 'observation')", (cast.beta.tenant.id,)
    )
    assert "permission denied" in str(error)
    assert fingerprint() == before


def test_version_is_the_databases_even_for_the_owner(cast, database, owner_sql):
    """A stale save cannot win by resetting the version: the touch trigger ignores it."""
    tenant_id, finding = cast.alpha.tenant.id, cast.alpha.finding_id
    with database.sessions.begin() as s:
        loaded = observations.get_observation(s, tenant_id, finding)
    cast.alpha.auditor.run(
        "UPDATE observation SET title = 'First save' WHERE id = %s", (finding,)
    )
    owner_sql(
        "UPDATE observation SET version = :v, updated_at = now() - interval '1 day' "
        "WHERE id = :id",
        {"v": loaded.version, "id": finding},
    )
    now = owner_sql("SELECT version FROM observation WHERE id = :id", {"id": finding})[0][0]
    assert now == loaded.version + 1
    draft = observation_service.draft_of(loaded)
    with pytest.raises(ConflictError), database.sessions.begin() as s:
        observation_service.update(
            s, cast.alpha.auditor.actor, finding, draft, expected_version=loaded.version
        )
