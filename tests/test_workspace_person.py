"""Who works in an embedded workspace: the person proposed from the OS account, kept in
the workspace folder, made a user in each tenant, and named by the audit trail."""

from __future__ import annotations

import stat

import factories
import pytest
from sqlalchemy import text

from auditdesk.domain.errors import SettingsError, ValidationError
from auditdesk.domain.records import Actor
from auditdesk.services import workspace_person as people


def test_the_os_account_proposes_a_valid_person():
    proposed = people.os_account_defaults()
    assert people.validated_person(proposed.display_name, proposed.email) == proposed


def test_the_person_is_kept_in_the_workspace_for_its_owner_only(tmp_path):
    assert people.read_person(tmp_path) is None
    with pytest.raises(ValidationError) as refused:
        people.save_person(tmp_path, "  ", "maria@")
    assert set(refused.value.problems) == {"display_name", "email"}
    assert not people.person_path(tmp_path).exists()  # nothing written on bad input
    saved = people.save_person(tmp_path, " Maria Rossi ", "Maria.Rossi@Example.org")
    assert saved == people.WorkspacePerson("Maria Rossi", "maria.rossi@example.org")
    assert people.read_person(tmp_path) == saved
    assert stat.S_IMODE(people.person_path(tmp_path).stat().st_mode) == 0o600
    people.person_path(tmp_path).write_text("{broken", encoding="utf-8")
    with pytest.raises(SettingsError, match="delete it to be asked again"):
        people.read_person(tmp_path)


def test_the_person_is_one_admin_per_tenant_and_named_by_the_audit_trail(database):
    person = people.WorkspacePerson("Maria Rossi", "maria.rossi@example.org")
    with database.sessions.begin() as session:
        first, second = factories.tenant(session), factories.tenant(session)
    with database.sessions.begin() as session:
        made = people.user_in_tenant(session, first.id, person)
    maria = made.value
    assert made.changes  # created: announced
    assert (maria.display_name, maria.role.value, maria.tenant_id) == ("Maria Rossi", "admin", first.id)
    with database.sessions.begin() as session:
        again = people.user_in_tenant(session, first.id, person)
        elsewhere = people.user_in_tenant(session, second.id, person).value
    assert again.value == maria and not again.changes  # found, not made twice
    assert elsewhere.tenant_id == second.id and elsewhere.id != maria.id

    with database.sessions.begin() as session:
        found = factories.observation(session, Actor(first.id, maria.id, maria.role, maria.display_name))
    with database.sessions() as session:
        acting = session.execute(
            text("SELECT app_user_id, db_login, session_user AS login FROM audit_log "
                 "WHERE table_name = 'observation' AND row_id = :id"), {"id": found.id}
        ).one()
    assert acting.app_user_id == maria.id
    assert acting.db_login == acting.login  # the login stays what it was: the owner's
