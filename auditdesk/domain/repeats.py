"""Repeat detection: how a candidate earlier finding is scored, and the reasons in words.

Pure functions over features the database computed (stemmed lexemes per field from
PostgreSQL's 'english' text search, trigram similarities from ``pg_trgm``); see
docs/architecture.md, "Repeat detection". The score runs from 0 to 1:

* the text evidence — shared stemmed words, weighted by field (title above condition
  above cause) and by how rare the word is among the candidates (a word every
  candidate has tells nothing), blended with trigram similarity of the titles and of
  the conditions, which catches spelling variants that stems miss;
* multiplied by the weak signals — the same or a similarly named auditee, a similar
  engagement (its area of work), and recency — which can lift a finding that says the
  same thing, but never make unrelated text look like a repeat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FIELDS = ("title", "condition", "cause")
FIELD_WEIGHTS = {"title": 1.0, "condition": 0.8, "cause": 0.5}

# Text evidence: shared words carry most; trigram similarity catches the rest.
WORDS_SHARE = 0.80
TITLE_TRIGRAM_SHARE = 0.30
CONDITION_TRIGRAM_SHARE = 0.0  # measured: adds nothing the shared words miss

# Weak signals: the multiplier runs from BASE (nothing in common) up to 1.
BASE = 0.75
AUDITEE_SHARE = 0.25
AREA_SHARE = 0.08
RECENCY_SHARE = 0.05
RECENCY_YEARS = 4.0  # the recency bonus halves over about this many years

# Raw scores of genuine repeats sit well below 1 (a paraphrase shares a fraction of the
# words); 1 - exp(-k·raw) spreads them over 0..1, keeps the order and never saturates,
# so that about 0.5 reads as "worth a look" (the median of the labelled repeats).
CALIBRATION = 3.5

SIMILAR_AUDITEE = 0.30  # trigram similarity from which two auditee names look alike
SIMILAR_AREA = 0.35
MAX_SEARCH_CHARS = 500
SHOWN_WORDS = 5


@dataclass(frozen=True)
class Probe:
    """The finding being written or reviewed: what the candidates are compared with.

    ``words`` maps a field to its stemmed lexemes and, for each, the word as written
    (for the reasons); both come from the database's own parser.
    """

    title: str
    condition: str
    cause: str
    identified_on: date
    auditee: str | None = None
    engagement_title: str | None = None
    observation_id: int | None = None
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def lexemes(self) -> dict[str, float]:
        """Every lexeme of the probe with the weight of the heaviest field it is in."""
        found: dict[str, float] = {}
        for name in FIELDS:
            for lexeme in self.words.get(name, {}):
                if is_word(lexeme):
                    found[lexeme] = max(found.get(lexeme, 0.0), FIELD_WEIGHTS[name])
        return found


@dataclass(frozen=True)
class CandidateFeatures:
    """One earlier finding, with what the database measured against the probe."""

    id: int
    ref: str
    title: str
    identified_on: date
    status: str
    auditee: str | None
    engagement_code: str | None
    engagement_title: str | None
    lexemes: Mapping[str, frozenset[str]]  # field -> stemmed lexemes
    title_similarity: float  # trigram, 0..1
    condition_similarity: float
    auditee_similarity: float  # trigram similarity of the auditee names, 0..1
    area_similarity: float  # trigram similarity of the engagement titles, 0..1


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate: the earlier finding the probe may repeat."""

    candidate_id: int
    ref: str
    title: str
    identified_on: date
    status: str
    engagement_code: str | None
    auditee: str | None
    score: float
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "title": self.title,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
        }


def validate_search(text: str) -> str:
    """The picker's search text, stripped; refused when too long to mean anything."""
    from auditdesk.domain.errors import ValidationError

    stripped = " ".join(text.split())
    if len(stripped) > MAX_SEARCH_CHARS:
        raise ValidationError(
            {"search": f"is {len(stripped):,} characters long; at most {MAX_SEARCH_CHARS} are used"}
        )
    return stripped


def is_word(lexeme: str) -> bool:
    """Numbers (amounts, counts, years) differ from one year's finding to the next and
    say nothing about the topic; only lexemes with a letter count as shared words."""
    return any(ch.isalpha() for ch in lexeme)


def rarity(candidates: Sequence[CandidateFeatures]) -> dict[str, float]:
    """Inverse document frequency of every lexeme over the candidate pool."""
    counts: dict[str, int] = {}
    for candidate in candidates:
        for lexeme in set().union(*candidate.lexemes.values()) if candidate.lexemes else ():
            counts[lexeme] = counts.get(lexeme, 0) + 1
    total = max(len(candidates), 1)
    return {lexeme: math.log(1 + total / (1 + n)) for lexeme, n in counts.items()}


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def _shared_words(probe: Probe, candidate: CandidateFeatures, idf: Mapping[str, float]) -> float:
    """Weighted share of the probe's words that the candidate also uses (any field)."""
    wanted = probe.lexemes()
    if not wanted:
        return 0.0
    theirs = set().union(*candidate.lexemes.values()) if candidate.lexemes else set()
    default = max(idf.values(), default=1.0)
    total = sum(weight * idf.get(lex, default) for lex, weight in wanted.items())
    # A shared word counts with the lighter of its two fields: a title word that only
    # turns up in the other's cause is weaker evidence than title against title.
    shared = 0.0
    for lexeme, weight in wanted.items():
        if lexeme in theirs:
            where = max(FIELD_WEIGHTS[f] for f in FIELDS if lexeme in candidate.lexemes.get(f, ()))
            shared += min(weight, where) * idf.get(lexeme, default)
    return shared / total if total else 0.0


def _recency(probe_day: date, candidate_day: date) -> float:
    years = max((probe_day - candidate_day).days, 0) / 365.25
    return 0.5 ** (years / RECENCY_YEARS)


def score(probe: Probe, candidate: CandidateFeatures, idf: Mapping[str, float]) -> float:
    """The candidate's score, 0..1 (see the module docstring)."""
    text = (
        WORDS_SHARE * _shared_words(probe, candidate, idf)
        + TITLE_TRIGRAM_SHARE * candidate.title_similarity
        + CONDITION_TRIGRAM_SHARE * candidate.condition_similarity
    )
    weak = BASE + AUDITEE_SHARE * _auditee_signal(probe, candidate)
    weak += AREA_SHARE * _area_signal(candidate)
    weak += RECENCY_SHARE * _recency(probe.identified_on, candidate.identified_on)
    return 1.0 - math.exp(-CALIBRATION * max(0.0, text * weak))


def _auditee_signal(probe: Probe, candidate: CandidateFeatures) -> float:
    if probe.auditee and _norm(probe.auditee) == _norm(candidate.auditee):
        return 1.0
    if candidate.auditee_similarity >= SIMILAR_AUDITEE:
        return candidate.auditee_similarity
    return 0.0


def _area_signal(candidate: CandidateFeatures) -> float:
    return candidate.area_similarity if candidate.area_similarity >= SIMILAR_AREA else 0.0


def reasons(probe: Probe, candidate: CandidateFeatures, idf: Mapping[str, float]) -> tuple[str, ...]:
    """Why the candidate was proposed, strongest first, in words."""
    found: list[str] = []
    auditee = _auditee_signal(probe, candidate)
    if auditee == 1.0:
        found.append("same auditee")
    elif auditee:
        found.append(f"similar auditee ({candidate.auditee})")
    if candidate.title_similarity >= 0.3:
        found.append(f"title {candidate.title_similarity:.2f} similar")
    for name in FIELDS:
        mine = probe.words.get(name, {})
        theirs = candidate.lexemes.get(name, frozenset())
        shared = [lex for lex in mine if lex in theirs and is_word(lex)]
        if shared:
            shared.sort(key=lambda lex: -idf.get(lex, 0.0))
            words = ", ".join(mine[lex] for lex in shared[:SHOWN_WORDS])
            more = f" and {len(shared) - SHOWN_WORDS} more" if len(shared) > SHOWN_WORDS else ""
            found.append(f"{name} shares: {words}{more}")
    if candidate.condition_similarity >= 0.3:
        found.append(f"condition {candidate.condition_similarity:.2f} similar")
    if _area_signal(candidate) and candidate.engagement_title:
        found.append(f"similar engagement ({candidate.engagement_title})")
    years = (probe.identified_on - candidate.identified_on).days / 365.25
    if years >= 1:
        found.append(f"identified {years:.1f} years earlier")
    elif candidate.identified_on < probe.identified_on:
        found.append(f"identified {(probe.identified_on - candidate.identified_on).days} days earlier")
    else:
        found.append("identified the same day")
    return tuple(found)


def rank(
    probe: Probe, candidates: Sequence[CandidateFeatures], limit: int
) -> list[Suggestion]:
    """The best ``limit`` candidates, best first (ties: the more recent, then by ref)."""
    idf = rarity(candidates)
    scored = [(score(probe, c, idf), c) for c in candidates]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].identified_on.toordinal(), pair[1].ref))
    return [  # reasons only for those shown
        Suggestion(
            candidate_id=c.id,
            ref=c.ref,
            title=c.title,
            identified_on=c.identified_on,
            status=c.status,
            engagement_code=c.engagement_code,
            auditee=c.auditee,
            score=s,
            reasons=reasons(probe, c, idf),
        )
        for s, c in scored[:limit]
    ]
