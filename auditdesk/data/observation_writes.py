"""Observation row writes: insert under the next ref, lock, update, delete.

Each write records the acting user for the audit trail and turns a constraint the
database enforced into a domain error. The rules (validation, status transitions,
version checks) are applied by ``auditdesk.services.observations`` before it calls
these (see docs/architecture.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data.errors import translated_errors
from auditdesk.data.observations import O, get_observation
from auditdesk.data.rows import locked_row
from auditdesk.db.engine import actor as set_actor
from auditdesk.domain.drafts import LONG_TEXT_FIELDS, ObservationDraft
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.records import Actor, Observation

REF_PREFIX = "OBS-"
# The remediation columns a draft carries (the database clears those its status drops).
REMEDIATION_FIELDS = ("risk_accepted_until", "risk_acceptance_reason", "closure_reason",
                      "due_date_extension_reason")


def format_ref(number: int) -> str:
    return f"{REF_PREFIX}{number:06d}"


def next_ref(session: Session, tenant_id: int) -> str:
    # The counter is written only by this database function (no login may write it).
    number = session.execute(
        text("SELECT public.auditdesk_next_number(:tenant, 'observation')"),
        {"tenant": tenant_id},
    ).scalar_one()
    return format_ref(number)


def insert_observation(
    session: Session,
    actor: Actor,
    draft: ObservationDraft,
    closed_at: datetime | None,
) -> int:
    """Insert a validated draft under the next ref; returns the new row's id."""
    set_actor(session, actor.user_id)
    with translated_errors():
        row = O(
            tenant_id=actor.tenant_id,
            ref=next_ref(session, actor.tenant_id),
            title=draft.title,
            severity=Severity(draft.severity).value,
            status=ObservationStatus(draft.status).value,
            owner_id=draft.owner_id,
            identified_on=draft.identified_on,
            due_date=draft.due_date,
            original_due_date=draft.original_due_date,
            closed_at=closed_at,
            engagement_id=draft.engagement_id,
            repeat_of_id=draft.repeat_of_id,
            **{name: getattr(draft, name) for name in LONG_TEXT_FIELDS},
            **{name: getattr(draft, name) for name in REMEDIATION_FIELDS},
        )
        session.add(row)
        session.flush()
    return row.id


def _locked_row(session: Session, tenant_id: int, observation_id: int) -> O:
    return locked_row(session, O, tenant_id, observation_id, f"Observation {observation_id}")


def lock_observation(session: Session, tenant_id: int, observation_id: int) -> Observation:
    """The stored observation, its row locked until the transaction ends."""
    _locked_row(session, tenant_id, observation_id)
    return get_observation(session, tenant_id, observation_id)


def write_observation(
    session: Session,
    actor: Actor,
    observation_id: int,
    draft: ObservationDraft,
    closed_at: datetime | None,
) -> None:
    """Store every field of a validated draft, its status and ``closed_at``."""
    row = _locked_row(session, actor.tenant_id, observation_id)
    set_actor(session, actor.user_id)
    with translated_errors():
        row.title = draft.title
        row.severity = Severity(draft.severity).value
        for name in LONG_TEXT_FIELDS:
            setattr(row, name, getattr(draft, name))
        row.owner_id = draft.owner_id
        row.identified_on = cast(date, draft.identified_on)  # validated(): a date
        row.due_date = draft.due_date
        row.original_due_date = draft.original_due_date
        row.engagement_id = draft.engagement_id
        row.repeat_of_id = draft.repeat_of_id
        row.closed_at = closed_at
        row.status = ObservationStatus(draft.status).value
        for name in REMEDIATION_FIELDS:
            setattr(row, name, getattr(draft, name))
        session.flush()
    session.expire(row)


def write_status(
    session: Session,
    actor: Actor,
    observation_id: int,
    status: ObservationStatus,
    closed_at: datetime | None,
    **remediation: object,
) -> None:
    """Store the status, ``closed_at`` and what the step carries (``REMEDIATION_FIELDS``)."""
    row = _locked_row(session, actor.tenant_id, observation_id)
    set_actor(session, actor.user_id)
    with translated_errors():
        row.status = status.value
        row.closed_at = closed_at
        for name, value in remediation.items():
            setattr(row, name, value)
        session.flush()
    session.expire(row)


def remove_observation(session: Session, actor: Actor, observation_id: int) -> None:
    """Delete one row; its repeats lose their link (ON DELETE SET NULL)."""
    row = _locked_row(session, actor.tenant_id, observation_id)
    set_actor(session, actor.user_id)
    with translated_errors():
        # Through a database function: no login holds DELETE on the table itself.
        session.execute(
            text("SELECT public.auditdesk_delete_observation(:tenant, :id)"),
            {"tenant": actor.tenant_id, "id": observation_id},
        )
    session.expunge(row)
