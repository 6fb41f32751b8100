"""The set lookups of an import (``auditdesk.data.observation_import``): each chunk is
planned for itself, and the session's planner setting is given back afterwards."""

from __future__ import annotations

import factories as f
from sqlalchemy import text

from auditdesk.data import observation_import as store
from auditdesk.domain.enums import Role


def test_lookups_plan_each_chunk_and_give_the_setting_back(database, monkeypatch):
    monkeypatch.setattr(store, "_CHUNK", 2)  # several chunks from a few refs
    with database.sessions.begin() as s:
        t = f.tenant(s)
        other = f.tenant(s)
        who = f.actor(t, f.user(s, t.id, Role.MANAGER))
        elsewhere = f.actor(other, f.user(s, other.id, Role.MANAGER))
        mine = [f.observation(s, who).ref for _ in range(5)]
        theirs = f.observation(s, elsewhere).ref
    with database.sessions.begin() as s:
        # a session that keeps generic plans: the lookups still find every ref
        s.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        seen: list[str] = []
        real_chunks = store._chunks

        def chunks(items):
            for chunk in real_chunks(items):
                seen.append(s.scalar(text("SELECT current_setting('plan_cache_mode')")))
                yield chunk

        monkeypatch.setattr(store, "_chunks", chunks)
        found = store.stored_by_ref(s, t.id, [*mine, "OBS-NONE"])
        assert sorted(found) == sorted(mine)
        assert store.refs_of_other_tenants(s, t.id, [theirs, "OBS-NONE"]) == {theirs}
        assert seen and set(seen) == {"force_custom_plan"}
        assert s.scalar(text("SELECT current_setting('plan_cache_mode')")) == "force_generic_plan"
