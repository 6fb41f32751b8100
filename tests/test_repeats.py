"""Repeat detection end to end: suggest, detect, review — through the CLI and the
services — with every kind of bad input, and the table's rules held by PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import factories as f
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from auditdesk.cli import main
from auditdesk.data import suggestions
from auditdesk.domain.changes import Table
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import PermissionDenied, ValidationError
from auditdesk.services import repeats


@pytest.fixture
def cli(database, database_url, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--database-url", database_url, "--tenant", "acme", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def history(database):
    """Acme: a 2023 finding repeated in other words in 2025, a distractor at the same
    auditee, a later finding and one already below the 2025 finding; beta has a twin."""
    with database.sessions.begin() as s:
        t = f.tenant(s, "acme")
        a = f.actor(t)
        ap = f.engagement(s, a, code="ENG-2023-001", title="Payables review", auditee="Accounts Payable")
        ap2 = f.engagement(s, a, code="ENG-2025-001", title="Procure-to-pay audit", auditee="Accounts Payable")
        old = f.observation(
            s, a, title="Duplicate supplier invoices paid", engagement_id=ap.id,
            identified_on=date(2023, 3, 1),
            condition="37 supplier invoices were paid twice, EUR 182,000 in total.",
            cause="The duplicate check compares exact invoice numbers only.")
        other = f.observation(
            s, a, title="Supplier master file has inactive vendors", engagement_id=ap.id,
            identified_on=date(2023, 4, 1), condition="400 vendors had no activity for years.")
        new = f.observation(
            s, a, title="Invoices from the same vendor paid two times", engagement_id=ap2.id,
            identified_on=date(2025, 5, 1),
            condition="Twelve invoices were paid twice (EUR 41,500) to one vendor.",
            cause="The duplicate invoice check only matches exact numbers.")
        later = f.observation(
            s, a, title="Duplicate invoices paid again", engagement_id=ap2.id,
            identified_on=date(2025, 9, 1), condition="Invoices paid twice again.")
        below = f.observation(
            s, a, title="Duplicate invoices paid twice", identified_on=date(2025, 6, 1),
            repeat_of_id=new.id, condition="Invoices paid twice.")
        beta = f.tenant(s, "beta")
        twin = f.observation(s, f.actor(beta), title="Duplicate supplier invoices paid",
                             identified_on=date(2022, 1, 1), condition="Invoices paid twice.")
    with database.engine.connect() as c:  # statistics of this data, not of an earlier test's
        c.execute(text("ANALYZE observation"))
        c.commit()
    suggestions.forget_statistics()
    return t, old, other, new, later, below, twin


def _counts(database) -> tuple[int, int, int]:
    with database.engine.connect() as c:
        return (
            c.execute(text("SELECT count(*) FROM repeat_suggestion")).scalar_one(),
            c.execute(text("SELECT count(*) FROM audit_log")).scalar_one(),
            c.execute(text("SELECT count(*) FROM observation WHERE repeat_of_id IS NOT NULL")).scalar_one(),
        )


def test_suggest_ranks_the_paraphrase_first_with_reasons(cli, history):
    t, old, other, new, later, below, twin = history
    code, out, _ = cli("lineage", "suggest", new.ref, "--limit", "5", "--json")
    assert code == 0
    found = json.loads(out)
    refs = [x["ref"] for x in found]
    assert refs[0] == old.ref
    assert set(found[0]) == {"ref", "title", "score", "reasons"}
    assert 0 < found[0]["score"] <= 1
    assert [x["score"] for x in found] == sorted((x["score"] for x in found), reverse=True)
    assert "same auditee" in found[0]["reasons"]
    assert any(r.startswith("condition shares:") and "invoices" in r for r in found[0]["reasons"])
    # never itself, a later finding, one below it in its tree, or another tenant's
    assert not {new.ref, later.ref, below.ref} & set(refs)
    assert twin.ref not in refs or twin.ref == old.ref  # refs repeat across tenants


def test_suggestions_stay_the_same_once_the_driver_prepares_the_query(database, history):
    """Run more often than the driver's prepare threshold on one connection, the
    candidates query gives the same answer each time, and the session's plan setting is
    left as it was for the statements after it."""
    t, old, other, new, later, below, twin = history
    with database.sessions() as s:
        s.execute(text("SET plan_cache_mode = auto"))
        first = repeats.suggest(s, t.id, new.id, 5)
        for _ in range(8):
            assert repeats.suggest(s, t.id, new.id, 5) == first
        assert s.scalar(text("SELECT current_setting('plan_cache_mode')")) == "auto"
    assert first[0].candidate_id == old.id


def test_looking_matches_up_and_walking_the_dates_find_the_same_candidates(
        database, history, monkeypatch):
    """Few matches are looked up by the word index, many found by walking the findings
    newest first: the two ways give the same candidates, without what is below the
    finding; which way is taken follows how many findings hold the words."""
    t, old, other, new, later, below, twin = history
    found = {}
    for looked_up in (True, False):
        monkeypatch.setattr(suggestions, "looks_up_matches", lambda *_, way=looked_up: way)
        with database.sessions() as s:
            probe = suggestions.probe_for(s, t.id, new.id)
            found[looked_up] = sorted(c.id for c in suggestions.candidates(s, t.id, probe))
    assert found[True] == found[False]
    assert old.id in found[True] and not {new.id, later.id, below.id} & set(found[True])
    monkeypatch.undo()
    # at 1,000,000 findings and SCAN 3,000 the two cost the same at about 55,000 matches
    assert suggestions.looks_up_matches(42_000, 1_000_000)
    assert not suggestions.looks_up_matches(125_000, 1_000_000)
    assert not suggestions.looks_up_matches(4_000, 5_000)


def test_detect_is_idempotent_and_a_rejected_pair_never_comes_back(cli, database, history):
    t, old, other, new, later, below, twin = history
    code, out, _ = cli("lineage", "detect", "--min-score", "0.2", "--json")
    assert code == 0
    first = json.loads(out)
    assert {"ref": new.ref, "candidate": old.ref} in [
        {"ref": p["ref"], "candidate": p["candidate"]} for p in first["proposed"]
    ]
    before = _counts(database)
    code, out, _ = cli("lineage", "detect", "--min-score", "0.2", "--json")
    assert code == 0 and json.loads(out)["proposed"] == [] and _counts(database) == before

    code, out, _ = cli("lineage", "review", new.ref, "--reject", old.ref)
    assert code == 0 and "will not be proposed" in out
    cli("lineage", "detect", "--min-score", "0.2")
    with database.engine.connect() as c:
        statuses = c.execute(
            text("SELECT status FROM repeat_suggestion WHERE observation_id = :n AND candidate_id = :o"),
            {"n": new.id, "o": old.id},
        ).scalars().all()
    assert statuses == ["rejected"]


def test_accept_links_with_the_audit_trail_and_deciding_twice_is_refused(cli, database, history):
    t, old, other, new, later, below, twin = history
    code, out, err = cli("lineage", "review", new.ref, "--accept", old.ref, "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "accepted"
    with database.engine.connect() as c:
        assert c.execute(text("SELECT repeat_of_id FROM observation WHERE id = :id"),
                         {"id": new.id}).scalar_one() == old.id
        row = c.execute(text("SELECT status, decided_at FROM repeat_suggestion")).one()
        assert row.status == "accepted" and row.decided_at is not None
        audited = c.execute(
            text("SELECT changed_columns FROM audit_log WHERE table_name = 'observation' "
                 "AND row_id = :id AND action = 'update'"), {"id": new.id}).scalars().all()
        assert ["repeat_of_id"] in [sorted(set(c) - {"updated_at", "version"}) for c in audited]
    before = _counts(database)
    code, _, err = cli("lineage", "review", new.ref, "--accept", old.ref)
    assert code == 1 and "already accepted" in err and _counts(database) == before
    code, _, err = cli("lineage", "review", new.ref, "--reject", old.ref)
    assert code == 1 and "already accepted" in err and _counts(database) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("review", "OBS-999999", "--accept", "OBS-000001"), "no finding OBS-999999"),
        (("review", "{new}", "--accept", "OBS-777777"), "no finding OBS-777777"),
        (("review", "{old}", "--accept", "{new}"), "identified later"),
        (("review", "{new}", "--accept", "{new}"), "itself"),
        (("review", "{below}", "--accept", "{old}"), "already repeats"),
        (("review", "{new}"), "needs --accept"),
        (("suggest",), "needs the finding"),
        (("suggest", "OBS-999999"), "no finding OBS-999999"),
        (("suggest", "{new}", "--limit", "0"), "limit"),
        (("detect", "--since", "yesterday"), None),
        (("detect", "--min-score", "3"), None),
    ],
)
def test_bad_input_is_one_clear_message_and_changes_nothing(cli, database, history, args, message):
    t, old, other, new, later, below, twin = history
    refs = {"new": new.ref, "old": old.ref, "below": below.ref}
    before = _counts(database)
    argv = ["lineage", *(a.format(**refs) for a in args)]
    if message is None:  # refused by the argument parser
        with pytest.raises(SystemExit):
            cli(*argv)
    else:
        code, out, err = cli(*argv)
        assert code == 1 and out == ""
        assert message in err and err.count("\n") == 1
        assert "Error" not in err.split("error:", 1)[1]  # no class names
    assert _counts(database) == before


def test_a_candidate_from_another_tenant_is_unknown_here(cli, database, history):
    t, old, other, new, later, below, twin = history
    with database.engine.begin() as c:
        c.execute(text("UPDATE observation SET ref = 'OBS-424242' WHERE id = :id"), {"id": twin.id})
    before = _counts(database)
    code, _, err = cli("lineage", "review", new.ref, "--accept", "OBS-424242")
    assert code == 1 and "no finding OBS-424242 in this organisation" in err
    assert _counts(database) == before


def test_search_text_is_bounded_and_uses_the_same_ranking(database, history):
    t, old, other, new, later, below, twin = history
    with database.sessions() as s:
        with pytest.raises(ValidationError, match="at most 500"):
            repeats.search(s, t.id, new.id, "invoice " * 200)
        assert repeats.search(s, t.id, new.id, "")[0].ref == old.ref  # its own text
        typed = repeats.search(s, t.id, new.id, "inactive vendors")
        assert typed[0].ref == other.ref
        assert repeats.search(s, t.id, new.id, "   ")[0].ref == old.ref


def test_auditors_may_not_decide(database, history):
    t, old, other, new, later, below, twin = history
    with database.sessions.begin() as s:
        auditor = f.user(s, t.id, Role.AUDITOR)
        manager = f.user(s, t.id, Role.MANAGER)
    with database.sessions() as s, pytest.raises(PermissionDenied, match="managers and admins"):
        repeats.review(s, f.actor(t, auditor), new.ref, old.ref, accept=True)
    with database.sessions.begin() as s:
        outcome = repeats.review(s, f.actor(t, manager), new.ref, old.ref, accept=False)
    assert outcome.value.status == "rejected"
    assert outcome.changes.touches(Table.REPEAT_SUGGESTION)
    assert not outcome.changes.touches(Table.OBSERVATION)
    with database.engine.connect() as c:
        assert c.execute(text("SELECT decided_by FROM repeat_suggestion")).scalar_one() == manager.id


def test_the_database_keeps_decisions_final_and_pairs_inside_a_tenant(database, history):
    t, old, other, new, later, below, twin = history
    with database.engine.begin() as c:
        c.execute(
            text("INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score, "
                 "status, decided_at) VALUES (:t, :n, :o, 0.5, 'accepted', now())"),
            {"t": t.id, "n": new.id, "o": old.id},
        )  # a client cannot insert a decision: it is stored pending
        assert c.execute(text("SELECT status FROM repeat_suggestion")).scalar_one() == "pending"
        c.execute(text("UPDATE repeat_suggestion SET status = 'rejected'"))
    with pytest.raises(DBAPIError, match="already rejected"), database.engine.begin() as c:
        c.execute(text("UPDATE repeat_suggestion SET status = 'pending'"))
    with pytest.raises(IntegrityError), database.engine.begin() as c:
        c.execute(
            text("INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score) "
                 "VALUES (:t, :n, :twin, 0.5)"),
            {"t": t.id, "n": new.id, "twin": twin.id},
        )
    with database.engine.begin() as c:  # deleting a finding takes its proposals with it
        c.execute(text("DELETE FROM observation WHERE id = :id"), {"id": old.id})
        assert c.execute(text("SELECT count(*) FROM repeat_suggestion")).scalar_one() == 0
        logged = c.execute(text("SELECT count(*) FROM audit_log WHERE table_name = 'repeat_suggestion' "
                                "AND action = 'delete'")).scalar_one()
        assert logged == 1  # its history stays in the audit log


def test_the_review_queue_lists_pending_side_by_side(cli, database, history):
    t, old, other, new, later, below, twin = history
    cli("lineage", "detect", "--min-score", "0.1")
    with database.sessions() as s:
        queue = repeats.review_queue(s, t.id)
        assert queue and [q.score for q in queue] == sorted((q.score for q in queue), reverse=True)
        item = next(q for q in queue if q.later.id == new.id)
        assert (item.earlier.ref, item.later.auditee) == (old.ref, "Accounts Payable")
        assert repeats.review_queue(s, t.id, min_score=1.0) == []
        assert repeats.review_queue(s, t.id, auditee="Nobody") == []
        assert "Accounts Payable" in repeats.queue_auditees(s, t.id)
