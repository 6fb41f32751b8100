"""Repeat detection use cases: suggest, detect over history, the review queue, decide.

Scoring is ``auditdesk.domain.repeats``; queries are ``auditdesk.data.suggestions``.
Accepting a suggestion links the pair through the same function, rules and audit
trail as a manual link. Writes return an ``Outcome`` with what changed (see
docs/architecture.md, "Repeat detection").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from auditdesk.data import observations as observation_data
from auditdesk.data import suggestions
from auditdesk.domain import repeats
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import LineageError, NotFoundError, PermissionDenied, ValidationError
from auditdesk.domain.records import Actor
from auditdesk.domain.repeats import Probe, Suggestion
from auditdesk.services import lineage

DEFAULT_LIMIT = 5
DEFAULT_MIN_SCORE = 0.45
MAX_LIMIT = 100
DECIDERS = (Role.MANAGER, Role.ADMIN)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": f"must be between 1 and {MAX_LIMIT}"})


def _observation_id(session: Session, tenant_id: int, ref: str) -> int:
    found = suggestions.refs_to_ids(session, tenant_id, [ref.strip()])
    if ref.strip() not in found:
        raise NotFoundError(f"There is no finding {ref.strip()} in this organisation.")
    return found[ref.strip()]


def suggest(
    session: Session, tenant_id: int, observation_id: int, limit: int = DEFAULT_LIMIT,
    *, exclude: set[int] | None = None,
) -> list[Suggestion]:
    """Earlier findings a stored finding may repeat, best first."""
    _check_limit(limit)
    probe = suggestions.probe_for(session, tenant_id, observation_id)
    pool = [c for c in suggestions.candidates(session, tenant_id, probe) if c.id not in (exclude or ())]
    return repeats.rank(probe, pool, limit)


def suggest_by_ref(session: Session, tenant_id: int, ref: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    return suggest(session, tenant_id, _observation_id(session, tenant_id, ref), limit)


def suggest_for_draft(
    session: Session,
    tenant_id: int,
    *,
    title: str,
    condition: str,
    cause: str,
    identified_on: date,
    engagement_id: int | None,
    observation_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Suggestion]:
    """Suggestions for a finding being written (its text need not be saved yet)."""
    _check_limit(limit)
    auditee, engagement_title = suggestions.engagement_context(session, tenant_id, engagement_id)
    probe = Probe(
        title=title,
        condition=condition,
        cause=cause,
        identified_on=identified_on,
        auditee=auditee,
        engagement_title=engagement_title,
        observation_id=observation_id,
        words=suggestions.probe_words(session, title, condition, cause),
    )
    return repeats.rank(probe, suggestions.candidates(session, tenant_id, probe), limit)


def search(
    session: Session, tenant_id: int, later_id: int, search_text: str, limit: int = 50
) -> list[Suggestion]:
    """The repeat picker: earlier findings for ``later`` ranked against what was typed
    (the finding's own text when nothing is), with the same score and rules."""
    _check_limit(limit)
    typed = repeats.validate_search(search_text)
    probe = suggestions.probe_for(session, tenant_id, later_id)
    if typed:
        probe = Probe(
            title=typed,
            condition=typed,
            cause="",
            identified_on=probe.identified_on,
            auditee=probe.auditee,
            engagement_title=probe.engagement_title,
            observation_id=later_id,
            words=suggestions.probe_words(session, typed, typed, ""),
        )
    found = repeats.rank(probe, suggestions.candidates(session, tenant_id, probe), limit)
    if typed:
        # A ref typed in full is a request for that finding, if the rules allow it.
        exact = _typed_ref(session, tenant_id, later_id, probe.identified_on, typed)
        found = exact + [s for s in found if s.candidate_id not in {e.candidate_id for e in exact}]
    return found[:limit]


def _typed_ref(session: Session, tenant_id: int, later_id: int, day: date, typed: str) -> list[Suggestion]:
    ids = suggestions.refs_to_ids(session, tenant_id, [typed.upper()])
    if not ids:
        return []
    found = observation_data.get_observation(session, tenant_id, next(iter(ids.values())))
    below = {n.id for n in lineage.descendants(session, tenant_id, later_id)}
    if found.id == later_id or found.id in below or found.identified_on > day:
        return []
    return [Suggestion(candidate_id=found.id, ref=found.ref, title=found.title,
                       identified_on=found.identified_on, status=found.status.value,
                       engagement_code=found.engagement_code, auditee=None, score=0.0,
                       reasons=("the reference you typed",))]


def picker_rows(session: Session, tenant_id: int, later_id: int, search_text: str) -> list[dict]:
    """``search`` as the rows the repeat picker shows."""
    return [
        {
            "id": found.candidate_id,
            "ref": found.ref,
            "title": found.title,
            "match": f"{found.score:.2f}" if found.score else "typed",
            "status": found.status,
            "identified_on": found.identified_on,
            "engagement_code": found.engagement_code,
            "auditee": found.auditee,
            "same_auditee": "same auditee" in found.reasons,
            "reasons": found.reasons,
        }
        for found in search(session, tenant_id, later_id, search_text)
    ]


@dataclass(frozen=True)
class DetectSummary:
    scanned: int
    proposed: tuple[dict[str, Any], ...]  # {ref, candidate, score, reasons}

    def as_json(self) -> dict[str, Any]:
        return {"scanned": self.scanned, "proposed": list(self.proposed)}


def detect(
    session: Session,
    actor: Actor,
    *,
    since: date | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    progress: Callable[[int, int], None] | None = None,
    newest: int | None = None,
) -> Outcome[DetectSummary]:
    """Propose the best earlier candidate for every unlinked finding (identified on or
    after ``since``; only the ``newest`` ones when given) that has no pending proposal.
    Idempotent: a pair already known —
    pending, accepted or rejected — is never proposed again."""
    if not 0 <= min_score <= 1:
        raise ValidationError({"min-score": "must be between 0 and 1"})
    tenant_id = actor.tenant_id
    todo = suggestions.unlinked_since(session, tenant_id, since)
    if newest is not None:
        todo = todo[-newest:]
    refs: dict[int, str] = {}
    proposed: list[dict[str, Any]] = []
    new_ids: list[int] = []
    for index, observation_id in enumerate(todo):
        known = suggestions.decided_candidates(session, tenant_id, observation_id)
        best = suggest(session, tenant_id, observation_id, 1, exclude=known)
        if progress:
            progress(index + 1, len(todo))
        if not best or best[0].score < min_score:
            continue
        top = best[0]
        new_id = suggestions.insert_pending(
            session, tenant_id, observation_id, top.candidate_id, top.score, top.reasons
        )
        if new_id is None:
            continue
        new_ids.append(new_id)
        if observation_id not in refs:
            refs[observation_id] = observation_data.get_observation(session, tenant_id, observation_id).ref
        proposed.append(
            {"ref": refs[observation_id], "candidate": top.ref, "score": round(top.score, 3),
             "reasons": list(top.reasons)}
        )
    changes = Changes.of(Table.REPEAT_SUGGESTION, new_ids) if new_ids else Changes()
    return Outcome(DetectSummary(len(todo), tuple(proposed)), changes)


@dataclass(frozen=True)
class ReviewSide:
    id: int
    ref: str
    title: str
    condition: str
    cause: str
    identified_on: date
    status: str
    severity: str
    closed_at: datetime | None
    engagement_code: str | None
    auditee: str | None
    repeat_of_id: int | None


@dataclass(frozen=True)
class ReviewItem:
    """A pending suggestion: the later finding and the earlier one it may repeat."""

    id: int
    score: float
    reasons: tuple[str, ...]
    status: str
    later: ReviewSide
    earlier: ReviewSide
    decided_at: datetime | None = None
    decided_by: str | None = None


def _side(row, prefix: str) -> ReviewSide:
    return ReviewSide(**{name: row[f"{prefix}_{name}"] for name in ReviewSide.__dataclass_fields__})


def _item(row) -> ReviewItem:
    return ReviewItem(
        id=row["id"],
        score=float(row["score"]),
        reasons=tuple(row["reasons"]),
        status=row["status"],
        later=_side(row, "l"),
        earlier=_side(row, "c"),
        decided_at=row["decided_at"],
        decided_by=row["decided_by_name"],
    )


def review_queue(
    session: Session, tenant_id: int, *, auditee: str | None = None, min_score: float = 0.0,
    limit: int = 200,
) -> list[ReviewItem]:
    """Pending suggestions, largest score first."""
    rows = suggestions.pending(session, tenant_id, auditee=auditee, min_score=min_score, limit=limit)
    return [_item(r) for r in rows]


def queue_auditees(session: Session, tenant_id: int) -> list[str]:
    return suggestions.pending_auditees(session, tenant_id)


def _may_decide(actor: Actor) -> None:
    # The workspace owner (no application user) decides; a signed-in auditor may not.
    if actor.role is not None and actor.role not in DECIDERS:
        raise PermissionDenied("Only managers and admins decide repeat suggestions.")


def review(
    session: Session, actor: Actor, observation_ref: str, candidate_ref: str, *, accept: bool
) -> Outcome[ReviewItem]:
    """Accept (link the pair) or reject (remember the refusal) the suggestion that
    ``observation_ref`` repeats ``candidate_ref``. A pair with no stored suggestion is
    scored and stored first, so that a decision is always remembered."""
    _may_decide(actor)
    tenant_id = actor.tenant_id
    later_id = _observation_id(session, tenant_id, observation_ref)
    earlier_id = _observation_id(session, tenant_id, candidate_ref)
    return decide_pair(session, actor, later_id, earlier_id, accept=accept)


def decide_pair(
    session: Session, actor: Actor, later_id: int, earlier_id: int, *, accept: bool
) -> Outcome[ReviewItem]:
    _may_decide(actor)
    tenant_id = actor.tenant_id
    later = observation_data.get_observation(session, tenant_id, later_id)
    earlier = observation_data.get_observation(session, tenant_id, earlier_id)
    row = suggestions.for_pair(session, tenant_id, later_id, earlier_id)
    if row is not None and row["status"] != "pending":
        when = f" on {row['decided_at']:%Y-%m-%d %H:%M}" if row["decided_at"] else ""
        who = f" by {row['decided_by_name']}" if row["decided_by_name"] else ""
        raise LineageError(
            f"The suggestion that {later.ref} repeats {earlier.ref} was already "
            f"{row['status']}{who}{when}; nothing was changed."
        )
    if accept and later.repeat_of_id is not None:
        raise LineageError(
            f"{later.ref} already repeats {later.repeat_of_ref}; clear that link first "
            "if it is wrong. Nothing was changed."
        )
    lineage.check_link(session, tenant_id, later_id, earlier_id)
    if row is None:
        scored = _score_pair(session, tenant_id, later_id, earlier_id)
        suggestions.insert_pending(
            session, tenant_id, later_id, earlier_id, scored.score if scored else 0.0,
            scored.reasons if scored else ("chosen by hand",),
        )
        row = suggestions.for_pair(session, tenant_id, later_id, earlier_id)
    decided = suggestions.decide(session, actor, row["id"], "accepted" if accept else "rejected")
    if decided is None:  # decided by someone else in the meantime
        raise LineageError(
            f"The suggestion that {later.ref} repeats {earlier.ref} was decided by someone "
            "else a moment ago; nothing was changed."
        )
    changes = Changes.of(Table.REPEAT_SUGGESTION, [row["id"]])
    if accept:
        changes = changes | lineage.set_repeat_of(session, actor, later_id, earlier_id).changes
    final = suggestions.for_pair(session, tenant_id, later_id, earlier_id)
    return Outcome(_item(final), changes)


def _score_pair(session: Session, tenant_id: int, later_id: int, earlier_id: int) -> Suggestion | None:
    probe = suggestions.probe_for(session, tenant_id, later_id)
    pool = suggestions.candidates(session, tenant_id, probe)
    ranked = repeats.rank(probe, pool, len(pool) or 1)
    return next((s for s in ranked if s.candidate_id == earlier_id), None)


def link(session: Session, actor: Actor, later_id: int, earlier_id: int) -> Outcome[int]:
    """One click in the editor: record that ``later`` repeats ``earlier`` — a manual
    link, with its rules and audit trail (a pending suggestion for the pair stays for
    a manager to confirm)."""
    later = observation_data.get_observation(session, actor.tenant_id, later_id)
    if later.repeat_of_id is not None and later.repeat_of_id != earlier_id:
        raise LineageError(
            f"{later.ref} already repeats {later.repeat_of_ref}; clear that link first "
            "if it is wrong. Nothing was changed."
        )
    linked = lineage.set_repeat_of(session, actor, later_id, earlier_id)
    return Outcome(later_id, linked.changes)


__all__ = [
    "DetectSummary",
    "ReviewItem",
    "ReviewSide",
    "Suggestion",
    "detect",
    "link",
    "queue_auditees",
    "review",
    "review_queue",
    "search",
    "suggest",
    "suggest_by_ref",
    "suggest_for_draft",
]

