"""Quality of the repeat ranking on hand-written pairs that say the same in other words.

Reports recall at 1 and at 3 (printed with ``-s``; also in the assertion message) and
fails below 0.7 and 0.9.
"""

from __future__ import annotations

import repeat_fixture
from sqlalchemy import text

from auditdesk.data import suggestions
from auditdesk.services import repeats


def test_recall_at_1_and_3_on_the_labelled_pairs(database, capsys):
    with database.sessions.begin() as s:
        tenant, _who, found, pairs = repeat_fixture.load(s)
    assert len(pairs) >= 40
    with database.engine.connect() as c:  # statistics of this data, not of an earlier test's
        c.execute(text("ANALYZE observation"))
        c.commit()
    suggestions.forget_statistics()
    ranks: dict[str, int | None] = {}
    with database.sessions() as s:
        for later, earlier in pairs:
            ranked = repeats.suggest(s, tenant.id, found[later].id, limit=10)
            ids = [x.candidate_id for x in ranked]
            ranks[later] = ids.index(found[earlier].id) + 1 if found[earlier].id in ids else None
    at1 = sum(1 for r in ranks.values() if r == 1) / len(pairs)
    at3 = sum(1 for r in ranks.values() if r is not None and r <= 3) / len(pairs)
    missed = {k: r for k, r in ranks.items() if r != 1}
    report = f"recall@1 = {at1:.3f}, recall@3 = {at3:.3f} over {len(pairs)} pairs; not first: {missed}"
    with capsys.disabled():
        print("\n" + report)
    assert at1 >= 0.7, report
    assert at3 >= 0.9, report
