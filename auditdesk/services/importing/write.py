"""Writing a resolved import in the caller's one transaction.

Engagements the user let the import create come first; new findings are inserted in
batches, parents before the rows repeating them; changed findings are saved one by one
through ``services.observations.update`` with the version read when the import was
planned (a finding someone saved meanwhile stops the import with the conflict). See
docs/architecture.md, "Import and export".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.orm import Session

from auditdesk.data import observation_import as store
from auditdesk.domain import clock
from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.drafts import LONG_TEXT_FIELDS, EngagementDraft
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.records import Actor
from auditdesk.services import engagements, observations
from auditdesk.services.importing.resolve import (
    IMPORTED_AUDITEE,
    IMPORTED_CLOSED,
    Decision,
    Resolution,
)

Tick = Callable[[int], None]


def _levels(creates: list[Decision]) -> list[list[Decision]]:
    """New rows grouped so that a row comes after the new row it repeats."""
    by_ref = {d.row.ref: d for d in creates if d.row.ref}
    depth: dict[int, int] = {}

    def level(d: Decision) -> int:
        chain = []
        current: Decision | None = d
        while current is not None and id(current) not in depth:
            chain.append(current)
            current = by_ref.get(current.repeat_ref) if current.repeat_ref else None
        base = depth[id(current)] + 1 if current is not None else 0
        for item in reversed(chain):
            depth[id(item)] = base
            base += 1
        return depth[id(d)]

    levels: dict[int, list[Decision]] = {}
    for d in creates:
        levels.setdefault(level(d), []).append(d)
    return [levels[k] for k in sorted(levels)]


def _repeat_id(d: Decision, ids: dict[str, int]) -> int | None:
    assert d.stored is not None
    if not d.repeat_ref:
        return None
    if d.repeat_ref == d.stored.repeat_of_ref and d.repeat_ref not in ids:
        return d.stored.values["repeat_of_id"]  # the link stays as stored
    return ids[d.repeat_ref]


def write(session: Session, actor: Actor, resolution: Resolution, tick: Tick) -> tuple[list[int], Changes]:
    codes = store.engagement_ids(session, actor.tenant_id)
    changes = Changes()
    for code in sorted(resolution.new_engagements):
        if code not in codes:
            made = engagements.create(session, actor, EngagementDraft(code, code, IMPORTED_AUDITEE))
            codes[code] = made.value.id
            changes |= made.changes
    ids: dict[str, int] = {ref: s.id for ref, s in resolution.stored.items()}
    written: list[int] = []
    creates = [d for d in resolution.decisions if d.action == "create"]
    store.keep_counter_ahead(session, actor.tenant_id, [d.row.ref for d in creates if d.row.ref])
    now = clock.utc_now()
    done = 0
    for group in _levels(creates):
        rows = []
        for d in group:
            draft = d.draft
            assert draft is not None
            status = ObservationStatus(draft.status)
            rows.append({
                "ref": d.row.ref or None,
                "title": draft.title,
                "severity": Severity(draft.severity).value,
                "status": status.value,
                "owner_id": draft.owner_id,
                "identified_on": draft.identified_on,
                "due_date": draft.due_date,
                "original_due_date": draft.original_due_date,
                "closed_at": now if status.is_resolved else None,
                "closure_reason": IMPORTED_CLOSED if status is ObservationStatus.CLOSED else None,
                "engagement_id": codes[d.engagement_code] if d.engagement_code else draft.engagement_id,
                "repeat_of_id": ids[d.repeat_ref] if d.repeat_ref else None,
                **{name: getattr(draft, name) for name in LONG_TEXT_FIELDS},
            })
        for row in rows:
            if row["ref"] is None:
                row["ref"] = store.next_ref(session, actor.tenant_id)
        new_ids = store.insert_findings(session, actor, rows)
        ids.update(new_ids)
        written.extend(new_ids.values())
        done += len(group)
        tick(done)
    for d in resolution.decisions:
        if d.action != "update":
            continue
        assert d.draft is not None and d.stored is not None
        draft = replace(
            d.draft,
            engagement_id=codes[d.engagement_code] if d.engagement_code else d.draft.engagement_id,
            repeat_of_id=_repeat_id(d, ids),
        )
        outcome = observations.update(session, actor, d.stored.id, draft, d.stored.version)
        written.append(d.stored.id)
        changes |= outcome.changes
        done += 1
        if done % 100 == 0:
            tick(done)
    if creates:
        changes |= Changes.of(Table.OBSERVATION, written)
    return written, changes
