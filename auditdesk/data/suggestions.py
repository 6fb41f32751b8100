"""Repeat suggestions: candidate earlier findings by index, and ``repeat_suggestion`` rows.

Candidates come from ``observation_words`` (migration 0027, each finding's
``search_vector`` in a narrow table, walked by date or looked up by its GIN index):
an OR of the probe's rarest stemmed words (by PostgreSQL's own statistics of the
vector), the newest few thousand matches (looked up by the word index when they are few,
met by walking the date index when they are many), of which the best few hundred by
``ts_rank`` are kept — bounded work however large the table; each
comes back with its stemmed words per field and trigram similarities, which
``auditdesk.domain.repeats`` turns into a score and reasons (see docs/architecture.md,
"Repeat detection"). The text-search configuration is 'english' everywhere, so that
"payments" finds "paid" and "payment".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data.observations import count_observations
from auditdesk.data.planning import custom_plans
from auditdesk.db.engine import actor as set_actor
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.records import Actor
from auditdesk.domain.repeats import FIELDS, CandidateFeatures, Probe


def probe_words(session: Session, title: str, condition: str, cause: str) -> dict[str, dict[str, str]]:
    """Each field's stemmed lexemes mapped to the word as written (first occurrence),
    from PostgreSQL's own 'english' parser and dictionaries."""
    rows = session.execute(
        text(
            """
            SELECT v.field, d.token, d.lexemes
              FROM (VALUES ('title', 1, CAST(:title AS text)), ('condition', 2, :condition),
                           ('cause', 3, :cause)) AS v(field, n, body),
                   LATERAL ts_debug('english', v.body) AS d
             WHERE d.lexemes IS NOT NULL AND cardinality(d.lexemes) > 0
             ORDER BY v.n
            """
        ),
        {"title": title, "condition": condition, "cause": cause},
    ).all()
    words: dict[str, dict[str, str]] = {name: {} for name in FIELDS}
    for row in rows:
        for lexeme in row.lexemes:
            words[row.field].setdefault(lexeme, row.token.lower())
    return words


def probe_for(session: Session, tenant_id: int, observation_id: int) -> Probe:
    """The probe for a stored finding (its text, date, auditee and engagement)."""
    row = session.execute(
        text(
            """
            SELECT o.id, o.title, o.condition, o.cause, o.identified_on,
                   e.auditee, e.title AS engagement_title
              FROM observation o
              LEFT JOIN audit_engagement e ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE o.tenant_id = :tenant AND o.id = :id
            """
        ),
        {"tenant": tenant_id, "id": observation_id},
    ).first()
    if row is None:
        raise NotFoundError(f"Observation {observation_id} does not exist in this organisation.")
    return Probe(
        title=row.title,
        condition=row.condition,
        cause=row.cause,
        identified_on=row.identified_on,
        auditee=row.auditee,
        engagement_title=row.engagement_title,
        observation_id=row.id,
        words=probe_words(session, row.title, row.condition, row.cause),
    )


def engagement_context(session: Session, tenant_id: int, engagement_id: int | None):
    """(auditee, engagement title) of an engagement, or (None, None)."""
    if engagement_id is None:
        return None, None
    row = session.execute(
        text("SELECT auditee, title FROM audit_engagement WHERE tenant_id = :t AND id = :id"),
        {"t": tenant_id, "id": engagement_id},
    ).first()
    return (row.auditee, row.title) if row else (None, None)


POOL = 150  # candidates reranked per finding
SCAN = 3000  # matching findings looked at, newest first, before ranking
QUERY_WORDS = 12  # the probe's rarest words put to the index
COMMON_ROWS = 2000  # a word in more findings than this narrows nothing


_ESTIMATE_SECONDS = 600.0
_ABSENT = "no such word"  # the parser makes no lexeme with a space in it
# (database and login, lexeme) -> (when asked, about how many findings hold it)
_estimates: dict[tuple[str, str], tuple[float, float]] = {}


def word_frequencies(session: Session, lexemes: Sequence[str]) -> dict[str, float]:
    """About how many of the login's findings contain each lexeme: PostgreSQL's planner
    estimate for a search of that word alone in ``observation_words``, from its
    statistics of the words, with the login's row-level security applied (one call of
    ``auditdesk_word_estimates``, migration 0028). Each lexeme is asked again after ten
    minutes. The statistics themselves (``pg_stats``) are hidden from tenant logins by
    row-level security: read directly, only the schema owner chose its words by them,
    and a tenant login asked for every word, whose newest matches are merely the newest
    findings."""
    import time

    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    wanted = sorted({lex for lex in lexemes
                     if now - _estimates.get((key, lex), (-_ESTIMATE_SECONDS, 0.0))[0]
                     >= _ESTIMATE_SECONDS})
    if wanted:
        queries = {_tsquery([lex]): lex for lex in [*wanted, _ABSENT]}
        rows = session.execute(
            text("SELECT lexeme_query, findings FROM public.auditdesk_word_estimates(:queries)"),
            {"queries": list(queries)},
        ).all()
        for row in rows:
            _estimates[(key, queries[row.lexeme_query])] = (now, float(row.findings))
    # A word the statistics do not list gets the planner's floor, which a word no finding
    # holds gets too: such a word is rarer than every listed one.
    floor = _estimates[(key, _ABSENT)][1]
    return {lex: 0.0 if _estimates[(key, lex)][1] <= floor else _estimates[(key, lex)][1]
            for lex in lexemes}


def forget_statistics() -> None:
    """Drop the cached estimates (after ANALYZE, in tests)."""
    _estimates.clear()


def query_words(probe: Probe, frequencies: dict[str, float]) -> list[str]:
    """The probe's lexemes to look up: title first; only the rarest when some are common
    (common words would match most of the table and rank nothing)."""
    ordered: list[str] = []
    for name in FIELDS:
        for lexeme in probe.words.get(name, {}):
            if lexeme not in ordered and any(ch.isalpha() for ch in lexeme):
                ordered.append(lexeme)
    rarest = sorted(ordered, key=lambda lex: frequencies.get(lex, 0.0))  # stable: title first
    kept = [lex for lex in rarest if frequencies.get(lex, 0.0) <= COMMON_ROWS]
    if len(kept) == len(rarest):
        return ordered[:40]  # nothing is common here: ask for every word
    return (kept if len(kept) >= 3 else rarest[:3])[:QUERY_WORDS]


def _tsquery(words: Sequence[str]) -> str:
    """An OR of lexemes as tsquery text (quoted: no parsing, no stemming)."""
    quoted = ("'" + lex.replace("\\", "\\\\").replace("'", "''") + "'" for lex in words)
    return " | ".join(quoted)


_CANDIDATES_TEMPLATE = """
WITH RECURSIVE below(id) AS (
    SELECT id FROM observation WHERE tenant_id = :tenant AND id = :self
  UNION ALL
    SELECT o.id FROM observation o JOIN below ON o.tenant_id = :tenant AND o.repeat_of_id = below.id
),
{matching}
pool AS (
    SELECT id FROM matching
     ORDER BY ts_rank(words, CAST(:query AS tsquery)) DESC
     LIMIT :pool
)
SELECT o.id, o.ref, o.title, o.identified_on, o.status,
       e.auditee, e.code AS engagement_code, e.title AS engagement_title,
       ARRAY(SELECT array_to_string(u.weights, '') || u.lexeme FROM unnest(o.search_vector) u)
           AS weighted_words,
       similarity(o.title, :title) AS title_similarity,
       coalesce(similarity(e.auditee, :auditee), 0) AS auditee_similarity,
       coalesce(similarity(e.title, :engagement_title), 0) AS area_similarity
  FROM pool JOIN observation o ON o.tenant_id = :tenant AND o.id = pool.id
  LEFT JOIN audit_engagement e ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
"""


# Many matches: walk the findings newest first (the date index) until SCAN of them match.
_WALKED = """matching AS (
    SELECT w.id, w.words FROM observation_words w
     WHERE w.tenant_id = :tenant AND w.words @@ CAST(:query AS tsquery)
       AND w.identified_on <= :day
       AND w.id NOT IN (SELECT id FROM below)
     ORDER BY w.identified_on DESC, w.id DESC
     LIMIT :scan
),"""
# Few matches: every one from the word index (a fence, so that the planner cannot turn
# it into the walk), then the newest SCAN of them.
_LOOKED_UP = """hits AS MATERIALIZED (
    SELECT w.id, w.identified_on, w.words FROM observation_words w
     WHERE w.tenant_id = :tenant AND w.words @@ CAST(:query AS tsquery)
       AND w.identified_on <= :day
),
matching AS (
    SELECT id, words FROM hits
     WHERE id NOT IN (SELECT id FROM below)
     ORDER BY identified_on DESC, id DESC
     LIMIT :scan
),"""
_CANDIDATES_WALKED = _CANDIDATES_TEMPLATE.format(matching=_WALKED)
_CANDIDATES_LOOKED_UP = _CANDIDATES_TEMPLATE.format(matching=_LOOKED_UP)


def looks_up_matches(matches: float, findings: int) -> bool:
    """Whether to collect every match from the word index rather than walk the findings
    newest first: the lookup reads about ``matches`` rows, the walk about ``SCAN *
    findings / matches`` (it stops at SCAN matches). The planner chooses between the two
    itself, but from an estimate of an OR of words that clusters in time: it walked 210,000
    rows at 1M findings (70 ms) for words 42,000 findings hold, where the lookup takes 33."""
    return matches * matches < SCAN * max(findings, 1)



def _by_field(weighted: Sequence[str]) -> dict[str, frozenset[str]]:
    """Lexemes per field from 'ABlexeme' entries (the weights a lexeme carries)."""
    found: dict[str, set[str]] = {name: set() for name in FIELDS}
    for entry in weighted:
        lexeme = entry.lstrip("ABCD")
        for weight in entry[: len(entry) - len(lexeme)]:
            name = _FIELD_OF.get(weight)
            if name:
                found[name].add(lexeme)
    return {name: frozenset(words) for name, words in found.items()}


_FIELD_OF = {"A": "title", "B": "condition", "C": "cause"}


def candidates(session: Session, tenant_id: int, probe: Probe, pool: int = POOL) -> list[CandidateFeatures]:
    """Earlier findings (identified on or before the probe) sharing a stemmed word with
    it, never the probe itself nor anything already below it in its tree."""
    lexemes = [lex for name in FIELDS for lex in probe.words.get(name, {})]
    frequencies = word_frequencies(session, lexemes)
    words = query_words(probe, frequencies)
    query = _tsquery(words)
    if not query:
        return []
    matches = sum(frequencies.get(lex, 0.0) for lex in words)  # at most: an OR of words
    statement = (_CANDIDATES_LOOKED_UP
                 if looks_up_matches(matches, count_observations(session, tenant_id))
                 else _CANDIDATES_WALKED)
    # Planned for this query's words: a generic plan, kept once the driver has prepared
    # the statement, walked the table for words it could have looked up (0.4-0.8 s).
    with custom_plans(session):
        rows = session.execute(
            text(statement),
            {
                "tenant": tenant_id,
                "self": probe.observation_id,
                "query": query,
                "day": probe.identified_on,
                "pool": pool,
                "scan": SCAN,
                "title": probe.title,
                "auditee": probe.auditee or "",
                "engagement_title": probe.engagement_title or "",
            },
        ).all()
    return [
        CandidateFeatures(
            id=r.id,
            ref=r.ref,
            title=r.title,
            identified_on=r.identified_on,
            status=r.status,
            auditee=r.auditee,
            engagement_code=r.engagement_code,
            engagement_title=r.engagement_title,
            lexemes=_by_field(r.weighted_words),
            title_similarity=float(r.title_similarity or 0),
            condition_similarity=0.0,
            auditee_similarity=float(r.auditee_similarity or 0),
            area_similarity=float(r.area_similarity or 0),
        )
        for r in rows
    ]


# -- stored suggestions ---------------------------------------------------------------


def unlinked_since(session: Session, tenant_id: int, since: date | None) -> list[int]:
    """Findings without a repeat link and without a pending suggestion, oldest first."""
    return list(
        session.execute(
            text(
                """
                SELECT o.id FROM observation o
                 WHERE o.tenant_id = :tenant AND o.repeat_of_id IS NULL
                   AND (CAST(:since AS date) IS NULL OR o.identified_on >= :since)
                   AND NOT EXISTS (SELECT 1 FROM repeat_suggestion s
                                    WHERE s.tenant_id = o.tenant_id AND s.observation_id = o.id
                                      AND s.status = 'pending')
                 ORDER BY o.identified_on, o.id
                """
            ),
            {"tenant": tenant_id, "since": since},
        ).scalars()
    )


def decided_candidates(session: Session, tenant_id: int, observation_id: int) -> set[int]:
    """Candidates already proposed for a finding, whatever became of them, and the
    findings it was proposed for (a same-day pair is not proposed both ways)."""
    return set(
        session.execute(
            text(
                "SELECT candidate_id FROM repeat_suggestion "
                "WHERE tenant_id = :tenant AND observation_id = :id "
                "UNION SELECT observation_id FROM repeat_suggestion "
                "WHERE tenant_id = :tenant AND candidate_id = :id"
            ),
            {"tenant": tenant_id, "id": observation_id},
        ).scalars()
    )


def insert_pending(
    session: Session, tenant_id: int, observation_id: int, candidate_id: int,
    score: float, reasons: Sequence[str],
) -> int | None:
    """Store a proposal; ``None`` when the pair is already known (any status)."""
    import json

    return session.execute(
        text(
            """
            INSERT INTO repeat_suggestion (tenant_id, observation_id, candidate_id, score, reasons)
            VALUES (:tenant, :observation, :candidate, :score, CAST(:reasons AS jsonb))
            ON CONFLICT (tenant_id, observation_id, candidate_id) DO NOTHING
            RETURNING id
            """
        ),
        {
            "tenant": tenant_id,
            "observation": observation_id,
            "candidate": candidate_id,
            "score": Decimal(f"{score:.3f}"),
            "reasons": json.dumps(list(reasons)),
        },
    ).scalar_one_or_none()


_SIDE = """
    {p}.id AS {p}_id, {p}.ref AS {p}_ref, {p}.title AS {p}_title, {p}.condition AS {p}_condition,
    {p}.cause AS {p}_cause, {p}.identified_on AS {p}_identified_on, {p}.status AS {p}_status,
    {p}.severity AS {p}_severity, {p}.closed_at AS {p}_closed_at, {p}.repeat_of_id AS {p}_repeat_of_id,
    {p}e.code AS {p}_engagement_code, {p}e.auditee AS {p}_auditee
"""

REVIEW_SELECT = f"""
SELECT s.id, s.score, s.reasons, s.status, s.decided_at, u.display_name AS decided_by_name,
       {_SIDE.format(p="l")}, {_SIDE.format(p="c")}
  FROM repeat_suggestion s
  JOIN observation l ON l.tenant_id = s.tenant_id AND l.id = s.observation_id
  JOIN observation c ON c.tenant_id = s.tenant_id AND c.id = s.candidate_id
  LEFT JOIN audit_engagement le ON le.tenant_id = l.tenant_id AND le.id = l.engagement_id
  LEFT JOIN audit_engagement ce ON ce.tenant_id = c.tenant_id AND ce.id = c.engagement_id
  LEFT JOIN app_user u ON u.tenant_id = s.tenant_id AND u.id = s.decided_by
"""


def pending(
    session: Session, tenant_id: int, *, auditee: str | None = None,
    min_score: float = 0.0, limit: int = 200,
) -> list:
    """Pending suggestions, largest score first, with both findings side by side."""
    return list(
        session.execute(
            text(
                REVIEW_SELECT
                + """
                 WHERE s.tenant_id = :tenant AND s.status = 'pending' AND s.score >= :min_score
                   AND (CAST(:auditee AS text) IS NULL OR le.auditee = :auditee
                        OR ce.auditee = :auditee)
                 ORDER BY s.score DESC, s.id
                 LIMIT :limit
                """
            ),
            {"tenant": tenant_id, "min_score": min_score, "auditee": auditee, "limit": limit},
        ).mappings()
    )


def pending_auditees(session: Session, tenant_id: int) -> list[str]:
    """Auditees of the findings that have pending suggestions (for the queue's filter)."""
    return list(
        session.execute(
            text(
                """
                SELECT DISTINCT e.auditee FROM repeat_suggestion s
                  JOIN observation o ON o.tenant_id = s.tenant_id AND o.id = s.observation_id
                  JOIN audit_engagement e ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
                 WHERE s.tenant_id = :tenant AND s.status = 'pending'
                 ORDER BY 1
                """
            ),
            {"tenant": tenant_id},
        ).scalars()
    )


def for_pair(session: Session, tenant_id: int, observation_id: int, candidate_id: int):
    """The suggestion row of a pair (locked for the decision), or ``None``."""
    return session.execute(
        text(
            REVIEW_SELECT
            + """
             WHERE s.tenant_id = :tenant AND s.observation_id = :observation
               AND s.candidate_id = :candidate
               FOR UPDATE OF s
            """
        ),
        {"tenant": tenant_id, "observation": observation_id, "candidate": candidate_id},
    ).mappings().first()


def decide(session: Session, actor: Actor, suggestion_id: int, status: str) -> datetime | None:
    """Record a decision on a pending suggestion; ``None`` when it was no longer pending.
    Who and when are set by the database (migration 0005)."""
    set_actor(session, actor.user_id)
    return session.execute(
        text(
            "UPDATE repeat_suggestion SET status = :status "
            "WHERE tenant_id = :tenant AND id = :id AND status = 'pending' RETURNING decided_at"
        ),
        {"status": status, "tenant": actor.tenant_id, "id": suggestion_id},
    ).scalar_one_or_none()


def refs_to_ids(session: Session, tenant_id: int, refs: Iterable[str]) -> dict[str, int]:
    """Ids of the given refs in this tenant (unknown refs are absent)."""
    return dict(
        session.execute(
            text("SELECT ref, id FROM observation WHERE tenant_id = :t AND ref = ANY(:refs)"),
            {"t": tenant_id, "refs": list(refs)},
        ).all()
    )
