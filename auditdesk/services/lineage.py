"""Repeat-lineage use cases: read trees and chains, pick an earlier finding, link or unlink.

``check_link`` states the lineage rules in words (no self-link, no cycle, no link to
a later finding, none outside the tenant) before ``set_repeat_of`` stores a link; the
database's lineage guard holds the same rules whatever a client sends.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from auditdesk.data import lineage as data
from auditdesk.data import observations as observation_data
from auditdesk.domain.changes import Outcome, Table
from auditdesk.domain.errors import LineageError, NotFoundError
from auditdesk.domain.records import Actor, Observation
from auditdesk.services.changes import written

# -- reads ------------------------------------------------------------------------------------


# The queries need no rule of their own: the service offers them as they are.
ancestors = data.ancestors
descendants = data.descendants
tree = data.tree
roots = data.roots
candidates = data.candidates


# -- rules and writes -------------------------------------------------------------------------


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
    if earlier_id is not None:
        check_link(session, actor.tenant_id, later_id, earlier_id)
    data.write_repeat_of(session, actor, later_id, earlier_id)
    # The depth from the root changes for the finding and everything below it.
    changed = observation_data.subtree_ids(session, actor.tenant_id, later_id)
    return Outcome(
        observation_data.get_observation(session, actor.tenant_id, later_id),
        written(Table.OBSERVATION, changed),
    )
