"""Repeat links and suggestions under the roles: every person proposes, only managers and
admins decide, the decider and the stored tree columns are the database's."""

from __future__ import annotations

from tests.security.conftest import days_ago

SUGGEST = (
    "INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score, reasons, "
    "status) VALUES (%s, %s, %s, 0.9, '[]', %s) RETURNING id, status, decided_by, decided_at"
)
NAMING_THE_DECIDER = (
    "INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score, "
    "decided_by, decided_at) VALUES (%s, %s, %s, 0.9, %s, now())"
)


def _earlier_and_later(cast, owner_sql) -> tuple[int, int]:
    """The auditor's finding becomes the later one; the other engagement's the earlier."""
    later, earlier = cast.alpha.finding_id, cast.alpha.other_finding_id
    owner_sql(
        (
            "UPDATE observation SET identified_on = :early WHERE id = :earlier",
            "UPDATE observation SET identified_on = :late WHERE id = :later",
        ),
        {"early": days_ago(400), "late": days_ago(10), "earlier": earlier, "later": later},
    )
    return earlier, later


def test_an_auditor_proposes_only_pending_and_cannot_name_the_decider(
    cast, owner_sql, fingerprint
):
    earlier, later = _earlier_and_later(cast, owner_sql)
    alpha = cast.alpha
    before = fingerprint()
    error = alpha.auditor.refused(
        NAMING_THE_DECIDER, (alpha.tenant.id, later, earlier, alpha.manager.user.id)
    )
    assert error.sqlstate == "42501"
    assert fingerprint() == before
    (row,) = alpha.auditor.run(SUGGEST, (alpha.tenant.id, later, earlier, "accepted"))
    assert row[1:] == ("pending", None, None)


def test_only_managers_decide_and_the_decider_is_the_login(cast, owner_sql, fingerprint):
    earlier, later = _earlier_and_later(cast, owner_sql)
    alpha = cast.alpha
    (row,) = alpha.auditor.run(SUGGEST, (alpha.tenant.id, later, earlier, "pending"))
    suggestion = row[0]
    before = fingerprint()
    error = alpha.auditor.refused(
        "UPDATE repeat_suggestion SET status = 'rejected' WHERE id = %s", (suggestion,)
    )
    assert error.sqlstate == "42501"
    # Another tenant's manager does not even see it.
    assert cast.beta.manager.rowcount(
        "UPDATE repeat_suggestion SET status = 'rejected' WHERE id = %s", (suggestion,)
    ) == 0
    assert fingerprint() == before
    error = alpha.manager.refused(
        "UPDATE repeat_suggestion SET status = 'accepted', decided_by = %s WHERE id = %s",
        (alpha.admin.user.id, suggestion),
    )
    assert error.sqlstate == "42501"
    # The manager decides; naming the admin as the acting person changes nothing.
    with alpha.manager.connect() as connection:
        connection.execute(
            "SELECT set_config('auditdesk.app_user_id', %s, false)", (str(alpha.admin.user.id),)
        )
        connection.execute(
            "UPDATE repeat_suggestion SET status = 'accepted' WHERE id = %s", (suggestion,)
        )
    (decided,) = owner_sql(
        "SELECT status, decided_by FROM repeat_suggestion WHERE id = :id", {"id": suggestion}
    )
    assert tuple(decided) == ("accepted", alpha.manager.user.id)
    error = alpha.admin.refused(
        "UPDATE repeat_suggestion SET status = 'rejected' WHERE id = %s", (suggestion,)
    )
    assert "already accepted" in str(error)


def test_another_tenants_person_cannot_propose_here(cast, owner_sql, fingerprint):
    earlier, later = _earlier_and_later(cast, owner_sql)
    before = fingerprint()
    error = cast.beta.auditor.refused(
        SUGGEST, (cast.alpha.tenant.id, later, earlier, "pending")
    )
    assert error.sqlstate in {"42501", "23503"}
    assert fingerprint() == before


def test_tree_columns_are_the_databases(cast, owner_sql, fingerprint):
    alpha = cast.alpha
    before = fingerprint()
    for column, value in (("root_id", "1"), ("tree_size", "99"), ("tree_open", "7"),
                          ("tree_auditees", "'{Nobody}'"), ("search_vector", "'x'"),
                          ("search_text", "'x'")):
        error = alpha.manager.refused(
            f"UPDATE observation SET {column} = {value} WHERE id = %s", (alpha.finding_id,)
        )
        assert error.sqlstate in {"42501", "428C9"}, column
    assert fingerprint() == before


def test_a_link_across_engagements_keeps_the_earlier_findings_tree_summary(cast, owner_sql):
    """The auditor may not edit the earlier finding (not on its engagement), yet linking to
    it must still update its tree summary: the summary is written by the database."""
    earlier, later = _earlier_and_later(cast, owner_sql)
    alpha = cast.alpha
    (version_before,) = owner_sql(
        "SELECT version FROM observation WHERE id = :id", {"id": earlier}
    )[0]
    assert alpha.auditor.rowcount(
        "UPDATE observation SET repeat_of_id = %s WHERE id = %s", (earlier, later)
    ) == 1
    rows = owner_sql(
        "SELECT id, root_id, recurrence, tree_size, version FROM observation "
        "WHERE id IN (:a, :b) ORDER BY id",
        {"a": earlier, "b": later},
    )
    by_id = {r.id: r for r in rows}
    assert by_id[later].root_id == earlier and by_id[later].recurrence == 1
    assert by_id[earlier].tree_size == 2
    # The earlier finding's own version is untouched: its summary is not an edit of it.
    assert by_id[earlier].version == version_before


def test_only_a_manager_changes_or_clears_a_link(cast, owner_sql, fingerprint):
    earlier, later = _earlier_and_later(cast, owner_sql)
    alpha = cast.alpha
    alpha.auditor.run("UPDATE observation SET repeat_of_id = %s WHERE id = %s", (earlier, later))
    before = fingerprint()
    error = alpha.auditor.refused(
        "UPDATE observation SET repeat_of_id = NULL WHERE id = %s", (later,)
    )
    assert error.sqlstate == "42501" and "repeat link" in str(error)
    assert fingerprint() == before
    assert alpha.manager.rowcount(
        "UPDATE observation SET repeat_of_id = NULL WHERE id = %s", (later,)
    ) == 1
    assert owner_sql("SELECT repeat_of_id FROM observation WHERE id = :id", {"id": later}) == [
        (None,)
    ]
