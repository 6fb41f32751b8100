"""Engagements: validation, list filters and sorting, progress counts by hand, delete."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.data import engagements as eng
from auditdesk.domain.drafts import EngagementDraft
from auditdesk.domain.errors import ConflictError, ValidationError
from auditdesk.domain.queries import EngagementFilter, EngagementSort
from auditdesk.services import engagements as engagement_service

TODAY = date(2026, 6, 30)


def test_validation_lists_problems_and_writes_nothing(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
    draft = EngagementDraft(
        code="bad code!",
        title="",
        auditee="",
        status="archived",
        period_start=date(2026, 5, 1),
        period_end=date(2026, 4, 1),
    )
    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s:
        engagement_service.create(s, f.actor(t), draft)
    assert set(caught.value.problems) == {"code", "title", "auditee", "status", "period_end"}
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_engagement")).scalar_one() == 0


def test_duplicate_code_is_a_field_error(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        f.engagement(s, f.actor(t), code="ENG-2026-001")
    with pytest.raises(ValidationError, match="code"), database.sessions.begin() as s:
        f.engagement(s, f.actor(t), code="eng-2026-001")


@pytest.fixture
def portfolio(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        lead = f.user(s, t.id, name="Lena Lead")
        member = f.user(s, t.id, name="Max Member")
        outsider = f.user(s, t.id, name="Olli Outsider")
        e1 = f.engagement(
            s, a, code="ENG-A", title="Treasury review", auditee="Treasury",
            status="fieldwork", lead_auditor_id=lead.id, planned_end=date(2026, 9, 1),
        )
        e2 = f.engagement(
            s, a, code="ENG-B", title="Payroll review", auditee="Payroll", status="closed",
            member_ids=(member.id,), planned_end=date(2026, 1, 1),
        )
        e3 = f.engagement(
            s, a, code="ENG-C", title="IT access", auditee="IT", status="fieldwork",
            lead_auditor_id=member.id, member_ids=(lead.id,), planned_end=date(2026, 7, 1),
        )
        # e1: open overdue, open not yet due, closed, risk accepted, draft (not counted)
        start = date(2026, 1, 1)
        o1 = f.observation(s, a, engagement_id=e1.id, identified_on=start, due_date=TODAY - timedelta(days=1))
        f.observation(s, a, engagement_id=e1.id, identified_on=start, due_date=TODAY + timedelta(days=5))
        o3 = f.observation(s, a, engagement_id=e1.id, identified_on=start, due_date=start)
        o4 = f.observation(s, a, engagement_id=e1.id, identified_on=start, due_date=start)
        f.observation(s, a, engagement_id=e1.id, identified_on=start, status="draft")
        f.walk(s, a, o3.id, "closed")
        f.walk(s, a, o4.id, "risk_accepted")
        # e2: one closed
        o5 = f.observation(s, a, engagement_id=e2.id, identified_on=start)
        f.walk(s, a, o5.id, "closed")
        del o1
    return t, (e1, e2, e3), (lead, member, outsider)


def test_progress_counts_match_hand_computed(database, portfolio):
    t, (e1, e2, e3), (lead, member, outsider) = portfolio
    with database.sessions() as s:
        everyone = {p.code: p for p in eng.my_engagements(s, t.id, None, today=TODAY)}
        assert (everyone["ENG-A"].total, everyone["ENG-A"].open, everyone["ENG-A"].closed,
                everyone["ENG-A"].overdue) == (4, 2, 1, 1)
        assert (everyone["ENG-B"].total, everyone["ENG-B"].open, everyone["ENG-B"].closed,
                everyone["ENG-B"].overdue) == (1, 0, 1, 0)
        assert (everyone["ENG-C"].total, everyone["ENG-C"].open) == (0, 0)
        # Ordered by status (fieldwork, reporting, planned, closed) then planned end.
        assert list(everyone) == ["ENG-C", "ENG-A", "ENG-B"]
        assert [p.code for p in eng.my_engagements(s, t.id, lead.id, today=TODAY)] == ["ENG-C", "ENG-A"]
        assert [p.code for p in eng.my_engagements(s, t.id, member.id, today=TODAY)] == ["ENG-C", "ENG-B"]
        assert eng.my_engagements(s, t.id, outsider.id, today=TODAY) == []


def test_my_engagements_come_a_page_at_a_time_in_the_same_order(database):
    """Pages start after the last row shown and together are the whole list in its order,
    with no planned end last and ties broken by code; the total counts them all."""
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        lead = f.user(s, t.id, name="Lena Lead")
        for code, status, planned_end in (
            ("ENG-E", "planned", None), ("ENG-D", "fieldwork", date(2026, 9, 1)),
            ("ENG-A", "fieldwork", None), ("ENG-C", "fieldwork", date(2026, 9, 1)),
            ("ENG-B", "closed", date(2025, 1, 1)), ("ENG-F", "reporting", date(2026, 2, 1)),
            ("ENG-G", "planned", date(2027, 1, 1)),
        ):
            f.engagement(s, a, code=code, status=status, planned_end=planned_end,
                         planned_start=date(2025, 1, 1) if planned_end else None,
                         lead_auditor_id=lead.id if code != "ENG-G" else None)
    with database.sessions() as s:
        whole = [p.code for p in eng.my_engagements(s, t.id, None, today=TODAY)]
        assert whole == ["ENG-C", "ENG-D", "ENG-A", "ENG-F", "ENG-G", "ENG-E", "ENG-B"]
        pages, after = [], None
        while True:
            page = eng.my_engagements_page(s, t.id, None, TODAY, after=after, limit=3)
            pages.append(([p.code for p in page.rows], page.more, page.total))
            if not page.more:
                break
            after = page.rows[-1]
        assert pages == [
            (["ENG-C", "ENG-D", "ENG-A"], True, 7),
            (["ENG-F", "ENG-G", "ENG-E"], True, 7),
            (["ENG-B"], False, 7),
        ]
        led = eng.my_engagements_page(s, t.id, lead.id, TODAY, limit=6)
        assert ([p.code for p in led.rows], led.more, led.total) == (
            ["ENG-C", "ENG-D", "ENG-A", "ENG-F", "ENG-E", "ENG-B"], False, 6)
        exact = eng.my_engagements_page(s, t.id, None, TODAY, limit=7)
        assert (len(exact.rows), exact.more) == (7, False)


def test_list_filters_and_sorts_in_the_database(database, portfolio):
    t, (e1, e2, e3), _ = portfolio
    with database.sessions() as s:
        def codes(flt=EngagementFilter(today=TODAY), sort=EngagementSort.CODE, desc=False):
            return [e.code for e in eng.list_engagements(s, t.id, flt, sort, desc)]

        assert codes() == ["ENG-A", "ENG-B", "ENG-C"]
        assert codes(desc=True) == ["ENG-C", "ENG-B", "ENG-A"]
        assert codes(EngagementFilter(statuses=("fieldwork",))) == ["ENG-A", "ENG-C"]
        assert codes(EngagementFilter(auditee="Payroll")) == ["ENG-B"]
        assert codes(EngagementFilter(text="review")) == ["ENG-A", "ENG-B"]
        assert codes(sort=EngagementSort.TOTAL, desc=True) == ["ENG-A", "ENG-B", "ENG-C"]
        assert codes(sort=EngagementSort.LEAD) == ["ENG-A", "ENG-C", "ENG-B"]
        for sort in EngagementSort:
            assert sorted(codes(sort=sort)) == ["ENG-A", "ENG-B", "ENG-C"]
        assert eng.count_engagements(s, t.id, EngagementFilter(text="review")) == 2
        first = eng.list_engagements(s, t.id, EngagementFilter(today=TODAY))[0]
        assert (first.total, first.open, first.overdue) == (4, 2, 1)


def test_update_with_stale_version_conflicts(database, portfolio):
    t, (e1, *_), _ = portfolio
    with database.sessions.begin() as s:
        draft = engagement_service.draft_of(e1)
        from dataclasses import replace

        updated = engagement_service.update(s, f.actor(t), e1.id, replace(draft, title="New"), e1.version).value
        assert updated.version == e1.version + 1 and updated.title == "New"
    with pytest.raises(ConflictError), database.sessions.begin() as s:
        engagement_service.update(s, f.actor(t), e1.id, engagement_service.draft_of(e1), e1.version)


def test_delete_keeps_observations(database, portfolio):
    t, (e1, *_), _ = portfolio
    with database.sessions.begin() as s:
        result = engagement_service.delete(s, f.actor(t), e1.id).value
    assert result.kept_observations == 5
    with database.engine.connect() as c:
        orphans = c.execute(
            text("SELECT count(*) FROM observation WHERE tenant_id = :t AND engagement_id IS NULL"),
            {"t": t.id},
        ).scalar_one()
    assert orphans == 5


def test_progress_counts_the_overdue_actions_of_each_engagement(database):
    today = date(2026, 6, 30)
    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        cash = f.engagement(s, who, code="ENG-2026-101")
        payroll = f.engagement(s, who, code="ENG-2026-102")
        first = f.observation(s, who, engagement_id=cash.id, identified_on=date(2026, 1, 10))
        second = f.observation(s, who, engagement_id=cash.id, identified_on=date(2026, 1, 10))
        third = f.observation(s, who, engagement_id=payroll.id, identified_on=date(2026, 1, 10))
        rows = [  # (finding, due, status): late and open counts; done, cancelled or not yet due do not
            (first, date(2026, 6, 1), "planned"), (first, date(2026, 6, 29), "in_progress"),
            (second, date(2026, 5, 1), "done"), (second, date(2026, 5, 1), "cancelled"),
            (second, date(2026, 6, 30), "planned"), (third, date(2026, 7, 15), "planned"),
        ]
        for finding, due, status in rows:
            s.execute(text(
                "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date, status,"
                " percent_complete, completed_on) VALUES (:t, :o, 'Act', :due, :st, :pct, :on)"),
                {"t": t.id, "o": finding.id, "due": due, "st": status,
                 "pct": 100 if status == "done" else 0, "on": due if status == "done" else None})
    with database.sessions() as s:
        progress = {e.code: e for e in eng.my_engagements(s, t.id, None, today)}
    assert progress["ENG-2026-101"].overdue_actions == 2
    assert progress["ENG-2026-102"].overdue_actions == 0
