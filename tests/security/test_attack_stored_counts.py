"""The stored sort keys and tallies (migration 0009) on an ordinary login: no role can
forge them, and they stay true through what each role may do."""

from __future__ import annotations

import pytest

FORGERIES = (
    "UPDATE observation SET engagement_code = 'ENG-FAKE', owner_name = 'Nobody', "
    "repeat_of_ref = 'OBS-FAKE' WHERE id = %(finding)s",
    "UPDATE engagement_tally SET total = 999",
    "INSERT INTO engagement_tally (tenant_id, engagement_id, total) "
    "VALUES (%(tenant)s, %(engagement)s, 999)",
    "DELETE FROM engagement_tally",
    "UPDATE tenant_tally SET observations = 0",
    "DELETE FROM tenant_tally",
    "INSERT INTO tenant_tally (tenant_id, observations, overdue_as_of) "
    "VALUES (%(other_tenant)s, 5, DATE '2020-01-01')",
    # the dashboard's figures per day (migration 0022)
    "UPDATE tenant_figure_day SET open_critical = open_critical + 100",
    "DELETE FROM tenant_figure_day",
    "INSERT INTO tenant_figure_day (tenant_id, day, total) VALUES (%(tenant)s, DATE '2020-01-01', 7)",
    "INSERT INTO tenant_figure_day (tenant_id, day, total) "
    "VALUES (%(other_tenant)s, DATE '2020-01-01', 7)",
    # the searchable words of the repeat candidates (migration 0027)
    "UPDATE observation_words SET words = to_tsvector('english', 'forged') WHERE id = %(finding)s",
    "DELETE FROM observation_words",
    "INSERT INTO observation_words (tenant_id, id, identified_on, words) "
    "VALUES (%(tenant)s, %(finding)s, DATE '2020-01-01', to_tsvector('english', 'forged'))",
)


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_no_login_writes_the_copies_or_the_tallies(cast, fingerprint, role, forgery):
    person = cast.alpha.people[role]
    params = {"finding": cast.alpha.finding_id, "tenant": cast.alpha.tenant.id,
              "engagement": cast.alpha.engagement_id, "other_tenant": cast.beta.tenant.id}
    before = fingerprint()
    error = person.refused(forgery, params)
    assert error.sqlstate in ("42501", "42P01") or "permission" in str(error), error
    assert fingerprint() == before


def test_tallies_read_only_the_logins_tenant_and_follow_its_writes(cast):
    auditor = cast.alpha.auditor
    mine = auditor.run("SELECT DISTINCT tenant_id FROM engagement_tally")
    assert mine == [(cast.alpha.tenant.id,)]
    assert auditor.run("SELECT tenant_id FROM tenant_tally") == [(cast.alpha.tenant.id,)]
    before = auditor.run("SELECT total FROM engagement_tally WHERE engagement_id = %s",
                         (cast.alpha.engagement_id,))[0][0]
    # the auditor records a finding in their own engagement, on their login
    auditor.run(
        "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, "
        "engagement_id) VALUES (%s, 'OBS-TALLY', 'Seen by the tally', 'low', 'open', "
        "current_date, %s)",
        (cast.alpha.tenant.id, cast.alpha.engagement_id),
    )
    after = auditor.run("SELECT total FROM engagement_tally WHERE engagement_id = %s",
                        (cast.alpha.engagement_id,))[0][0]
    assert after == before + 1
    # The figures per day: the login's tenant only, and they count the new finding.
    assert auditor.run("SELECT DISTINCT tenant_id FROM tenant_figure_day") == [(cast.alpha.tenant.id,)]
    assert auditor.run("SELECT sum(total) FROM tenant_figure_day WHERE day <= current_date")[0][0] \
        == auditor.run("SELECT count(*) FROM observation WHERE status <> 'draft' "
                       "AND identified_on <= current_date")[0][0]



def test_searchable_words_read_only_the_logins_tenant_and_follow_its_writes(cast):
    """``observation_words`` (migration 0027): another tenant's words are invisible on a
    login, and a finding the login records, rewrites or deletes changes its row."""
    auditor = cast.alpha.auditor
    assert auditor.run("SELECT DISTINCT tenant_id FROM observation_words") == [(cast.alpha.tenant.id,)]
    assert auditor.run("SELECT count(*) FROM observation_words")[0][0] == \
        auditor.run("SELECT count(*) FROM observation")[0][0]
    auditor.run(
        "INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, "
        "engagement_id, condition) VALUES (%s, 'OBS-WORDS', 'Backups never restored', 'low', "
        "'open', current_date, %s, 'No restore test was run')",
        (cast.alpha.tenant.id, cast.alpha.engagement_id),
    )
    match = ("SELECT count(*) FROM observation_words w JOIN observation o USING (tenant_id, id) "
             "WHERE o.ref = 'OBS-WORDS' AND w.words @@ to_tsquery('english', %s)")
    assert auditor.run(match, ("restore",))[0][0] == 1
    auditor.run("UPDATE observation SET title = 'Firewall rules unreviewed', "
                "condition = 'Nobody reviews the rules' WHERE ref = 'OBS-WORDS'")
    assert auditor.run(match, ("restore",))[0][0] == 0
    assert auditor.run(match, ("firewall",))[0][0] == 1


@pytest.mark.parametrize("role", ["auditor", "manager", "admin"])
def test_no_login_moves_an_action_to_another_engagement(cast, fingerprint, owner_sql, role):
    """An action's copy of its finding's engagement (migration 0015) counts its lateness
    for that engagement: no login may write it, neither on an action nor on a new one."""
    org = cast.alpha
    action = owner_sql(
        "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date) "
        "VALUES (:t, :o, 'Fix the control', current_date - 10) RETURNING id",
        {"t": org.tenant.id, "o": org.finding_id},
    )[0][0]
    elsewhere = owner_sql(
        "SELECT id FROM audit_engagement WHERE tenant_id = :t AND id <> :e ORDER BY id LIMIT 1",
        {"t": org.tenant.id, "e": org.engagement_id},
    )
    other = elsewhere[0][0] if elsewhere else org.engagement_id + 1000
    before = fingerprint()
    for forgery in (
        "UPDATE remediation_action SET finding_engagement_id = %(other)s WHERE id = %(action)s",
        "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date, "
        "finding_engagement_id) VALUES (%(tenant)s, %(finding)s, 'Mine', current_date, %(other)s)",
    ):
        error = org.people[role].refused(
            forgery, {"other": other, "action": action, "tenant": org.tenant.id,
                      "finding": org.finding_id})
        assert error.sqlstate == "42501", error
    assert fingerprint() == before
    stored = owner_sql(
        "SELECT a.finding_engagement_id, o.engagement_id FROM remediation_action a "
        "JOIN observation o ON o.tenant_id = a.tenant_id AND o.id = a.observation_id "
        "WHERE a.id = :a", {"a": action})
    assert stored[0][0] == stored[0][1]
