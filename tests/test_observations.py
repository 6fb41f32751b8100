"""Observations through the data layer: refs, defaults, validation, locking, transitions, paging."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.data import observations as obs
from auditdesk.domain.drafts import ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Role
from auditdesk.domain.errors import (
    ConflictError,
    PermissionDenied,
    TransitionError,
    ValidationError,
)
from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.domain.remediation import RiskAcceptance
from auditdesk.services import lineage as lineage_service
from auditdesk.services import observations as observation_service


def _count(database) -> tuple[int, int]:
    with database.engine.connect() as c:
        return (
            c.execute(text("SELECT count(*) FROM observation")).scalar_one(),
            c.execute(text("SELECT count(*) FROM audit_log")).scalar_one(),
        )


def test_refs_are_assigned_per_tenant(database):
    with database.sessions.begin() as s:
        first, second = f.tenant(s), f.tenant(s)
        refs_a = [f.observation(s, f.actor(first)).ref for _ in range(3)]
        refs_b = [f.observation(s, f.actor(second)).ref for _ in range(2)]
    assert refs_a == ["OBS-000001", "OBS-000002", "OBS-000003"]
    assert refs_b == ["OBS-000001", "OBS-000002"]


@pytest.mark.parametrize(
    ("severity", "days"), [("critical", 30), ("high", 90), ("medium", 180), ("low", 365)]
)
def test_default_due_date_by_severity(database, severity, days):
    identified = date(2026, 3, 1)
    with database.sessions.begin() as s:
        t = f.tenant(s)
        o = f.observation(s, f.actor(t), severity=severity, identified_on=identified)
    assert o.due_date == identified + timedelta(days=days)
    assert o.original_due_date == o.due_date


def test_given_due_date_is_kept(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        o = f.observation(
            s, f.actor(t), identified_on=date(2026, 1, 1), due_date=date(2026, 2, 1)
        )
    assert o.due_date == date(2026, 2, 1)


def test_validation_lists_every_problem_and_writes_nothing(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
    before = _count(database)
    draft = ObservationDraft(
        title="  ",
        severity="urgent",
        identified_on=date.today() + timedelta(days=3),
        due_date=date.today(),
        status="nonsense",
        condition="x" * 10_001,
    )
    with pytest.raises(ValidationError) as caught, database.sessions.begin() as s:
        observation_service.create(s, f.actor(t), draft)
    problems = caught.value.problems
    assert set(problems) >= {"title", "severity", "identified_on", "status", "condition"}
    assert "required" in problems["title"]
    assert "critical" in problems["severity"]
    assert _count(database) == before


def test_stale_update_raises_a_conflict_naming_who_and_when(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        alice = f.user(s, t.id, name="Alice Auditor")
        bob = f.user(s, t.id, name="Bob Manager", role=Role.MANAGER)
        o = f.observation(s, f.actor(t, alice))
    with database.sessions.begin() as s:
        draft = replace(observation_service.draft_of(o), title="Bob's wording")
        saved = observation_service.update(s, f.actor(t, bob), o.id, draft, o.version).value
    assert saved.version == o.version + 1
    before = _count(database)
    with pytest.raises(ConflictError) as caught, database.sessions.begin() as s:
        observation_service.update(
            s, f.actor(t, alice), o.id, replace(observation_service.draft_of(o), title="Alice's wording"), o.version
        )
    assert caught.value.changed_by == "Bob Manager"
    assert caught.value.changed_at is not None
    assert "Bob Manager" in str(caught.value)
    assert _count(database) == before
    # An explicit overwrite (no expected version) wins.
    with database.sessions.begin() as s:
        forced = observation_service.update(
            s, f.actor(t, alice), o.id, replace(observation_service.draft_of(o), title="Alice's wording"), None
        ).value
    assert forced.title == "Alice's wording"


def test_closing_sets_closed_at_and_reopening_clears_it(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        o = f.observation(s, f.actor(t), status="pending_validation")
        closed = observation_service.change_status(
            s, f.actor(t), o.id, ObservationStatus.CLOSED, closure_reason="Verified on site"
        ).value
        assert closed.closed_at is not None
        reopened = observation_service.change_status(s, f.actor(t), o.id, ObservationStatus.OPEN).value
        assert reopened.closed_at is None and reopened.status is ObservationStatus.OPEN


def test_risk_acceptance_needs_a_manager(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        auditor = f.user(s, t.id, Role.AUDITOR)
        manager = f.user(s, t.id, Role.MANAGER)
        o = f.observation(s, f.actor(t, auditor))
    with pytest.raises(PermissionDenied), database.sessions.begin() as s:
        observation_service.change_status(s, f.actor(t, auditor), o.id, ObservationStatus.RISK_ACCEPTED)
    with database.sessions.begin() as s:
        accepted = observation_service.change_status(
            s, f.actor(t, manager), o.id, ObservationStatus.RISK_ACCEPTED,
            acceptance=RiskAcceptance(o.identified_on + timedelta(days=400), "Low exposure"),
        ).value
    assert accepted.status is ObservationStatus.RISK_ACCEPTED and accepted.closed_at is not None


def test_transitions_not_in_the_workflow_are_refused(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        o = f.observation(s, f.actor(t), status="draft")
    with pytest.raises(TransitionError), database.sessions.begin() as s:
        observation_service.change_status(s, f.actor(t), o.id, ObservationStatus.CLOSED)


def test_delete_reports_detached_repeats(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        first = f.observation(s, a)
        repeat = f.observation(s, a, repeat_of_id=first.id)
        result = observation_service.delete(s, a, first.id).value
        assert result.detached_repeats == (repeat.ref,)
        assert obs.get_observation(s, t.id, repeat.id).repeat_of_id is None


@pytest.fixture
def listed(database):
    today = date(2026, 6, 30)
    with database.sessions.begin() as s:
        t = f.tenant(s)
        other = f.tenant(s)
        a = f.actor(t)
        owner = f.user(s, t.id, name="Olga Owner")
        e = f.engagement(s, a)
        rows = []
        for index, severity in enumerate(["low", "critical", "medium", "high", "medium"]):
            rows.append(
                f.observation(
                    s,
                    a,
                    title=f"Access review {index}" if index % 2 == 0 else f"Cash count {index}",
                    severity=severity,
                    identified_on=date(2026, 1, 1) + timedelta(days=index * 10),
                    due_date=date(2026, 2, 1) + timedelta(days=index * 60),
                    engagement_id=e.id if index < 3 else None,
                    owner_id=owner.id if index == 4 else None,
                )
            )
        f.walk(s, a, rows[0].id, "closed")
        f.observation(s, f.actor(other), title="Access review elsewhere")

        lineage_service.set_repeat_of(s, a, rows[4].id, rows[2].id)
    return t, rows, e, owner, today


def test_filters_run_in_the_database(database, listed):
    t, rows, e, owner, today = listed
    with database.sessions() as s:
        def refs(**kw):
            flt = ObservationFilter(today=today, **kw)
            found = [r.ref for r in obs.list_observations(s, t.id, flt)]
            assert obs.count_observations(s, t.id, flt) == len(found)
            return found

        assert len(refs()) == 5
        assert refs(engagement_id=e.id) == [r.ref for r in rows[:3]]
        assert refs(severities=("medium",)) == [rows[2].ref, rows[4].ref]
        assert refs(statuses=("closed",)) == [rows[0].ref]
        assert refs(owner_id=owner.id) == [rows[4].ref]
        assert refs(repeats_only=True) == [rows[4].ref]
        assert refs(text="access") == [rows[0].ref, rows[2].ref, rows[4].ref]
        assert refs(text="OBS-000002") == [rows[1].ref]
        # Due 2026-02-01 (closed), 04-02, 06-01 are before 06-30; the closed one is not overdue.
        assert refs(overdue_only=True) == [rows[1].ref, rows[2].ref]


def test_the_text_filter_ignores_case_also_beyond_ascii_and_its_stored_text_is_not_audited(database):
    """The filter reads the stored lower-cased text (migration 0021): any case finds a
    finding, also of letters beyond ASCII; a wildcard typed is a character; the stored
    text is the database's (kept up to date on every edit) and never in the audit trail."""
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        found = f.observation(s, a, title="Überprüfung der Zugriffsrechte", condition="Kein 100% Test")
        f.observation(s, a, title="Backup review", condition="Offsite copies")
    with database.sessions() as s:
        def refs(words: str) -> list[str]:
            return [r.ref for r in obs.list_observations(s, t.id, ObservationFilter(text=words))]

        assert refs("überPRÜFUNG") == [found.ref]
        assert refs(found.ref.lower()) == [found.ref]
        assert refs("100%") == [found.ref] and refs("10_%") == []
    with database.sessions.begin() as s:
        draft = replace(observation_service.draft_of(observation_service.get(s, t.id, found.id)),
                        title="Zugriffsrechte: keine Überprüfung")
        observation_service.update(s, a, found.id, draft, found.version)
    with database.sessions() as s:
        assert refs("KEINE ÜBERPRÜFUNG") == [found.ref]
        stored = s.execute(text("SELECT search_text FROM observation WHERE id = :id"),
                           {"id": found.id}).scalar_one()
        assert stored == f"{found.ref.lower()} zugriffsrechte: keine überprüfung kein 100% test"
        images = s.execute(text(
            "SELECT old_values, new_values FROM audit_log WHERE table_name = 'observation' AND row_id = :id"
        ), {"id": found.id}).all()
        assert images and not any("search_text" in (row or {}) for pair in images for row in pair)


def test_sorting_by_every_column_and_keyset_paging_agree(database, listed):
    t, rows, *_ = listed
    with database.sessions() as s:
        for sort in ObservationSort:
            for descending in (False, True):
                full = obs.list_observations(s, t.id, ObservationFilter(), sort, descending)
                walked, after = [], None
                while True:
                    page = obs.list_observations(
                        s, t.id, ObservationFilter(), sort, descending, limit=2, after=after
                    )
                    if not page:
                        break
                    walked += page
                    after = (obs.sort_value(page[-1], sort), page[-1].id)
                assert [r.id for r in walked] == [r.id for r in full], (sort, descending)
                offsets = obs.list_observations(
                    s, t.id, ObservationFilter(), sort, descending, offset=2, limit=2
                )
                assert [r.id for r in offsets] == [r.id for r in full[2:4]]
                for position, row in enumerate(full):
                    assert (
                        obs.position_of(s, t.id, row.id, ObservationFilter(), sort, descending)
                        == position
                    )
        by_severity = obs.list_observations(s, t.id, ObservationFilter(), ObservationSort.SEVERITY)
        assert [r.severity.value for r in by_severity] == [
            "critical", "high", "medium", "medium", "low"
        ]
        by_recurrence = obs.list_observations(
            s, t.id, ObservationFilter(), ObservationSort.RECURRENCE, True
        )
        assert by_recurrence[0].ref == rows[4].ref and by_recurrence[0].recurrence == 1
