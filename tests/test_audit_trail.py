"""The audit trail as the data layer reads it: newest first, from → to, and who."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import factories as f

from auditdesk.data import audit
from auditdesk.domain.enums import AuditAction
from auditdesk.domain.remediation import ValidationDraft
from auditdesk.services import observations as observation_service
from auditdesk.services.remediation import validation


def test_row_history_newest_first_with_changes_and_who(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        alice = f.user(s, t.id, name="Alice")
        o = f.observation(s, f.actor(t, alice), title="First wording", status="pending_validation")
    with database.sessions.begin() as s:
        observation_service.update(
            s, f.actor(t, alice), o.id, replace(observation_service.draft_of(o), title="Second wording", severity="high"), o.version
        )
    with database.sessions.begin() as s:
        # A passed validation closes it (the database's own update of the finding).
        validation.record_validation(s, f.actor(t), o.id, ValidationDraft(o.identified_on, "passed"))
    with database.sessions() as s:
        history = audit.row_history(s, t.id, "observation", o.id)
    assert [e.action for e in history] == [AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.INSERT]
    closing, edit, created = history
    assert {c.field: (c.old, c.new) for c in edit.changes} == {
        "title": ("First wording", "Second wording"),
        "severity": ("medium", "high"),
    }
    assert edit.user_name == "Alice" and edit.app_user_id == alice.id
    assert {c.field for c in closing.changes} == {"status", "closed_at"}
    assert closing.user_name is None and closing.db_login  # the workspace owner's login
    assert any(c.field == "title" and c.new == "First wording" for c in created.changes)
    assert "version" not in {c.field for e in history for c in e.changes}


def test_tenant_wide_entries_filter_and_page(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        other = f.tenant(s)
        bob = f.user(s, t.id, name="Bob")
        for _ in range(5):
            f.observation(s, f.actor(t, bob))
        f.engagement(s, f.actor(t))
        f.observation(s, f.actor(other))
    with database.sessions() as s:
        everything = audit.count_entries(s, t.id)
        assert everything == 1 + 1 + 5 + 1  # tenant, user, observations, engagement
        by_bob = audit.AuditFilter(app_user_id=bob.id)
        assert audit.count_entries(s, t.id, by_bob) == 5
        page1 = audit.list_entries(s, t.id, by_bob, limit=3)
        page2 = audit.list_entries(s, t.id, by_bob, offset=3, limit=3)
        assert len(page1) == 3 and len(page2) == 2
        assert page1[0].changed_at >= page2[-1].changed_at
        assert audit.count_entries(s, t.id, audit.AuditFilter(table_name="audit_engagement")) == 1
        tomorrow = date.today() + timedelta(days=1)
        assert audit.count_entries(s, t.id, audit.AuditFilter(date_from=tomorrow)) == 0
        assert set(audit.audited_tables(s, t.id)) == {
            "tenant", "app_user", "observation", "audit_engagement"
        }


def test_a_created_repeat_shows_what_a_person_wrote_not_what_the_database_derived(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        owner = f.user(s, t.id, name="Olga Owner")
        who = f.actor(t, owner)
        earlier = f.observation(s, who, title="Earlier", identified_on=date(2026, 1, 5))
        e = f.engagement(s, who, code="ENG-2026-077")
        again = f.observation(s, who, title="Again", engagement_id=e.id, owner_id=owner.id,
                              repeat_of_id=earlier.id, identified_on=date(2026, 6, 5))
    with database.sessions() as s:
        created = audit.row_history(s, t.id, "observation", again.id)[-1]
    fields = {c.field for c in created.changes}
    assert {"title", "engagement_id", "owner_id", "repeat_of_id"} <= fields
    derived = {"root_id", "tree_size", "tree_depth", "tree_open", "tree_reopened",
               "tree_auditees", "engagement_code", "owner_name", "repeat_of_ref"}
    assert not fields & derived
