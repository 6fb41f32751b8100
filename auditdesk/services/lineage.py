"""Repeat-lineage use cases: read trees and chains, pick an earlier finding, link or unlink.

``check_link`` states the lineage rules in words (no self-link, no cycle, no link to
a later finding, none outside the tenant) before ``set_repeat_of`` stores a link; the
database's lineage guard holds the same rules whatever a client sends.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from auditdesk.data import lineage as data
from auditdesk.data import observations as observation_data
from auditdesk.domain.changes import Changes, Outcome, Table
from auditdesk.domain.errors import LineageError, NotFoundError
from auditdesk.domain.queries import ObservationFilter
from auditdesk.domain.records import Actor, Observation
from auditdesk.domain.transitions import check_repeat_link_change

# -- reads ------------------------------------------------------------------------------------


# The queries need no rule of their own: the service offers them as they are.
ancestors = data.ancestors
descendants = data.descendants
tree = data.tree
roots = data.roots
candidates = data.candidates

CANDIDATE_LIMIT = 50



def earlier_candidates(
    session: Session,
    tenant_id: int,
    later_id: int | None,
    identified_on: date | None,
    search: str,
) -> list[dict]:
    """What the repeat picker offers: for a stored finding, ``candidates``; for one not
    saved yet, findings matching ``search`` identified on or before ``identified_on``,
    newest first."""
    if later_id is not None:
        return data.candidates(session, tenant_id, later_id, search)
    rows = observation_data.list_observations(
        session, tenant_id, ObservationFilter(text=search), limit=200
    )
    found = [
        {
            "id": r.id,
            "ref": r.ref,
            "title": r.title,
            "severity": r.severity.value,
            "status": r.status.value,
            "identified_on": r.identified_on,
            "engagement_code": r.engagement_code,
            "auditee": None,
            "same_auditee": False,
        }
        for r in rows
        if identified_on is None or r.identified_on <= identified_on
    ]
    found.sort(key=lambda c: (c["identified_on"], c["id"]), reverse=True)
    return found[:CANDIDATE_LIMIT]


# -- rules and writes -------------------------------------------------------------------------


def check_earlier(
    session: Session,
    tenant_id: int,
    later_id: int | None,
    identified_on: date | None,
    target: int | str,
) -> Observation:
    """The finding ``target`` names (an id or a typed ref), if ``later`` may repeat it;
    for a finding not saved yet (``later_id`` None) only the date order can be checked."""
    if isinstance(target, str):
        earlier = observation_data.get_by_ref(session, tenant_id, target)
    else:
        earlier = observation_data.get_observation(session, tenant_id, target)
    if later_id is not None:
        check_link(session, tenant_id, later_id, earlier.id)
    elif identified_on is not None and earlier.identified_on > identified_on:
        raise LineageError(
            f"This finding (identified {identified_on:%Y-%m-%d}) cannot repeat "
            f"{earlier.ref}, which was identified later ({earlier.identified_on:%Y-%m-%d})."
        )
    return earlier



def check_link(session: Session, tenant_id: int, later_id: int, earlier_id: int) -> None:
    """Raise ``LineageError`` explaining why ``later`` may not repeat ``earlier``."""
    later = data.link_end(session, tenant_id, later_id)
    if later is None:
        raise NotFoundError(f"Observation {later_id} does not exist in this tenant.")
    earlier = data.link_end(session, tenant_id, earlier_id)
    if earlier is None:
        # Never look outside the tenant, not even to say why: that would reveal that
        # another organisation has a row with this id.
        raise LineageError(
            f"{later.ref} cannot repeat observation {earlier_id}: it does not exist in this "
            "organisation."
        )
    if later.id == earlier.id:
        raise LineageError(f"{later.ref} cannot be a repeat of itself.")
    if earlier.identified_on > later.identified_on:
        raise LineageError(
            f"{later.ref} (identified {later.identified_on:%Y-%m-%d}) cannot repeat "
            f"{earlier.ref}, which was identified later ({earlier.identified_on:%Y-%m-%d})."
        )
    if any(node.id == later.id for node in data.ancestors(session, tenant_id, earlier.id)):
        raise LineageError(
            f"{later.ref} cannot repeat {earlier.ref}: {earlier.ref} already descends from "
            f"{later.ref}, so the link would make a cycle."
        )


def set_repeat_of(
    session: Session, actor: Actor, later_id: int, earlier_id: int | None
) -> Outcome[Observation]:
    """Link ``later`` as a repeat of ``earlier`` (or clear the link with ``None``)."""
    current = observation_data.get_observation(session, actor.tenant_id, later_id)
    check_repeat_link_change(current.repeat_of_id, earlier_id, actor.role)
    if earlier_id is not None:
        check_link(session, actor.tenant_id, later_id, earlier_id)
    data.write_repeat_of(session, actor, later_id, earlier_id)
    # The depth from the root changes for the finding and everything below it.
    changed = observation_data.subtree_ids(session, actor.tenant_id, later_id)
    return Outcome(
        observation_data.get_observation(session, actor.tenant_id, later_id),
        Changes.of(Table.OBSERVATION, changed),
    )
