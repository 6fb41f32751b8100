"""Keyset paging gives the same rows as OFFSET paging, also across the NULLs of a nullable sort."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import text

from auditdesk.data import observations as obs
from auditdesk.domain.queries import ObservationFilter, ObservationSort


@pytest.mark.parametrize(
    "sort", [ObservationSort.DUE, ObservationSort.REF, ObservationSort.OWNER, ObservationSort.TITLE]
)
def test_keyset_walk_matches_offset_paging(database, sort):
    with database.sessions() as session, session.begin():
        tenant = f.tenant(session)
        who = f.actor(tenant)
        owner = f.user(session, tenant.id)
        start = date.today() - timedelta(days=90)
        for n in range(23):
            f.observation(
                session, who, title=f"Item {n % 5}", identified_on=start,
                due_date=start + timedelta(days=n % 4), owner_id=owner.id if n % 3 else None,
            )
        # Some findings without a due date: they sort last ascending.
        session.execute(text("UPDATE observation SET due_date = NULL WHERE id % 4 = 0"))
    with database.sessions() as session:
        every = [r.id for r in obs.list_observations(session, tenant.id, sort=sort, limit=100)]
        assert len(every) == 23
        walked, after = [], None
        while True:
            rows = obs.list_observations(session, tenant.id, sort=sort, limit=4, after=after)
            if not rows:
                break
            walked += [r.id for r in rows]
            after = (obs.sort_value(rows[-1], sort), rows[-1].id)
        assert walked == every
        # A keyset with an offset that lands beyond the non-NULL values.
        for position in range(len(every) - 3):
            cursor_row = obs.list_observations(session, tenant.id, sort=sort, offset=position, limit=1)[0]
            cursor = (obs.sort_value(cursor_row, sort), cursor_row.id)
            for skip in (0, 2, 5):
                got = obs.list_observations(
                    session, tenant.id, sort=sort, limit=3, offset=skip, after=cursor
                )
                assert [r.id for r in got] == every[position + 1 + skip : position + 4 + skip]


@pytest.mark.parametrize("sort", [ObservationSort.OWNER, ObservationSort.REPEAT_OF,
                                  ObservationSort.ENGAGEMENT])
def test_descending_keyset_walk_crosses_from_the_nulls_to_the_values(database, sort):
    with database.sessions() as session, session.begin():
        tenant = f.tenant(session)
        who = f.actor(tenant)
        owner = f.user(session, tenant.id)
        unit = f.engagement(session, who)
        start = date.today() - timedelta(days=90)
        made = []
        for n in range(17):
            made.append(f.observation(
                session, who, identified_on=start, owner_id=owner.id if n % 3 else None,
                engagement_id=unit.id if n % 2 else None,
                repeat_of_id=made[n - 5].id if n >= 5 and n % 4 == 0 else None,
            ))
    with database.sessions() as session:
        every = [r.id for r in obs.list_observations(session, tenant.id, sort=sort, descending=True,
                                                     limit=100)]
        for position in range(len(every) - 1):
            cursor_row = obs.list_observations(session, tenant.id, sort=sort, descending=True,
                                               offset=position, limit=1)[0]
            cursor = (obs.sort_value(cursor_row, sort), cursor_row.id)
            for skip in (0, 2, 5):
                got = obs.list_observations(session, tenant.id, sort=sort, descending=True,
                                            limit=3, offset=skip, after=cursor)
                assert [r.id for r in got] == every[position + 1 + skip : position + 4 + skip]


@pytest.mark.parametrize("sorted_matches_up_to", [0, 1_000_000], ids=["title index walk", "matches sorted"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_text_filter_in_title_order_gives_the_same_pages_either_way(
    database, monkeypatch, sorted_matches_up_to, descending
):
    """A text filter in title order is served by walking the title index or, when the
    estimate says the matches are few, by sorting the matches: the same rows, in the
    same order, by offset and by keyset."""
    monkeypatch.setattr(obs, "SORTED_MATCHES_UP_TO", sorted_matches_up_to)
    sort = ObservationSort.TITLE
    with database.sessions() as session, session.begin():
        tenant = f.tenant(session)
        who = f.actor(tenant)
        start = date.today() - timedelta(days=90)
        matching = []
        for n in range(30):
            title = f"Backup {n % 4} not restored" if n % 3 else f"Access review {n % 5}"
            created = f.observation(session, who, title=title, identified_on=start,
                                    condition="Offsite copies" if n % 2 else "No backup test")
            if n % 3 or n % 2 == 0:
                matching.append(created)
    with database.sessions() as session:
        flt = ObservationFilter(text="backup")
        every = obs.list_observations(session, tenant.id, flt, sort, descending, limit=100)
        expected = sorted(matching, key=lambda r: (r.title, r.id), reverse=descending)
        assert [r.id for r in every] == [r.id for r in expected]
        walked, after = [], None
        while rows := obs.list_observations(session, tenant.id, flt, sort, descending, limit=4, after=after):
            walked += [r.id for r in rows]
            after = (obs.sort_value(rows[-1], sort), rows[-1].id)
        assert walked == [r.id for r in every]
        paged = obs.list_observations(session, tenant.id, flt, sort, descending, offset=5, limit=3)
        assert [r.id for r in paged] == [r.id for r in every][5:8]
