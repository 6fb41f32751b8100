"""The repeat score and its reasons (pure domain, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from auditdesk.domain import repeats
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.repeats import CandidateFeatures, Probe


def _probe(**kw) -> Probe:
    values = dict(
        title="Duplicate invoices paid", condition="Invoices paid twice", cause="",
        identified_on=date(2025, 1, 1), auditee="Accounts Payable",
        words={"title": {"duplic": "duplicate", "invoic": "invoices", "paid": "paid"},
               "condition": {"invoic": "invoices", "paid": "paid", "twice": "twice", "37": "37"},
               "cause": {}},
    )
    values.update(kw)
    return Probe(**values)


def _candidate(id_: int, title_words=(), condition_words=(), **kw) -> CandidateFeatures:
    values = dict(
        id=id_, ref=f"OBS-{id_:06d}", title="t", identified_on=date(2023, 1, 1), status="open",
        auditee="Accounts Payable", engagement_code=None, engagement_title=None,
        lexemes={"title": frozenset(title_words), "condition": frozenset(condition_words),
                 "cause": frozenset()},
        title_similarity=0.0, condition_similarity=0.0, auditee_similarity=1.0,
        area_similarity=0.0,
    )
    values.update(kw)
    return CandidateFeatures(**values)


def test_more_shared_words_score_higher_and_stay_between_0_and_1():
    weak = _candidate(1, ["invoic"])
    strong = _candidate(2, ["duplic", "invoic", "paid"], ["twice"])
    ranked = repeats.rank(_probe(), [weak, strong], 2)
    assert [s.candidate_id for s in ranked] == [2, 1]
    assert all(0 <= s.score <= 1 for s in ranked)


def test_the_auditee_lifts_but_does_not_make_unrelated_text_a_repeat():
    same = _candidate(1, ["invoic", "paid"])
    elsewhere = _candidate(2, ["invoic", "paid"], auditee="Treasury", auditee_similarity=0.1)
    unrelated = _candidate(3, [], auditee="Accounts Payable")
    ranked = {s.candidate_id: s.score for s in repeats.rank(_probe(), [same, elsewhere, unrelated], 3)}
    assert ranked[1] > ranked[2] > ranked[3] == 0.0


def test_numbers_are_not_shared_words():
    numbers = _candidate(1, [], ["37"])
    assert repeats.rank(_probe(), [numbers], 1)[0].score == 0.0


def test_reasons_name_the_words_as_written():
    found = repeats.rank(
        _probe(), [_candidate(1, ["duplic", "paid"], ["invoic"], title_similarity=0.71)], 1
    )[0]
    assert found.reasons[0] == "same auditee"
    assert "title 0.71 similar" in found.reasons
    assert any(r.startswith("title shares:") and "duplicate" in r for r in found.reasons)
    assert "condition shares: invoices" in found.reasons
    assert "identified 2.0 years earlier" in found.reasons


def test_search_text_limits():
    assert repeats.validate_search("  duplicate   invoices ") == "duplicate invoices"
    with pytest.raises(ValidationError, match="at most 500"):
        repeats.validate_search("x" * 501)
