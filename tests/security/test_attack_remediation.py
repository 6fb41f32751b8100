"""Attack 11: remediation. Action plans, validations, risk acceptance and the due-date
policy hold in PostgreSQL against raw SQL on an ordinary login; each refused attempt
writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_attack_explain import _explain

ALLOWED_ERRORS = {"42501", "23514", "P0001"}


def _refused_and_unchanged(person, fingerprint, *statements) -> list:
    before = fingerprint()
    errors = []
    for sql, params in statements:
        error = person.refused(sql, params)
        assert error.sqlstate in ALLOWED_ERRORS or "row-level security" in str(error), (
            sql, error,
        )
        errors.append(error)
    assert fingerprint() == before
    return errors


def _today(owner_sql, tenant_id):
    return owner_sql("SELECT auditdesk_tenant_today(:t)", {"t": tenant_id})[0][0]


def _set_status(owner_sql, finding_id, status, **extra):
    sets = ", ".join(f"{k} = :{k}" for k in extra)
    closed = "now()" if status in ("closed", "risk_accepted") else "NULL"
    owner_sql(
        f"UPDATE observation SET status = :s, closed_at = {closed}"
        + (f", {sets}" if sets else "") + " WHERE id = :id",
        {"s": status, "id": finding_id, **extra},
    )


def _action(owner_sql, org, finding_id, title="Fix the control", status="planned", due=None):
    today = _today(owner_sql, org.tenant.id)
    return owner_sql(
        "INSERT INTO remediation_action (tenant_id, observation_id, title, owner_id, due_date, "
        "status, percent_complete, completed_on) VALUES (:t, :o, :title, :owner, :due, :s, "
        ":pct, :done) RETURNING id",
        {"t": org.tenant.id, "o": finding_id, "title": title, "owner": org.auditor.user.id,
         "due": due or today + timedelta(days=30), "s": status,
         "pct": 100 if status == "done" else 0,
         "done": today if status == "done" else None},
    )[0][0]


def test_an_auditor_cannot_accept_a_risk_even_with_a_reason_and_an_expiry(
    cast, fingerprint, owner_sql
):
    org = cast.alpha
    _set_status(owner_sql, org.finding_id, "in_remediation")
    until = _today(owner_sql, org.tenant.id) + timedelta(days=90)
    (error,) = _refused_and_unchanged(
        org.auditor, fingerprint,
        ("UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
         "risk_accepted_until = %s, risk_acceptance_reason = 'Cheap to live with' "
         "WHERE id = %s", (until, org.finding_id)),
    )
    assert error.sqlstate == "42501"


@pytest.mark.parametrize("until_days, reason, what", [
    (None, "Compensating control", "until"),
    (0, "Compensating control", "until"),
    (-5, "Compensating control", "until"),
    (3 * 366 + 1, "Compensating control", "until"),
    (90, "   ", "justification"),
    (90, None, "justification"),
])
def test_a_manager_accepts_a_risk_only_with_a_justification_and_an_expiry_in_range(
    cast, fingerprint, owner_sql, until_days, reason, what
):
    org = cast.alpha
    today = _today(owner_sql, org.tenant.id)
    until = None if until_days is None else today + timedelta(days=until_days)
    (error,) = _refused_and_unchanged(
        org.manager, fingerprint,
        ("UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
         "risk_accepted_until = %s, risk_acceptance_reason = %s WHERE id = %s",
         (until, reason, org.other_finding_id)),
    )
    assert error.sqlstate == "23514"
    assert what in str(error)


def test_a_manager_accepts_a_risk_and_the_database_records_who(cast, owner_sql):
    org = cast.alpha
    today = _today(owner_sql, org.tenant.id)
    error = org.manager.refused(
        "UPDATE observation SET risk_accepted_by = %s WHERE id = %s",
        (org.admin.user.id, org.other_finding_id),
    )
    assert error.sqlstate == "42501"
    assert org.manager.rowcount(
        "UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
        "risk_accepted_until = %s, risk_acceptance_reason = 'Legacy system retires in June' "
        "WHERE id = %s",
        (today + timedelta(days=365), org.other_finding_id),
    ) == 1
    assert owner_sql(
        "SELECT risk_accepted_by FROM observation WHERE id = :id", {"id": org.other_finding_id}
    ) == [(org.manager.user.id,)]


def test_nobody_closes_without_a_validation_and_a_manager_only_with_a_reason(
    cast, fingerprint, owner_sql
):
    org = cast.alpha
    _set_status(owner_sql, org.finding_id, "pending_validation")
    close = "UPDATE observation SET status = 'closed', closed_at = now() WHERE id = %s"
    (by_auditor,) = _refused_and_unchanged(org.auditor, fingerprint, (close, (org.finding_id,)))
    assert by_auditor.sqlstate == "42501"
    (by_manager,) = _refused_and_unchanged(org.manager, fingerprint, (close, (org.finding_id,)))
    assert by_manager.sqlstate == "23514" and "reason" in str(by_manager)
    # Inserting a finding as closed is closing it too.
    _refused_and_unchanged(
        org.auditor, fingerprint,
        ("INSERT INTO observation (tenant_id, ref, title, severity, status, closed_at, "
         "identified_on, engagement_id) VALUES (%s, 'OBS-777777', 'Born closed', 'low', "
         "'closed', now(), current_date, %s)", (org.tenant.id, org.engagement_id)),
    )
    assert org.manager.rowcount(
        "UPDATE observation SET status = 'closed', closed_at = now(), "
        "closure_reason = 'Process withdrawn by the board' WHERE id = %s", (org.finding_id,),
    ) == 1


def test_the_owner_cannot_validate_their_own_finding_and_nobody_writes_validated_by(
    cast, fingerprint, owner_sql
):
    org = cast.alpha
    owner_sql("UPDATE observation SET owner_id = :u WHERE id = :id",
              {"u": org.auditor.user.id, "id": org.finding_id})
    _set_status(owner_sql, org.finding_id, "pending_validation")
    today = _today(owner_sql, org.tenant.id)
    insert = ("INSERT INTO observation_validation (tenant_id, observation_id, validated_on, "
              "result, notes) VALUES (%s, %s, %s, 'passed', 'Looked fine to me')")
    (own,) = _refused_and_unchanged(
        org.auditor, fingerprint, (insert, (org.tenant.id, org.finding_id, today)),
    )
    assert own.sqlstate == "23514" and "owner" in str(own)
    _refused_and_unchanged(
        org.manager, fingerprint,
        ("INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result, "
         "validated_by) VALUES (%s, %s, %s, 'passed', %s)",
         (org.tenant.id, org.finding_id, today, org.admin.user.id)),
        ("INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result, "
         "recorded_at) VALUES (%s, %s, %s, 'passed', now() + interval '1 day')",
         (org.tenant.id, org.finding_id, today)),
        # Dated in the future (the tenant's clock).
        (insert, (org.tenant.id, org.finding_id, today + timedelta(days=2))),
    )
    # Another auditor's finding in the same engagement: the manager validates it.
    with org.manager.connect() as c:
        c.execute(insert.replace("'Looked fine to me'", "'Sampled 25 payments'"),
                  (org.tenant.id, org.finding_id, today))
    assert owner_sql(
        "SELECT o.status, v.validated_by FROM observation o JOIN observation_validation v "
        "ON v.tenant_id = o.tenant_id AND v.observation_id = o.id WHERE o.id = :id",
        {"id": org.finding_id},
    ) == [("closed", org.manager.user.id)]
    # Validations are never changed or removed by a person.
    _refused_and_unchanged(
        org.manager, fingerprint,
        ("UPDATE observation_validation SET result = 'failed'", None),
        ("DELETE FROM observation_validation", None),
        # Not pending validation any more: a second validation is refused.
        (insert, (org.tenant.id, org.finding_id, today)),
    )


def test_a_failed_validation_returns_the_finding_to_remediation(cast, owner_sql):
    org = cast.alpha
    _set_status(owner_sql, org.finding_id, "pending_validation")
    today = _today(owner_sql, org.tenant.id)
    org.auditor.run(
        "INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result, "
        "notes) VALUES (%s, %s, %s, 'failed', 'Two of five samples lack approval')",
        (org.tenant.id, org.finding_id, today),
    )
    assert owner_sql("SELECT status, closed_at FROM observation WHERE id = :id",
                     {"id": org.finding_id}) == [("in_remediation", None)]



def test_a_passed_validation_counts_only_for_the_submission_it_validated(
    cast, fingerprint, owner_sql
):
    org = cast.alpha
    _set_status(owner_sql, org.finding_id, "pending_validation")
    today = _today(owner_sql, org.tenant.id)
    org.manager.run(
        "INSERT INTO observation_validation (tenant_id, observation_id, validated_on, result) "
        "VALUES (%s, %s, %s, 'passed')", (org.tenant.id, org.finding_id, today),
    )
    _set_status(owner_sql, org.finding_id, "in_remediation")
    _set_status(owner_sql, org.finding_id, "pending_validation")
    _refused_and_unchanged(
        org.auditor, fingerprint,
        ("UPDATE observation SET status = 'closed', closed_at = now() WHERE id = %s",
         (org.finding_id,)),
    )


def test_no_submission_for_validation_while_actions_are_open(cast, fingerprint, owner_sql):
    org = cast.alpha
    _set_status(owner_sql, org.finding_id, "in_remediation")
    _action(owner_sql, org, org.finding_id, "Rewrite the approval matrix")
    _action(owner_sql, org, org.finding_id, "Train the clerks", status="done")
    (error,) = _refused_and_unchanged(
        org.manager, fingerprint,
        ("UPDATE observation SET status = 'pending_validation' WHERE id = %s",
         (org.finding_id,)),
    )
    assert '"Rewrite the approval matrix"' in str(error)
    assert "Train the clerks" not in str(error)


def test_actions_are_written_only_by_who_may_edit_the_finding_and_never_across_tenants(
    cast, fingerprint, owner_sql
):
    alpha, beta = cast.alpha, cast.beta
    theirs = _action(owner_sql, beta, beta.finding_id, "Beta's action")
    mine = _action(owner_sql, alpha, alpha.finding_id, "Alpha's action")
    today = _today(owner_sql, alpha.tenant.id)
    insert = ("INSERT INTO remediation_action (tenant_id, observation_id, title, due_date) "
              "VALUES (%s, %s, 'Planted', %s)")
    for role in ("auditor", "manager", "admin"):
        person = alpha.people[role]
        assert person.run("SELECT count(*) FROM remediation_action WHERE tenant_id = %s",
                          (beta.tenant.id,)) == [(0,)]
        assert person.rowcount("UPDATE remediation_action SET title = 'Mine now' "
                               "WHERE id = %s", (theirs,)) == 0
        _refused_and_unchanged(
            person, fingerprint,
            (insert, (beta.tenant.id, beta.finding_id, today)),
            ("SELECT auditdesk_delete_remediation_action(%s, %s)", (beta.tenant.id, theirs)),
            ("DELETE FROM remediation_action WHERE id = %s", (mine,)),
        )
    # The auditor is not on the other engagement: its findings' plans are not theirs.
    _refused_and_unchanged(
        alpha.auditor, fingerprint,
        (insert, (alpha.tenant.id, alpha.other_finding_id, today)),
    )
    assert alpha.auditor.rowcount(
        "UPDATE remediation_action SET title = 'Mine now' WHERE observation_id = %s",
        (alpha.other_finding_id,),
    ) == 0
    # Their own engagement's finding: add, edit and delete.
    (added,) = alpha.auditor.run(insert + " RETURNING id",
                                 (alpha.tenant.id, alpha.finding_id, today))[0]
    assert alpha.auditor.rowcount(
        "UPDATE remediation_action SET percent_complete = 40, status = 'in_progress' "
        "WHERE id = %s", (added,)) == 1
    assert alpha.auditor.run("SELECT auditdesk_delete_remediation_action(%s, %s)",
                             (alpha.tenant.id, added)) == [(True,)]


def test_the_stored_action_counts_and_the_version_are_not_writable(
    cast, fingerprint, owner_sql
):
    org = cast.alpha
    action = _action(owner_sql, org, org.finding_id)
    _refused_and_unchanged(
        org.admin, fingerprint,
        ("UPDATE observation SET actions_total = 0 WHERE id = %s", (org.finding_id,)),
        ("UPDATE observation SET open_action_due_min = NULL WHERE id = %s", (org.finding_id,)),
        ("UPDATE observation SET validation_requested_at = now() WHERE id = %s",
         (org.finding_id,)),
        ("UPDATE remediation_action SET version = 99 WHERE id = %s", (action,)),
        ("UPDATE remediation_action SET observation_id = %s WHERE id = %s",
         (org.other_finding_id, action)),
    )


def test_checks_refuse_inconsistent_actions(cast, fingerprint, owner_sql):
    org = cast.alpha
    action = _action(owner_sql, org, org.finding_id)
    identified = owner_sql("SELECT identified_on FROM observation WHERE id = :id",
                           {"id": org.finding_id})[0][0]
    update = "UPDATE remediation_action SET {} WHERE id = %s"
    _refused_and_unchanged(
        org.manager, fingerprint,
        (update.format("percent_complete = 100"), (action,)),
        (update.format("status = 'done'"), (action,)),
        (update.format("status = 'done', percent_complete = 100"), (action,)),
        (update.format("completed_on = current_date"), (action,)),
        (update.format("percent_complete = 101"), (action,)),
        (update.format("due_date = %s"), (identified - timedelta(days=1), action)),
        (update.format("title = ' '"), (action,)),
    )


def test_only_an_admin_edits_the_due_date_policy(cast, fingerprint, owner_sql):
    alpha, beta = cast.alpha, cast.beta
    owner_sql(
        "INSERT INTO due_date_policy (tenant_id, severity, days) VALUES "
        "(:a, 'high', 90), (:b, 'high', 90)", {"a": alpha.tenant.id, "b": beta.tenant.id},
    )
    for role in ("auditor", "manager"):
        (error, error_insert) = _refused_and_unchanged(
            alpha.people[role], fingerprint,
            ("UPDATE due_date_policy SET days = 1", None),
            ("INSERT INTO due_date_policy (tenant_id, severity, days) VALUES (%s, 'low', 5)",
             (alpha.tenant.id,)),
        )
        assert error.sqlstate == "42501"
    _refused_and_unchanged(
        alpha.admin, fingerprint,
        ("UPDATE due_date_policy SET severity = 'low'", None),
        ("UPDATE due_date_policy SET days = 0", None),
        ("INSERT INTO due_date_policy (tenant_id, severity, days) VALUES (%s, 'low', 5)",
         (beta.tenant.id,)),
    )
    assert alpha.admin.rowcount("UPDATE due_date_policy SET days = 60") == 1
    assert owner_sql("SELECT tenant_id, days FROM due_date_policy ORDER BY tenant_id") == [
        (alpha.tenant.id, 60), (beta.tenant.id, 90)
    ]


def test_expiry_returns_lapsed_acceptances_to_open_as_the_systems_doing(cast, owner_sql):
    org = cast.alpha
    today = _today(owner_sql, org.tenant.id)
    owner_sql((
        "ALTER TABLE observation DISABLE TRIGGER observation_remediation_rules",
        "UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
        "risk_accepted_until = :past, risk_acceptance_reason = 'Until the upgrade' "
        "WHERE id = :lapsed",
        "UPDATE observation SET status = 'risk_accepted', closed_at = now(), "
        "risk_accepted_until = :future, risk_acceptance_reason = 'Until the upgrade' "
        "WHERE id = :current",
        "ALTER TABLE observation ENABLE TRIGGER observation_remediation_rules",
    ), {"past": today - timedelta(days=1), "future": today + timedelta(days=10),
        "lapsed": org.finding_id, "current": org.other_finding_id})
    # Any person of the tenant runs it (the capture does); never for another tenant.
    assert cast.beta.auditor.refused(
        "SELECT auditdesk_expire_risk_acceptances(%s)", (org.tenant.id,)
    ).sqlstate == "42501"
    assert org.auditor.run("SELECT auditdesk_expire_risk_acceptances(%s)",
                           (org.tenant.id,)) == [(1,)]
    assert owner_sql("SELECT id, status, risk_accepted_until FROM observation "
                     "WHERE id IN (:a, :b) ORDER BY id",
                     {"a": org.finding_id, "b": org.other_finding_id}) == sorted([
        (org.finding_id, "open", None),
        (org.other_finding_id, "risk_accepted", today + timedelta(days=10)),
    ])
    trail = owner_sql(
        "SELECT db_login, app_user_id FROM audit_log WHERE table_name = 'observation' "
        "AND row_id = :id ORDER BY id DESC LIMIT 1", {"id": org.finding_id},
    )
    assert trail == [("system", None)]
    # The system's mark is not for a person's own change.
    org.manager.run("UPDATE observation SET title = 'Renamed' WHERE id = %s",
                    (org.finding_id,))
    assert owner_sql(
        "SELECT db_login, app_user_id FROM audit_log WHERE table_name = 'observation' "
        "AND row_id = :id ORDER BY id DESC LIMIT 1", {"id": org.finding_id},
    ) == [(org.manager.login, org.manager.user.id)]


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_explain_tells_nothing_about_another_tenants_actions_or_validations(
    cast, owner_sql, role
):
    person = cast.alpha.people[role]
    beta = cast.beta
    _action(owner_sql, beta, beta.finding_id, "Secret remediation")
    probes = [
        ("SELECT 1 FROM remediation_action WHERE tenant_id = %s AND title = %s",
         "Secret remediation", "No such action"),
        ("SELECT 1 FROM observation WHERE tenant_id = %s AND open_action_due_min >= %s",
         "1900-01-01", "2999-01-01"),
        ("SELECT 1 FROM observation_validation WHERE tenant_id = %s AND result = %s",
         "passed", "failed"),
        ("SELECT 1 FROM due_date_policy WHERE tenant_id = %s AND severity = %s",
         "high", "none"),
    ]
    for sql, right, wrong in probes:
        on_right = _explain(person, sql, (beta.tenant.id, right))
        on_wrong = _explain(person, sql, (beta.tenant.id, wrong))
        assert on_right == on_wrong and on_right[0] == 0, (sql, on_right, on_wrong)
