"""Remediation rows: a finding's actions, its validations, its risk acceptance and due
date, the expiry of accepted risks, and the tenant's due-date policy.

Reads return frozen records; writes record the acting user for the audit trail and turn
a refusal of the database (migration 0011) into a domain error in words. The rules are
applied first by ``auditdesk.services.remediation`` (see docs/architecture.md,
"Remediation").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from typing import cast

from sqlalchemy import and_, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from auditdesk.data.errors import primary_message, translated_errors
from auditdesk.data.rows import locked_row
from auditdesk.db.engine import actor as set_actor
from auditdesk.db.models import DueDatePolicyRow as P
from auditdesk.db.models import ObservationRowModel as O
from auditdesk.db.models import ObservationValidationRow as V
from auditdesk.db.models import RemediationActionRow as A
from auditdesk.db.models import UserRow
from auditdesk.domain.enums import ActionStatus, ObservationStatus, Severity, ValidationResult
from auditdesk.domain.errors import PermissionDenied
from auditdesk.domain.records import Actor
from auditdesk.domain.remediation import ActionDraft, DueDatePolicy, ValidationDraft
from auditdesk.domain.remediation_records import (
    DueDateExtensions,
    ExpiringAcceptance,
    ObservationValidation,
    OverdueAction,
    RemediationAction,
)


@contextmanager
def refusals_in_words() -> Iterator[None]:
    """The field messages of ``translated_errors``, and a role the database refused
    (insufficient privilege) as ``PermissionDenied`` with its own words."""
    try:
        with translated_errors():
            yield
    except IntegrityError:
        raise
    except DBAPIError as error:
        if getattr(getattr(error, "orig", None), "sqlstate", None) == "42501":
            message = primary_message(error).removeprefix("permission denied: ")
            raise PermissionDenied(message[:1].upper() + message[1:] + ".") from error
        raise


# -- actions ----------------------------------------------------------------------------------


def _action(row: A, owner_name: str | None) -> RemediationAction:
    return RemediationAction(
        tenant_id=row.tenant_id, id=row.id, observation_id=row.observation_id,
        title=row.title, description=row.description, owner_id=row.owner_id,
        owner_name=owner_name, due_date=row.due_date, status=ActionStatus(row.status),
        percent_complete=row.percent_complete, completed_on=row.completed_on,
        version=row.version, created_at=row.created_at, updated_at=row.updated_at,
    )


def _with_owner():
    return select(A, UserRow.display_name).outerjoin(
        UserRow, (UserRow.tenant_id == A.tenant_id) & (UserRow.id == A.owner_id)
    )


def list_actions(session: Session, tenant_id: int, observation_id: int) -> list[RemediationAction]:
    """A finding's actions, earliest due first."""
    rows = session.execute(
        _with_owner().where(A.tenant_id == tenant_id, A.observation_id == observation_id)
        .order_by(A.due_date, A.id)
    ).all()
    return [_action(row, name) for row, name in rows]


def get_action(session: Session, tenant_id: int, action_id: int) -> RemediationAction:
    locked_row(session, A, tenant_id, action_id, f"Action {action_id}")
    row, name = session.execute(
        _with_owner().where(A.tenant_id == tenant_id, A.id == action_id)
    ).one()
    return _action(row, name)


def insert_action(session: Session, actor: Actor, observation_id: int, draft: ActionDraft) -> int:
    set_actor(session, actor.user_id)
    with refusals_in_words():
        row = A(tenant_id=actor.tenant_id, observation_id=observation_id, **_action_values(draft))
        session.add(row)
        session.flush()
    return row.id


def write_action(session: Session, actor: Actor, action_id: int, draft: ActionDraft) -> None:
    row = locked_row(session, A, actor.tenant_id, action_id, f"Action {action_id}")
    set_actor(session, actor.user_id)
    with refusals_in_words():
        for name, value in _action_values(draft).items():
            setattr(row, name, value)
        session.flush()
    session.expire(row)


def remove_action(session: Session, actor: Actor, action_id: int) -> None:
    row = locked_row(session, A, actor.tenant_id, action_id, f"Action {action_id}")
    set_actor(session, actor.user_id)
    with refusals_in_words():
        # Through a database function: no login holds DELETE on the table itself.
        session.execute(
            text("SELECT public.auditdesk_delete_remediation_action(:tenant, :id)"),
            {"tenant": actor.tenant_id, "id": action_id},
        )
    session.expunge(row)


def _action_values(draft: ActionDraft) -> dict:
    return {
        "title": draft.title, "description": draft.description, "owner_id": draft.owner_id,
        "due_date": draft.due_date, "status": ActionStatus(draft.status).value,
        "percent_complete": draft.percent_complete, "completed_on": draft.completed_on,
    }


def overdue_actions(
    session: Session, tenant_id: int, today: date, *, limit: int = 500
) -> list[OverdueAction]:
    """Open actions (planned or in progress) due before ``today``, oldest first, with
    their finding's ref and title: for the dashboard and the board report."""
    query = (
        select(A.id, A.observation_id, O.ref, O.title, A.title, A.due_date,
               UserRow.display_name, A.status, A.percent_complete)
        .join(O, (O.tenant_id == A.tenant_id) & (O.id == A.observation_id))
        .outerjoin(UserRow, (UserRow.tenant_id == A.tenant_id) & (UserRow.id == A.owner_id))
        .where(A.tenant_id == tenant_id, A.due_date < today,
               A.status.in_([s.value for s in ActionStatus if s.is_open]))
        .order_by(A.due_date, A.id)
        .limit(limit)
    )
    return [
        OverdueAction(action_id=r[0], observation_id=r[1], observation_ref=r[2],
                      observation_title=r[3], title=r[4], due_date=r[5], owner_name=r[6],
                      status=ActionStatus(r[7]), percent_complete=r[8],
                      days_overdue=(today - r[5]).days)
        for r in session.execute(query)
    ]


def count_overdue_actions(session: Session, tenant_id: int, today: date,
                          engagement_id: int | None = None) -> tuple[int, int]:
    """(open actions overdue, findings with an overdue action) on ``today``; the second
    is an index range on ``observation.open_action_due_min``."""
    open_statuses = [s.value for s in ActionStatus if s.is_open]
    actions = select(func.count()).select_from(A).where(
        A.tenant_id == tenant_id, A.due_date < today, A.status.in_(open_statuses)
    )
    findings = select(func.count()).select_from(O).where(
        O.tenant_id == tenant_id, O.open_action_due_min < today
    )
    if engagement_id is not None:
        actions = actions.join(O, (O.tenant_id == A.tenant_id) & (O.id == A.observation_id)).where(
            O.engagement_id == engagement_id
        )
        findings = findings.where(O.engagement_id == engagement_id)
    return session.scalar(actions) or 0, session.scalar(findings) or 0


# -- validations ------------------------------------------------------------------------------


def list_validations(
    session: Session, tenant_id: int, observation_id: int
) -> list[ObservationValidation]:
    """A finding's validations, latest first."""
    rows = session.execute(
        select(V, UserRow.display_name)
        .outerjoin(UserRow, (UserRow.tenant_id == V.tenant_id) & (UserRow.id == V.validated_by))
        .where(V.tenant_id == tenant_id, V.observation_id == observation_id)
        .order_by(V.recorded_at.desc(), V.id.desc())
    ).all()
    return [
        ObservationValidation(
            tenant_id=v.tenant_id, id=v.id, observation_id=v.observation_id,
            validated_on=v.validated_on, result=ValidationResult(v.result), notes=v.notes,
            validated_by=v.validated_by, validated_by_name=name, recorded_at=v.recorded_at,
        )
        for v, name in rows
    ]


def insert_validation(
    session: Session, actor: Actor, observation_id: int, draft: ValidationDraft
) -> int:
    """Record a validation; the database then closes the finding (passed) or returns it
    to remediation (failed)."""
    set_actor(session, actor.user_id)
    with refusals_in_words():
        row = V(tenant_id=actor.tenant_id, observation_id=observation_id,
                validated_on=draft.validated_on, result=ValidationResult(draft.result).value,
                notes=draft.notes)
        session.add(row)
        session.flush()
    return row.id


# -- the finding's remediation columns -------------------------------------------------------


def write_remediation(session: Session, actor: Actor, observation_id: int,
                      **values: object) -> None:
    """Store the finding's remediation columns given (status, closed_at, due dates,
    risk acceptance, reasons) in one statement."""
    row = locked_row(session, O, actor.tenant_id, observation_id, f"Observation {observation_id}")
    set_actor(session, actor.user_id)
    with refusals_in_words():
        for name, value in values.items():
            if isinstance(value, ObservationStatus):
                value = value.value
            setattr(row, name, value)
        session.flush()
    session.expire(row)


def expire_risk_acceptances(session: Session, tenant_id: int) -> int:
    """Return the tenant's lapsed risk acceptances to open (the database function; the
    audit trail records it as the system's doing); how many."""
    with refusals_in_words():
        return int(session.execute(
            text("SELECT public.auditdesk_expire_risk_acceptances(:tenant)"),
            {"tenant": tenant_id},
        ).scalar_one())


# -- the due-date policy ----------------------------------------------------------------------


def due_date_policy(session: Session, tenant_id: int) -> DueDatePolicy:
    """The tenant's days per severity; a severity without a row has the default."""
    stored = dict(session.execute(
        select(P.severity, P.days).where(P.tenant_id == tenant_id)
    ).all())
    return DueDatePolicy({
        s: int(stored.get(s.value, s.default_due_days)) for s in Severity
    })


def write_due_date_policy(session: Session, actor: Actor, days: Mapping[Severity, int]) -> None:
    set_actor(session, actor.user_id)
    with refusals_in_words():
        for severity, value in days.items():
            statement = insert(P).values(
                tenant_id=actor.tenant_id, severity=Severity(severity).value, days=value
            )
            session.execute(statement.on_conflict_do_update(
                index_elements=[P.tenant_id, P.severity], set_={"days": value},
                where=P.days != value,
            ))
        session.flush()


# -- for the dashboard and the board report ---------------------------------------------------


def _expiring(tenant_id: int, today: date, within_days: int):
    return and_(O.tenant_id == tenant_id, O.status == ObservationStatus.RISK_ACCEPTED.value,
                O.risk_accepted_until >= today,
                O.risk_accepted_until <= today + timedelta(days=within_days))


def count_expiring_acceptances(
    session: Session, tenant_id: int, today: date, within_days: int = 30
) -> int:
    """How many risk acceptances end from today to ``within_days`` ahead (the dashboard's
    tile: the same index range, counted in the database instead of fetched)."""
    return int(session.scalar(
        select(func.count()).select_from(O).where(_expiring(tenant_id, today, within_days))
    ) or 0)


def expiring_acceptances(
    session: Session, tenant_id: int, today: date, within_days: int = 30
) -> list[ExpiringAcceptance]:
    """Risk acceptances ending from today to ``within_days`` ahead, soonest first (an
    index range on ``(tenant_id, risk_accepted_until)``)."""
    rows = session.execute(
        select(O.id, O.ref, O.title, O.severity, O.risk_accepted_until, UserRow.display_name,
               O.risk_acceptance_reason)
        .outerjoin(UserRow, (UserRow.tenant_id == O.tenant_id) & (UserRow.id == O.risk_accepted_by))
        .where(_expiring(tenant_id, today, within_days))
        .order_by(O.risk_accepted_until, O.id)
    ).all()
    expiring = []
    for r in rows:
        ends = cast(date, r[4])  # the WHERE clause: a date
        expiring.append(ExpiringAcceptance(
            observation_id=r[0], ref=r[1], title=r[2], severity=Severity(r[3]),
            risk_accepted_until=ends, accepted_by_name=r[5], reason=r[6] or "",
            days_left=(ends - today).days,
        ))
    return expiring


def due_date_extensions(
    session: Session, tenant_id: int, engagement_id: int | None = None
) -> DueDateExtensions:
    """Findings whose due date lies after their original one, and by how many days."""
    days = O.due_date - O.original_due_date
    query = select(func.count(), func.coalesce(func.sum(days), 0),
                   func.coalesce(func.max(days), 0)).where(
        O.tenant_id == tenant_id, O.status != ObservationStatus.DRAFT.value,
        O.due_date > O.original_due_date,
    )
    if engagement_id is not None:
        query = query.where(O.engagement_id == engagement_id)
    findings, total, longest = session.execute(query).one()
    return DueDateExtensions(int(findings), int(cast(int, total)), int(cast(int, longest)))


def showcase_findings(session: Session, tenant_id: int, today: date) -> dict[str, int | None]:
    """A finding in remediation with the largest plan (overdue ones first) and the finding
    with the most validations: what the selfcheck pictures."""
    plan = session.scalar(
        select(O.id).where(O.tenant_id == tenant_id, O.actions_total > 0,
                           O.status == ObservationStatus.IN_REMEDIATION.value)
        .order_by((O.open_action_due_min < today).desc().nulls_last(),
                  O.actions_total.desc(), O.id).limit(1)
    )
    validated = session.scalar(
        select(V.observation_id).where(V.tenant_id == tenant_id).group_by(V.observation_id)
        .order_by(func.count().desc(), func.max(V.recorded_at).desc()).limit(1)
    )
    return {"action_plan": plan, "validation": validated}
