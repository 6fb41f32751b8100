"""The remediation figures of the dashboard and the board report, counted in PostgreSQL:
actions open past their due date, risk acceptances ending within 30 days, findings with
late actions (longest late first) and due dates moved later, and the tiles and report
section that show them."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
from sqlalchemy import text

from auditdesk.data import remediation_figures as figures
from auditdesk.domain.dashboard import RemediationNow, Tone, remediation_figures
from auditdesk.services.remediation import reads

TODAY = date.today()


def _action(s, tenant_id, finding, due, status="planned"):
    done = status == "done"
    s.execute(text(
        "INSERT INTO remediation_action (tenant_id, observation_id, title, due_date, status,"
        " percent_complete, completed_on) VALUES (:t, :o, 'Act', :due, :st, :pct, :on)"),
        {"t": tenant_id, "o": finding.id, "due": due, "st": status, "pct": 100 if done else 0,
         "on": due if done else None})


def _accept(s, finding, until):
    s.execute(text("UPDATE observation SET status = 'risk_accepted', closed_at = now(), risk_accepted_until = :u,"
                   " risk_acceptance_reason = 'Compensating control in place' WHERE id = :id"),
              {"u": until, "id": finding.id})


def test_figures_count_what_is_late_expiring_and_extended(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        other = f.tenant(s, "other")
        who = f.actor(t)
        e = f.engagement(s, who, code="ENG-2026-301")
        old = TODAY - timedelta(days=200)
        late = f.observation(s, who, engagement_id=e.id, title="Late", identified_on=old)
        later = f.observation(s, who, engagement_id=e.id, title="Later still", identified_on=old)
        fine = f.observation(s, who, title="Fine", identified_on=old)
        _action(s, t.id, late, TODAY - timedelta(days=10))
        _action(s, t.id, late, TODAY - timedelta(days=5), "in_progress")
        _action(s, t.id, late, TODAY - timedelta(days=50), "done")
        _action(s, t.id, later, TODAY - timedelta(days=40))
        _action(s, t.id, fine, TODAY + timedelta(days=5))
        soon = f.observation(s, who, title="Soon", identified_on=old)
        far = f.observation(s, who, title="Far", identified_on=old)
        _accept(s, soon, TODAY + timedelta(days=12))
        _accept(s, far, TODAY + timedelta(days=200))
        stretched = f.observation(s, who, title="Stretched", identified_on=old,
                                  due_date=TODAY + timedelta(days=60))
        s.execute(text("UPDATE observation SET due_date = due_date + 30,"
                       " due_date_extension_reason = 'Vendor delay' WHERE id = :id"), {"id": stretched.id})
        theirs = f.observation(s, f.actor(other), title="Other tenant", identified_on=old)
        _action(s, other.id, theirs, TODAY - timedelta(days=3))
    with database.sessions() as s:
        assert reads.overdue_action_counts(s, t.id, TODAY) == (3, 2)
        [expiring] = reads.expiring_acceptances(s, t.id, TODAY, 30)
        assert reads.count_expiring_acceptances(s, t.id, TODAY, 30) == 1  # the dashboard's tile
        assert reads.count_expiring_acceptances(s, t.id, TODAY, 11) == 0  # it ends in 12 days
        rows = figures.findings_with_overdue_actions(s, t.id, TODAY)
        extended = reads.due_date_extensions(s, t.id)
    assert (expiring.ref, expiring.days_left, expiring.reason) == (soon.ref, 12, "Compensating control in place")
    assert [(r.ref, r.days_late, r.late_actions, r.actions_done, r.actions_total) for r in rows] == [
        (later.ref, 40, 1, 0, 1), (late.ref, 10, 2, 1, 3)]
    assert rows[1].engagement_code == "ENG-2026-301"
    assert (extended.findings, extended.longest_days) == (1, 30)


def test_the_remediation_tiles_read_bad_only_when_something_is_late():
    quiet, busy = remediation_figures(RemediationNow(0, 0)), remediation_figures(RemediationNow(4, 2))
    assert [t.value for t in busy] == ["4", "2"]
    assert all(t.tone is Tone.NEUTRAL for t in quiet) and all(t.tone is Tone.BAD for t in busy)
    assert "30 days" in busy[1].delta
    assert [t.value for t in remediation_figures(None)] == ["—", "—"]


def test_the_board_report_lists_late_actions_expiring_acceptances_and_extensions(database, tmp_path):
    from openpyxl import load_workbook

    from auditdesk.services.report import collect, write_report

    with database.sessions.begin() as s:
        t = f.tenant(s)
        who = f.actor(t)
        old = TODAY - timedelta(days=100)
        late = f.observation(s, who, title="Late plan", identified_on=old)
        _action(s, t.id, late, TODAY - timedelta(days=7))
        soon = f.observation(s, who, title="Accepted for now", identified_on=old)
        _accept(s, soon, TODAY + timedelta(days=3))
        moved = f.observation(s, who, title="Moved", identified_on=old, due_date=TODAY + timedelta(days=10))
        s.execute(text("UPDATE observation SET due_date = due_date + 45,"
                       " due_date_extension_reason = 'Budget' WHERE id = :id"), {"id": moved.id})
    with database.sessions() as s:
        report = collect(s, t, today=TODAY)
    assert [row[0] for row in report.table("late_actions").rows] == [late.ref]
    assert report.table("late_actions").rows[0][5] == 7
    assert [(row[0], row[4]) for row in report.table("expiring").rows] == [(soon.ref, 3)]
    section = next(x for x in report.sections if x.title == "Remediation")
    assert "1 finding had the due date moved later" in section.intro and "45 days" in section.intro
    assert "on average" in section.intro
    path = write_report(report, tmp_path / "board.xlsx")
    sheet = load_workbook(path)["Overdue actions"]
    assert sheet["A2"].value == late.ref
