"""How rare a word is, on a tenant login (migration 0028): PostgreSQL's statistics stay
hidden, the planner's estimate of a one-word search is given, and the function runs no
text it is given as SQL."""

from __future__ import annotations

import factories as f
from sqlalchemy import text

from auditdesk.data import suggestions
from auditdesk.db.engine import make_engine, make_session_factory, normalise_url


def _load(database, cast) -> None:
    with database.sessions.begin() as s:
        owner = f.actor(cast.alpha.tenant)
        for n in range(80):
            f.observation(s, owner, title=f"Access review {n} not performed",
                          condition="The quarterly review was skipped.")
        f.observation(s, owner, title="Zebrafish permit expired", condition="One permit lapsed.")
    with database.engine.connect() as c:
        c.execute(text("ANALYZE observation_words"))
        c.commit()


def test_a_login_learns_how_rare_a_word_is_without_the_statistics(database, cast, monkeypatch):
    _load(database, cast)
    auditor = cast.alpha.auditor
    # row-level security hides the statistics of the words from the login
    assert auditor.run("SELECT count(*) FROM pg_stats WHERE tablename = 'observation_words'") == [(0,)]
    estimates = dict(auditor.run(
        "SELECT lexeme_query, findings FROM auditdesk_word_estimates(%s)",
        (["'review'", "'zebrafish'", "'no such word'"],),
    ))
    assert estimates["'review'"] > estimates["'zebrafish'"] >= estimates["'no such word'"]
    # the candidates choose their words on the login as on the owner: the common one is
    # known to be common, the rare one rarer than every listed word
    engine = make_engine(normalise_url(auditor.conninfo))
    try:
        suggestions.forget_statistics()
        with make_session_factory(engine)() as s:
            found = suggestions.word_frequencies(s, ["review", "zebrafish"])
        assert found["review"] > 0 and found["zebrafish"] == 0.0
        with database.sessions() as s:
            assert suggestions.word_frequencies(s, ["review", "zebrafish"])["zebrafish"] == 0.0
    finally:
        engine.dispose()
        suggestions.forget_statistics()


def test_a_query_text_is_never_run_as_sql(database, cast, fingerprint):
    before = fingerprint()
    error = cast.alpha.admin.refused(
        "SELECT * FROM auditdesk_word_estimates(%s)",
        (["x'::tsquery; DELETE FROM observation; --"],),
    )
    assert "syntax" in str(error).lower(), error
    assert fingerprint() == before
