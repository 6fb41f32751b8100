"""Attack 5: escalation inside a tenant. Each role may do exactly its part, in PostgreSQL."""

from __future__ import annotations

import pytest

from auditdesk.services import admin


def _refused_and_unchanged(person, fingerprint, *statements) -> None:
    before = fingerprint()
    for sql, params in statements:
        error = person.refused(sql, params)
        assert error.sqlstate in {"42501", "P0001"} or "row-level security" in str(error), (
            sql,
            error,
        )
    assert fingerprint() == before


def test_an_auditor_cannot_change_people(cast, fingerprint):
    org = cast.alpha
    me = org.auditor
    _refused_and_unchanged(
        me,
        fingerprint,
        ("UPDATE app_user SET role = 'admin' WHERE id = %s", (me.user.id,)),
        ("UPDATE app_user SET role = 'auditor' WHERE id = %s", (org.manager.user.id,)),
        ("UPDATE app_user SET active = false WHERE id = %s", (org.admin.user.id,)),
        ("UPDATE app_user SET db_login = 'postgres' WHERE id = %s", (me.user.id,)),
        (
            "INSERT INTO app_user (tenant_id, email, display_name, role, db_login) "
            "VALUES (%s, 'new@alpha.example', 'New', 'admin', 'someone_unmapped')",
            (org.tenant.id,),
        ),
        ("DELETE FROM app_user WHERE id = %s", (org.admin.user.id,)),
        ("SELECT auditdesk_set_user_role(%s, %s, 'admin')", (org.tenant.id, me.user.id)),
        ("SELECT auditdesk_disable_user(%s, %s)", (org.tenant.id, org.admin.user.id)),
        (
            "SELECT auditdesk_create_user(%s, 'x@alpha.example', 'X', 'admin', 'x_login', "
            "'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5')",
            (org.tenant.id,),
        ),
    )


def test_a_manager_cannot_manage_users_and_an_admin_not_themself(cast, fingerprint):
    org = cast.alpha
    _refused_and_unchanged(
        org.manager,
        fingerprint,
        ("SELECT auditdesk_set_user_role(%s, %s, 'admin')", (org.tenant.id, org.manager.user.id)),
        ("SELECT auditdesk_disable_user(%s, %s)", (org.tenant.id, org.auditor.user.id)),
        ("UPDATE app_user SET role = 'admin' WHERE id = %s", (org.manager.user.id,)),
    )
    _refused_and_unchanged(
        org.admin,
        fingerprint,
        ("SELECT auditdesk_set_user_role(%s, %s, 'auditor')", (org.tenant.id, org.admin.user.id)),
        ("SELECT auditdesk_disable_user(%s, %s)", (org.tenant.id, org.admin.user.id)),
        # Another tenant's people are out of reach even for an admin.
        (
            "SELECT auditdesk_set_user_role(%s, %s, 'auditor')",
            (cast.beta.tenant.id, cast.beta.admin.user.id),
        ),
        ("UPDATE app_user SET role = 'auditor' WHERE id = %s", (org.auditor.user.id,)),
    )


def test_an_admin_manages_users_through_the_functions(cast, database, owner_sql):
    org = cast.alpha
    with org.admin.connect() as c:
        c.execute(
            "SELECT auditdesk_set_user_role(%s, %s, 'manager')",
            (org.tenant.id, org.auditor.user.id),
        )
    assert org.auditor.run("SELECT role FROM app_user WHERE db_login = session_user") == [
        ("manager",)
    ]
    groups = owner_sql(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :login",
        {"login": org.auditor.login},
    )
    assert [g[0] for g in groups] == [f"{database.engine.url.database}_manager"]
    logged = owner_sql(
        "SELECT db_login, app_user_id FROM audit_log WHERE table_name = 'app_user' "
        "AND action = 'update' AND row_id = :id",
        {"id": org.auditor.user.id},
    )
    assert [tuple(r) for r in logged] == [(org.admin.login, org.admin.user.id)]


def test_auditors_edit_only_findings_of_their_engagements(cast, fingerprint):
    org = cast.alpha
    me = org.auditor
    assert me.rowcount(
        "UPDATE observation SET title = 'Mine to edit' WHERE id = %s", (org.finding_id,)
    ) == 1
    before = fingerprint()
    assert me.rowcount(
        "UPDATE observation SET title = 'Not mine' WHERE id = %s", (org.other_finding_id,)
    ) == 0
    error = me.refused(
        "UPDATE observation SET engagement_id = %s WHERE id = %s",
        (org.other_engagement_id, org.finding_id),
    )
    assert "row-level security" in str(error)
    error = me.refused(
        "INSERT INTO observation (tenant_id, ref, title, severity, identified_on, engagement_id)"
        " VALUES (%s, 'OBS-555555', 'Planted', 'low', current_date, %s)",
        (org.tenant.id, org.other_engagement_id),
    )
    assert "row-level security" in str(error)
    # Unassigned findings: only unowned ones or the auditor's own.
    error = me.refused(
        "INSERT INTO observation (tenant_id, ref, title, severity, identified_on, owner_id)"
        " VALUES (%s, 'OBS-555556', 'For the manager', 'low', current_date, %s)",
        (org.tenant.id, org.manager.user.id),
    )
    assert "row-level security" in str(error)
    assert fingerprint() == before


def test_an_auditor_cannot_accept_risks_delete_or_run_engagements(cast, fingerprint):
    org = cast.alpha
    _refused_and_unchanged(
        org.auditor,
        fingerprint,
        (
            "UPDATE observation SET status = 'risk_accepted', closed_at = now() WHERE id = %s",
            (org.finding_id,),
        ),
        ("DELETE FROM observation WHERE id = %s", (org.finding_id,)),
        ("SELECT auditdesk_delete_observation(%s, %s)", (org.tenant.id, org.finding_id)),
        ("SELECT auditdesk_delete_engagement(%s, %s)", (org.tenant.id, org.engagement_id)),
        ("DELETE FROM audit_engagement WHERE id = %s", (org.engagement_id,)),
        ("UPDATE audit_engagement SET title = 'Renamed' WHERE id = %s", (org.engagement_id,)),
        (
            "INSERT INTO engagement_member (tenant_id, engagement_id, user_id) VALUES (%s, %s, %s)",
            (org.tenant.id, org.other_engagement_id, org.auditor.user.id),
        ),
        ("DELETE FROM tenant", None),
        ("UPDATE tenant SET name = 'Mine now'", None),
        (
            "INSERT INTO dashboard_snapshot (tenant_id, snapshot_date, total, open_total, "
            "open_critical, open_high, open_medium, open_low, overdue, closed_total, "
            "repeat_open) VALUES (%s, current_date, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
            (org.tenant.id,),
        ),
    )


def test_a_manager_accepts_risks_and_deletes_but_runs_no_engagements(cast, fingerprint, owner_sql):
    org = cast.alpha
    manager = org.manager
    assert manager.rowcount(
        "UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
        "risk_accepted_until = current_date + 30, risk_acceptance_reason = 'Low exposure' "
        "WHERE id = %s",
        (org.other_finding_id,),
    ) == 1
    assert manager.run(
        "SELECT auditdesk_delete_observation(%s, %s)", (org.tenant.id, org.finding_id)
    ) == [(True,)]
    deleted = owner_sql(
        "SELECT db_login, app_user_id FROM audit_log WHERE table_name = 'observation' "
        "AND action = 'delete' AND row_id = :id",
        {"id": org.finding_id},
    )
    assert [tuple(r) for r in deleted] == [(manager.login, manager.user.id)]
    _refused_and_unchanged(
        manager,
        fingerprint,
        ("SELECT auditdesk_delete_engagement(%s, %s)", (org.tenant.id, org.engagement_id)),
        ("UPDATE audit_engagement SET title = 'Renamed' WHERE id = %s", (org.engagement_id,)),
        ("DELETE FROM observation", None),
        ("SELECT auditdesk_delete_observation(%s, %s)", (cast.beta.tenant.id, cast.beta.finding_id)),
    )


def test_an_admin_runs_engagements_and_people_but_not_the_tenant(cast, fingerprint):
    org = cast.alpha
    assert org.admin.rowcount(
        "UPDATE audit_engagement SET title = 'Renamed by the admin' WHERE id = %s",
        (org.engagement_id,),
    ) == 1
    assert org.admin.run(
        "SELECT auditdesk_remove_members(%s, %s, ARRAY[%s]::bigint[])",
        (org.tenant.id, org.engagement_id, org.auditor.user.id),
    ) == [(1,)]
    assert org.admin.rowcount("UPDATE tenant SET time_zone = 'Europe/Berlin'") == 1
    for person in (org.manager, org.auditor):
        assert person.refused("UPDATE tenant SET time_zone = 'Asia/Tokyo'").sqlstate == "42501"
    _refused_and_unchanged(
        org.admin,
        fingerprint,
        ("UPDATE tenant SET name = 'Renamed', slug = 'renamed'", None),
        ("DELETE FROM tenant", None),
        ("UPDATE alembic_version SET version_num = '0001'", None),
        ("DELETE FROM alembic_version", None),
        ("SELECT auditdesk_delete_engagement(%s, %s)", (cast.beta.tenant.id, cast.beta.engagement_id)),
    )


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_nobody_reaches_another_tenant(cast, fingerprint, role):
    me = cast.alpha.people[role]
    theirs = cast.beta
    before = fingerprint()
    for table in ("tenant", "app_user", "observation", "audit_engagement", "engagement_member",
                  "dashboard_snapshot", "audit_log"):
        column = "id" if table == "tenant" else "tenant_id"
        assert me.run(f"SELECT count(*) FROM {table} WHERE {column} = %s", (theirs.tenant.id,)) == [
            (0,)
        ]
    assert me.rowcount("UPDATE observation SET title = 'x' WHERE tenant_id = %s",
                       (theirs.tenant.id,)) == 0
    error = me.refused(
        "INSERT INTO observation (tenant_id, ref, title, severity, identified_on) "
        "VALUES (%s, 'OBS-444444', 'Planted', 'low', current_date)",
        (theirs.tenant.id,),
    )
    assert "row-level security" in str(error)
    assert fingerprint() == before


def test_the_admin_service_refuses_a_manager(cast, database):
    from auditdesk.db.engine import make_engine, make_session_factory
    from auditdesk.domain.errors import PermissionDenied

    engine = make_engine(cast.alpha.manager.conninfo)
    try:
        with (
            pytest.raises(PermissionDenied, match="only admin may manage users"),
            make_session_factory(engine).begin() as s,
        ):
            admin.set_role(s, cast.alpha.tenant.id, cast.alpha.auditor.user.email, "admin")
    finally:
        engine.dispose()


def test_an_auditor_cannot_reopen_an_accepted_risk(cast, fingerprint, owner_sql):
    org = cast.alpha
    org.manager.run(
        "UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
        "risk_accepted_until = current_date + 30, risk_acceptance_reason = 'Low exposure' "
        "WHERE id = %s",
        (org.finding_id,),
    )
    _refused_and_unchanged(
        org.auditor,
        fingerprint,
        (
            "UPDATE observation SET status = 'open', closed_at = NULL WHERE id = %s",
            (org.finding_id,),
        ),
    )
    assert org.manager.rowcount(
        "UPDATE observation SET status = 'open', closed_at = NULL WHERE id = %s",
        (org.finding_id,),
    ) == 1


def test_taking_the_next_refs_by_hand_does_not_stop_numbering(cast, owner_sql):
    """Refs inserted by hand are skipped by the numbering function, for everyone."""
    org = cast.alpha
    (last,) = owner_sql(
        "SELECT coalesce(max(last_value), 0) FROM tenant_counter "
        "WHERE tenant_id = :t AND name = 'observation'",
        {"t": org.tenant.id},
    )[0]
    squatted = [f"OBS-{n:06d}" for n in range(last + 1, last + 6)]
    for ref in squatted:
        org.auditor.run(
            "INSERT INTO observation (tenant_id, ref, title, severity, identified_on, "
            "engagement_id) VALUES (%s, %s, 'Squat', 'low', current_date, %s)",
            (org.tenant.id, ref, org.engagement_id),
        )
    (number,) = org.manager.run(
        "SELECT auditdesk_next_number(%s, 'observation')", (org.tenant.id,)
    )[0]
    assert number == last + 6
    (again,) = org.auditor.run(
        "SELECT auditdesk_next_number(%s, 'observation')", (org.tenant.id,)
    )[0]
    assert again == last + 7
