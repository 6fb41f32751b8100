"""Each action's stored copy of its finding's engagement (migration 0015) stays right
whatever changes its source, and "my engagements" counts overdue actions from it."""

from __future__ import annotations

from datetime import date

import factories as f
from sqlalchemy import text

from auditdesk.data import engagements as eng

TODAY = date(2026, 6, 30)
LATE = date(2026, 6, 1)


def _action(s, tenant_id: int, observation_id: int, due: date = LATE) -> int:
    return s.execute(text(
        "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date) "
        "VALUES (:t, :o, 'Fix it', :due) RETURNING id"),
        {"t": tenant_id, "o": observation_id, "due": due}).scalar_one()


def _wrong_copies(database) -> list[tuple[int, int | None, int | None]]:
    """Actions whose stored engagement is not their finding's."""
    with database.engine.connect() as c:
        return c.execute(text(
            "SELECT a.id, a.finding_engagement_id, o.engagement_id FROM remediation_action a "
            "JOIN observation o ON o.tenant_id = a.tenant_id AND o.id = a.observation_id "
            "WHERE a.finding_engagement_id IS DISTINCT FROM o.engagement_id")).all()


def _late_actions(database, tenant_id: int) -> dict[str, int]:
    with database.sessions() as s:
        return {e.code: e.overdue_actions for e in eng.my_engagements(s, tenant_id, None, TODAY)}


def test_the_copy_follows_inserts_moves_relinks_and_deleted_engagements(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        cash = f.engagement(s, who, code="ENG-2026-201")
        payroll = f.engagement(s, who, code="ENG-2026-202")
        ident = date(2026, 1, 10)
        in_cash = f.observation(s, who, engagement_id=cash.id, identified_on=ident)
        in_payroll = f.observation(s, who, engagement_id=payroll.id, identified_on=ident)
        loose = f.observation(s, who, identified_on=ident)
        first = _action(s, t.id, in_cash.id)
        second = _action(s, t.id, in_payroll.id)
        _action(s, t.id, loose.id)
        _action(s, t.id, in_payroll.id, due=date(2026, 7, 30))  # open but not late
    assert _wrong_copies(database) == []
    assert _late_actions(database, t.id) == {"ENG-2026-201": 1, "ENG-2026-202": 1}

    with database.sessions.begin() as s:  # the finding moves to another engagement
        s.execute(text("UPDATE observation SET engagement_id = :e WHERE tenant_id = :t AND id = :o"),
                  {"e": payroll.id, "t": t.id, "o": in_cash.id})
    assert _wrong_copies(database) == []
    assert _late_actions(database, t.id) == {"ENG-2026-201": 0, "ENG-2026-202": 2}

    with database.sessions.begin() as s:  # an action moves to a finding of no engagement
        s.execute(text("UPDATE remediation_action SET observation_id = :o WHERE tenant_id = :t AND id = :a"),
                  {"o": loose.id, "t": t.id, "a": second})
    assert _wrong_copies(database) == []
    assert _late_actions(database, t.id)["ENG-2026-202"] == 1

    with database.sessions.begin() as s:  # a finding of no engagement joins one
        s.execute(text("UPDATE observation SET engagement_id = :e WHERE tenant_id = :t AND id = :o"),
                  {"e": cash.id, "t": t.id, "o": loose.id})
    assert _wrong_copies(database) == []
    assert _late_actions(database, t.id) == {"ENG-2026-201": 2, "ENG-2026-202": 1}

    with database.sessions.begin() as s:  # a direct write gets the true value back
        s.execute(text("UPDATE remediation_action SET finding_engagement_id = :e "
                       "WHERE tenant_id = :t AND id = :a"), {"e": cash.id, "t": t.id, "a": first})
    assert _wrong_copies(database) == []

    with database.sessions.begin() as s:  # the engagement is deleted: its findings keep no copy
        eng.remove_engagement(s, f.actor(t, f.user(s, t.id, role=f.Role.ADMIN)), payroll.id)
    assert _wrong_copies(database) == []
    with database.engine.connect() as c:
        assert c.execute(text(
            "SELECT count(*) FROM remediation_action WHERE finding_engagement_id = :e"),
            {"e": payroll.id}).scalar_one() == 0
    assert _late_actions(database, t.id) == {"ENG-2026-201": 2}


def test_the_copy_makes_no_new_version_and_no_audit_entry(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        cash = f.engagement(s, who)
        payroll = f.engagement(s, who)
        finding = f.observation(s, who, engagement_id=cash.id, identified_on=date(2026, 1, 10))
        action = _action(s, t.id, finding.id)
    with database.engine.connect() as c:
        before = c.execute(text("SELECT version, updated_at FROM remediation_action WHERE id = :a"),
                           {"a": action}).one()
        entries = c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'remediation_action'")
                            ).scalar_one()
    with database.sessions.begin() as s:
        s.execute(text("UPDATE observation SET engagement_id = :e WHERE tenant_id = :t AND id = :o"),
                  {"e": payroll.id, "t": t.id, "o": finding.id})
    with database.engine.connect() as c:
        after = c.execute(text(
            "SELECT version, updated_at, finding_engagement_id FROM remediation_action WHERE id = :a"),
            {"a": action}).one()
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'remediation_action'")
                         ).scalar_one() == entries
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert after.finding_engagement_id == payroll.id


def test_no_login_of_a_tenant_may_write_the_copy(database):
    with database.engine.connect() as c:
        for app_role in ("auditor", "manager", "admin"):
            role = c.execute(text("SELECT public.auditdesk_group_role_name(:r)"),
                             {"r": app_role}).scalar_one()
            for privilege in ("INSERT", "UPDATE"):
                def may(column: str, role=role, privilege=privilege) -> bool:
                    return c.execute(text(
                        "SELECT has_column_privilege(:r, 'public.remediation_action', :c, :p)"),
                        {"r": role, "c": column, "p": privilege}).scalar_one()
                assert may("title"), f"{app_role} may {privilege} an action's title"
                assert not may("finding_engagement_id")
