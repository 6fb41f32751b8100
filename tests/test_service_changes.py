"""Every write a service makes returns an Outcome naming the rows it changed, and a
refused write changes nothing and names nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.drafts import EngagementDraft, ObservationDraft
from auditdesk.domain.errors import LineageError
from auditdesk.services import engagements, lineage, observations, tenants


def test_observation_writes_name_the_rows_they_changed(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        created = observations.create(
            s, a, ObservationDraft(title="New", severity="low", identified_on=date(2026, 1, 5))
        )
        root = f.observation(s, a, identified_on=date(2026, 1, 1))
        middle = f.observation(s, a, identified_on=date(2026, 1, 2), repeat_of_id=root.id)
        leaf = f.observation(
            s, a, identified_on=date(2026, 1, 3), repeat_of_id=middle.id, status="pending_validation"
        )

        assert created.changes.ids(Table.OBSERVATION) == {created.value.id}
        assert not created.changes.touches(Table.ENGAGEMENT)

        closed = observations.change_status(s, a, leaf.id, "closed", closure_reason="Verified")
        assert closed.value.closed_at is not None
        assert closed.changes.ids(Table.OBSERVATION) == {leaf.id}
        # Asking for the status it already has writes nothing.
        assert not observations.change_status(s, a, leaf.id, "closed").changes

        retitled = observations.update(
            s, a, middle.id, replace(observations.draft_of(middle), title="Retitled"), None
        )
        assert retitled.changes.ids(Table.OBSERVATION) == {middle.id}
        # Unlinking moves the finding and everything below it up the tree.
        unlinked = observations.update(
            s, a, middle.id, replace(observations.draft_of(retitled.value), repeat_of_id=None), None
        )
        assert unlinked.changes.ids(Table.OBSERVATION) == {middle.id, leaf.id}
        relinked = lineage.set_repeat_of(s, a, middle.id, root.id)
        assert relinked.value.repeat_of_id == root.id
        assert relinked.changes.ids(Table.OBSERVATION) == {middle.id, leaf.id}

        deleted = observations.delete(s, a, root.id)
        assert deleted.value.detached_repeats == (middle.ref,)
        assert deleted.changes.touches(Table.OBSERVATION)
        assert deleted.changes.ids(Table.OBSERVATION) is None  # every later row moves up


def test_a_refused_link_changes_nothing(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        a = f.actor(t)
        first = f.observation(s, a, identified_on=date(2026, 1, 1))
        later = f.observation(s, a, identified_on=date(2026, 1, 1), repeat_of_id=first.id)
    with database.engine.connect() as c:
        before = c.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    with pytest.raises(LineageError, match="cycle"), database.sessions.begin() as s:
        lineage.set_repeat_of(s, a, first.id, later.id)
    with database.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == before


def test_engagement_and_account_writes_name_their_tables(database):
    with database.sessions.begin() as s:
        tenant = tenants.create_tenant(s, "acme", "Acme")
        assert tenant.changes.ids(Table.TENANT) == {tenant.value.id}
        user = tenants.create_user(s, tenant.value.id, "ann@acme.example", "Ann", "manager")
        assert user.changes.ids(Table.APP_USER) == {user.value.id}
        a = f.actor(tenant.value, user.value)
        made = engagements.create(
            s, a, EngagementDraft(code="ENG-1", title="Payroll", auditee="HR",
                                  member_ids=(user.value.id,))
        )
        assert made.changes.ids(Table.ENGAGEMENT) == {made.value.id}
        assert made.changes.touches(Table.ENGAGEMENT_MEMBER)
        edited = engagements.update(
            s, a, made.value.id, replace(engagements.draft_of(made.value), title="Pay"),
            made.value.version,
        )
        assert edited.value.title == "Pay" and edited.value.member_ids == (user.value.id,)
        assert edited.changes == Changes.of(Table.ENGAGEMENT, [made.value.id])  # same team
        empty = f.engagement(s, a)
        assert not engagements.delete(s, a, empty.id).changes.touches(Table.OBSERVATION)
        f.observation(s, a, engagement_id=made.value.id)
        removed = engagements.delete(s, a, made.value.id)
        assert removed.value.kept_observations == 1
        # Its findings lost their engagement: the whole table is named.
        assert removed.changes.touches(Table.OBSERVATION)
        assert removed.changes.ids(Table.OBSERVATION) is None


def test_snapshot_writes_name_the_snapshot_table_only_when_they_wrote(database):
    from auditdesk.services import snapshots

    with database.sessions.begin() as s:
        t = f.tenant(s)
        f.observation(s, f.actor(t))
        first = snapshots.capture_today_if_missing(s, tenant_id=t.id)
        assert len(first.value) == 1 and first.changes.touches(Table.SNAPSHOT)
        again = snapshots.capture_today_if_missing(s, tenant_id=t.id)
        assert again.value == [] and not again.changes
        today = snapshots.today(s)
        kept = snapshots.backfill(s, today, today, tenant_id=t.id)
        assert kept.value.written == 0 and not kept.changes
