"""Repeat lineage: refusals, recursive reads, deep chains, and forest invariants."""

from __future__ import annotations

from datetime import date, timedelta

import factories as f
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from auditdesk.data import lineage
from auditdesk.domain.errors import LineageError
from auditdesk.services import lineage as lineage_service


@pytest.fixture
def family(database):
    """root ← a ← b, root ← c, and an unrelated finding."""
    with database.sessions.begin() as s:
        t = f.tenant(s)
        actor = f.actor(t)
        start = date(2025, 1, 1)
        root = f.observation(s, actor, identified_on=start)
        a = f.observation(s, actor, identified_on=start + timedelta(days=10), repeat_of_id=root.id)
        b = f.observation(s, actor, identified_on=start + timedelta(days=20), repeat_of_id=a.id)
        c = f.observation(s, actor, identified_on=start + timedelta(days=15), repeat_of_id=root.id)
        loner = f.observation(s, actor, identified_on=start + timedelta(days=5))
    return t, actor, root, a, b, c, loner


def test_tree_ancestors_and_descendants(database, family):
    t, _, root, a, b, c, _ = family
    with database.sessions() as s:
        whole = lineage.tree(s, t.id, b.id)
        assert whole.ref == root.ref
        assert [child.ref for child in whole.children] == [a.ref, c.ref]
        assert whole.children[0].children[0].ref == b.ref
        assert whole.children[0].children[0].depth == 2
        assert [n.ref for n in lineage.ancestors(s, t.id, b.id)] == [a.ref, root.ref]
        assert [n.ref for n in lineage.descendants(s, t.id, root.id)] == [a.ref, c.ref, b.ref]
        assert lineage.tree(s, t.id, root.id) == whole


def test_roots_are_ordered_by_tree_size(database, family):
    t, actor, root, *_ , loner = family
    with database.sessions.begin() as s:
        f.observation(s, actor, identified_on=date(2025, 2, 1), repeat_of_id=loner.id)
        found = lineage.roots(s, t.id)
    assert [(r.ref, r.tree_size) for r in found] == [(root.ref, 4), (loner.ref, 2)]


@pytest.mark.parametrize(
    ("later", "earlier", "message"),
    [
        ("root", "root", "itself"),
        ("root", "b", "identified later"),
        ("a", "b", "cycle|identified later"),
    ],
)
def test_refusals_are_explained(database, family, later, earlier, message):
    t, actor, root, a, b, c, loner = family
    named = {"root": root, "a": a, "b": b}
    with pytest.raises(LineageError, match=message), database.sessions.begin() as s:
        lineage_service.set_repeat_of(s, actor, named[later].id, named[earlier].id)


def test_cycle_refused_even_when_dates_allow_it(database):
    with database.sessions.begin() as s:
        t = f.tenant(s)
        actor = f.actor(t)
        same_day = date(2025, 5, 5)
        x = f.observation(s, actor, identified_on=same_day)
        y = f.observation(s, actor, identified_on=same_day, repeat_of_id=x.id)
    with pytest.raises(LineageError, match="cycle"), database.sessions.begin() as s:
        lineage_service.set_repeat_of(s, actor, x.id, y.id)


def test_other_tenant_refused(database, family):
    t, actor, root, *_ = family
    with database.sessions.begin() as s:
        other = f.tenant(s)
        foreign = f.observation(s, f.actor(other), identified_on=date(2024, 1, 1))
    with pytest.raises(LineageError, match="does not exist in this organisation"), database.sessions.begin() as s:
        lineage_service.set_repeat_of(s, actor, root.id, foreign.id)


def test_clear_link(database, family):
    t, actor, root, a, b, *_ = family
    with database.sessions.begin() as s:
        cleared = lineage_service.set_repeat_of(s, actor, b.id, None).value
        assert cleared.repeat_of_id is None
        assert lineage.tree(s, t.id, b.id).ref == b.ref


def test_setting_free_does_not_wait_for_a_link_being_made(database, family):
    """A link being made holds the tenant's lineage turn until it commits; clearing
    another link meanwhile needs no turn (it can make no cycle) and does not wait."""
    t, actor, root, a, b, c, loner = family
    with database.sessions.begin() as s:  # a tree of its own: no row in common with root's
        x = f.observation(s, actor, identified_on=date(2024, 1, 1))
        y = f.observation(s, actor, identified_on=date(2024, 2, 1), repeat_of_id=x.id)
    with database.sessions() as linking, database.sessions() as freeing:
        lineage_service.set_repeat_of(linking, actor, loner.id, root.id)  # holds the turn
        freeing.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail here
        lineage_service.set_repeat_of(freeing, actor, y.id, None)
        freeing.commit()
        linking.commit()
    with database.sessions() as s:
        assert lineage.tree(s, t.id, y.id).ref == y.ref
        assert lineage.tree(s, t.id, loner.id).ref == root.ref


def test_chain_a_thousand_deep(database):
    depth = 1000
    with database.sessions.begin() as s:
        t = f.tenant(s)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO observation (tenant_id, id, ref, title, severity, status,
                                         identified_on, repeat_of_id)
                SELECT :t, 100000 + n, 'OBS-' || lpad(n::text, 6, '0'), 'Chain ' || n, 'low',
                       'open', DATE '2020-01-01',
                       CASE WHEN n = 1 THEN NULL ELSE 100000 + n - 1 END
                  FROM generate_series(1, :depth) AS n
                """
            ),
            {"t": t.id, "depth": depth},
        )
    with database.sessions() as s:
        deepest = 100000 + depth
        whole = lineage.tree(s, t.id, deepest)
        nodes = list(_iterate(whole))
        assert len(nodes) == depth and nodes[-1].depth == depth - 1
        assert len(lineage.ancestors(s, t.id, deepest)) == depth - 1
        assert len(lineage.descendants(s, t.id, 100001)) == depth - 1
        with pytest.raises(LineageError, match="cycle"):
            lineage_service.set_repeat_of(s, f.actor(t), 100001, deepest)
    with pytest.raises(Exception, match="cycle"), database.engine.begin() as connection:
        connection.execute(
            text("UPDATE observation SET repeat_of_id = :deep WHERE id = 100001"),
            {"deep": deepest},
        )


def _iterate(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


link_attempts = st.lists(
    st.tuples(st.integers(0, 9), st.one_of(st.none(), st.integers(0, 9))), min_size=1, max_size=25
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attempts=link_attempts)
def test_any_sequence_of_links_leaves_a_forest(database, attempts):
    """Whatever links are tried, the stored graph has no cycle, no self-link, and dates
    never go backwards along a link; the recursive reads agree with each other."""
    with database.engine.begin() as connection:
        f.empty_tables(connection, "audit_log, observation, tenant_counter, tenant")
    with database.sessions.begin() as s:
        t = f.tenant(s)
        actor = f.actor(t)
        ids = [
            f.observation(s, actor, identified_on=date(2025, 1, 1) + timedelta(days=i // 2)).id
            for i in range(10)
        ]
    for later, earlier in attempts:
        try:
            with database.sessions.begin() as s:
                lineage_service.set_repeat_of(
                    s, actor, ids[later], None if earlier is None else ids[earlier]
                )
        except LineageError:
            pass
    with database.sessions() as s:
        parents = dict(
            s.execute(
                text("SELECT id, repeat_of_id FROM observation WHERE tenant_id = :t"), {"t": t.id}
            ).all()
        )
        dates = dict(
            s.execute(
                text("SELECT id, identified_on FROM observation WHERE tenant_id = :t"), {"t": t.id}
            ).all()
        )
        for node, parent in parents.items():
            seen = {node}
            while parent is not None:
                assert parent not in seen, "cycle stored"
                assert dates[parent] <= dates[node]
                seen.add(parent)
                parent = parents[parent]
        for node in ids:
            whole = lineage.tree(s, t.id, node)
            members = {n.id for n in _iterate(whole)}
            assert node in members
            chain = lineage.ancestors(s, t.id, node)
            assert (chain[-1].id if chain else node) == whole.id
