"""Observations (findings): paged list queries, get one, repeats and subtrees.

The row writes are in ``observation_writes``.

List queries filter and sort in the database and page either by OFFSET or by a
keyset cursor (the sort value and id of the last row seen), so that a tenant with
a million observations is served one page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import SQLColumnExpression, and_, func, or_, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from auditdesk.data.expressions import (
    OBSERVATION_SEARCH,
    SEVERITY_RANK,
    STATUS_RANK,
    is_open,
    like_pattern,
)
from auditdesk.data.tenants import tenant_today
from auditdesk.db.models import EngagementRow, ObservationRowModel, TenantTallyRow, UserRow
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.domain.records import Observation, ObservationRow

O = ObservationRowModel
Owner = aliased(UserRow, name="owner")
Earlier = aliased(ObservationRowModel, name="earlier")
Eng = aliased(EngagementRow, name="engagement")

def sort_expression(sort: ObservationSort) -> SQLColumnExpression[Any]:
    return {
        ObservationSort.REF: O.ref,
        ObservationSort.TITLE: O.title,
        ObservationSort.ENGAGEMENT: O.engagement_code,
        ObservationSort.SEVERITY: SEVERITY_RANK,
        ObservationSort.STATUS: STATUS_RANK,
        ObservationSort.OWNER: O.owner_name,
        ObservationSort.IDENTIFIED: O.identified_on,
        ObservationSort.DUE: O.due_date,
        ObservationSort.REPEAT_OF: O.repeat_of_ref,
        ObservationSort.RECURRENCE: O.recurrence,
    }[ObservationSort(sort)]


#: Sort orders whose value is never NULL (keyset pages need no NULL tail for them).
NOT_NULL_SORTS = frozenset(
    {
        ObservationSort.REF,
        ObservationSort.TITLE,
        ObservationSort.SEVERITY,
        ObservationSort.STATUS,
        ObservationSort.IDENTIFIED,
        ObservationSort.RECURRENCE,
    }
)


def sort_value(row: ObservationRow, sort: ObservationSort) -> Any:
    """The value a row has in the given sort order (for a keyset cursor)."""
    return {
        ObservationSort.REF: row.ref,
        ObservationSort.TITLE: row.title,
        ObservationSort.ENGAGEMENT: row.engagement_code,
        ObservationSort.SEVERITY: row.severity.rank,
        ObservationSort.STATUS: list(ObservationStatus).index(row.status),
        ObservationSort.OWNER: row.owner_name,
        ObservationSort.IDENTIFIED: row.identified_on,
        ObservationSort.DUE: row.due_date,
        ObservationSort.REPEAT_OF: row.repeat_of_ref,
        ObservationSort.RECURRENCE: row.recurrence,
    }[ObservationSort(sort)]


def _on_tenant_clock(session: Session, tenant_id: int, flt: ObservationFilter) -> ObservationFilter:
    """The filter with its "today" set: the tenant's date unless the caller fixed one."""
    if flt.today is not None:
        return flt
    return replace(flt, today=tenant_today(session, tenant_id))


def _filtered(tenant_id: int, flt: ObservationFilter, base=None):
    """The filter's conditions (``flt.today`` already set by ``_on_tenant_clock``)."""
    query = base if base is not None else select(O.id)
    query = query.where(O.tenant_id == tenant_id)
    today = flt.today
    if flt.engagement_id is not None:
        query = query.where(O.engagement_id == flt.engagement_id)
    if flt.severities:
        query = query.where(O.severity.in_([Severity(s).value for s in flt.severities]))
    if flt.statuses:
        query = query.where(O.status.in_([ObservationStatus(s).value for s in flt.statuses]))
    if flt.owner_id is not None:
        query = query.where(O.owner_id == flt.owner_id)
    if flt.overdue_only:
        query = query.where(is_open(), O.due_date < today)
    if flt.repeats_only:
        query = query.where(O.repeat_of_id.is_not(None))
    if flt.overdue_actions_only:  # the stored earliest due date of the open actions
        query = query.where(O.open_action_due_min < today)
    if flt.text and flt.text.strip():
        query = query.where(OBSERVATION_SEARCH.like(func.lower(like_pattern(flt.text))))
    return query


def _row_columns():
    return (
        O.id,
        O.ref,
        O.title,
        O.engagement_id,
        O.engagement_code,
        O.severity,
        O.status,
        O.owner_id,
        O.owner_name,
        O.identified_on,
        O.due_date,
        O.repeat_of_id,
        O.repeat_of_ref,
        O.recurrence,
        O.actions_done,
        O.actions_total,
        O.open_action_due_min,
    )


def _joined(query):
    return (
        query.outerjoin(Eng, and_(Eng.tenant_id == O.tenant_id, Eng.id == O.engagement_id))
        .outerjoin(Owner, and_(Owner.tenant_id == O.tenant_id, Owner.id == O.owner_id))
        .outerjoin(Earlier, and_(Earlier.tenant_id == O.tenant_id, Earlier.id == O.repeat_of_id))
    )


def _keyset_condition(expression, value, row_id: int, descending: bool):
    """Rows strictly after (value, id) in the order ``expression ASC|DESC NULLS LAST|FIRST, id``."""
    if descending:
        # DESC sorts NULLs first: after a NULL come the remaining NULLs, then every value.
        if value is None:
            return or_(and_(expression.is_(None), O.id < row_id), expression.is_not(None))
        return tuple_(expression, O.id) < tuple_(value, row_id)
    if value is None:
        return and_(expression.is_(None), O.id > row_id)
    return or_(tuple_(expression, O.id) > tuple_(value, row_id), expression.is_(None))


def warm_up(session: Session) -> None:
    """Run the first table page's queries once, for no tenant (no tenant has id 0).

    SQLAlchemy compiles each statement shape once per process and caches it; doing that
    while the application starts spares the first table the user opens the compile.
    """
    list_observations(session, 0)
    count_observations(session, 0, ObservationFilter())


def list_observations(
    session: Session,
    tenant_id: int,
    flt: ObservationFilter = ObservationFilter(),
    sort: ObservationSort = ObservationSort.REF,
    descending: bool = False,
    *,
    offset: int = 0,
    limit: int = 200,
    after: tuple[Any, int] | None = None,
) -> list[ObservationRow]:
    """One page of rows in the given order; ``after=(sort_value, id)`` continues a keyset walk."""
    today = flt.today if flt.today is not None else tenant_today(session, tenant_id)
    flt = replace(flt, today=today)
    expression = sort_expression(sort)
    if _text_in_titles(flt, sort) and _few_matches(session, tenant_id, flt):
        # Findings whose text holds the words have titles alike: they lie together in the
        # title order, and a walk of the title index may pass most of the table before
        # its first match (300 ms at 1,000,000 findings). The same order over an
        # expression no index has makes PostgreSQL take the matches from the trigram
        # index and sort them: its work grows with the matches, not with the distance.
        expression = O.title.concat("")
    # The sort keys of other tables' columns are stored on the row (migration 0009):
    # every order is one index walk, and a page joins nothing.
    base = _filtered(tenant_id, flt, select(*_row_columns()))
    order = (expression.desc(), O.id.desc()) if descending else (expression.asc(), O.id.asc())

    def page(query, skip: int, count: int):
        return session.execute(query.order_by(*order).offset(skip).limit(count)).all()

    if after is None:
        rows = page(base, offset, limit)
    else:
        # Every part of a keyset walk is an index condition: an "OR sort IS NULL" arm
        # would turn it into a filter over every row before the cursor. Ascending after a
        # value, the NULLs that sort last follow in a second part; descending among the
        # NULLs that sort first, the values follow.
        value, row_id = after
        then = None
        if value is None:
            first = and_(expression.is_(None), O.id < row_id if descending else O.id > row_id)
            if descending:
                then = expression.is_not(None)
        elif descending:
            first = tuple_(expression, O.id) < tuple_(value, row_id)
        else:
            first = tuple_(expression, O.id) > tuple_(value, row_id)
            if ObservationSort(sort) not in NOT_NULL_SORTS:
                then = expression.is_(None)
        rows = page(base.where(first), offset, limit)
        if len(rows) < limit and then is not None:
            skip = 0
            if not rows and offset:
                before = _filtered(tenant_id, flt, select(func.count())).select_from(O).where(first)
                skip = max(offset - int(session.execute(before).scalar_one()), 0)
            rows += page(base.where(then), skip, limit - len(rows))
    return [_to_row(r, r.recurrence, today) for r in rows]


#: Up to about this many matches (PostgreSQL's estimate) a text-filtered title order is
#: served by sorting the matches rather than walking the title index (60-130 ms at the
#: top of the range at 1,000,000 findings, where the walk took up to 300 ms).
SORTED_MATCHES_UP_TO = 50_000


def _text_in_titles(flt: ObservationFilter, sort: ObservationSort) -> bool:
    return bool(flt.text and flt.text.strip()) and ObservationSort(sort) is ObservationSort.TITLE


def _estimated_rows(session: Session, query) -> int:
    """PostgreSQL's planner estimate of the rows ``query`` returns (planning only)."""
    compiled = query.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params
    ).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _few_matches(session: Session, tenant_id: int, flt: ObservationFilter) -> bool:
    return _estimated_rows(session, _filtered(tenant_id, flt, select(O.id))) <= SORTED_MATCHES_UP_TO


def _unfiltered(flt: ObservationFilter) -> bool:
    return replace(flt, today=None, text=flt.text.strip()) == ObservationFilter()


def count_observations(
    session: Session, tenant_id: int, flt: ObservationFilter = ObservationFilter()
) -> int:
    if _unfiltered(flt):
        # every finding of the tenant: its tally, kept by triggers (migration 0009)
        stored = session.scalar(
            select(TenantTallyRow.observations).where(TenantTallyRow.tenant_id == tenant_id)
        )
        return int(stored or 0)
    flt = _on_tenant_clock(session, tenant_id, flt)
    query = _filtered(tenant_id, flt, select(func.count()).select_from(O))
    return int(session.execute(query).scalar_one())


#: Up to this many matches the count label is exact at once; above, an estimate first.
COUNT_EXACT_UP_TO = 1000


def count_at_once(
    session: Session, tenant_id: int, flt: ObservationFilter = ObservationFilter()
) -> tuple[int, bool]:
    """What the count label can show at once: ``(count, exact)``.

    Unfiltered, the tenant's tally (exact). Otherwise the matches are counted up to
    ``COUNT_EXACT_UP_TO`` (the first ones an index or a scan meets: quick whether they
    are few or many); when there are more, PostgreSQL's planner estimate of the filter
    is returned, not exact, and the caller shows it as "about" until the exact count
    (``count_observations``) follows.
    """
    if _unfiltered(flt):
        return count_observations(session, tenant_id, flt), True
    flt = _on_tenant_clock(session, tenant_id, flt)
    matching = _filtered(tenant_id, flt, select(O.id))
    capped = matching.limit(COUNT_EXACT_UP_TO + 1).subquery()
    counted = int(session.execute(select(func.count()).select_from(capped)).scalar_one())
    if counted <= COUNT_EXACT_UP_TO:
        return counted, True
    return max(_estimated_rows(session, matching), counted), False


def position_of(
    session: Session,
    tenant_id: int,
    observation_id: int,
    flt: ObservationFilter,
    sort: ObservationSort,
    descending: bool = False,
) -> int | None:
    """Zero-based row number of an observation in a filtered, sorted list (None if absent)."""
    flt = _on_tenant_clock(session, tenant_id, flt)
    expression = sort_expression(sort)
    target = _filtered(tenant_id, flt, select(expression.label("v"), O.id)).where(
        O.id == observation_id
    )
    found = session.execute(target).first()
    if found is None:
        return None
    query = _filtered(tenant_id, flt, select(func.count())).select_from(O).where(
        _keyset_condition(expression, found.v, found.id, not descending)
    )
    return int(session.execute(query).scalar_one())


def recurrence_counts(session: Session, tenant_id: int, ids: Sequence[int]) -> dict[int, int]:
    """Depth from the root (0 for an original) of each given observation."""
    if not ids:
        return {}
    rows = session.execute(
        select(O.id, O.recurrence).where(O.tenant_id == tenant_id, O.id.in_(list(ids)))
    ).all()
    return {row_id: depth for row_id, depth in rows}


def _to_row(r, recurrence: int, today: date) -> ObservationRow:
    status = ObservationStatus(r.status)
    overdue = status.is_open and r.due_date is not None and r.due_date < today
    return ObservationRow(
        id=r.id,
        ref=r.ref,
        title=r.title,
        engagement_id=r.engagement_id,
        engagement_code=r.engagement_code,
        severity=Severity(r.severity),
        status=status,
        owner_id=r.owner_id,
        owner_name=r.owner_name,
        identified_on=r.identified_on,
        due_date=r.due_date,
        repeat_of_id=r.repeat_of_id,
        repeat_of_ref=r.repeat_of_ref,
        recurrence=recurrence,
        overdue=overdue,
        actions_done=r.actions_done,
        actions_total=r.actions_total,
        has_overdue_actions=r.open_action_due_min is not None and r.open_action_due_min < today,
    )


def get_observation(session: Session, tenant_id: int, observation_id: int) -> Observation:
    query = _joined(select(O, Eng.code, Owner.display_name, Earlier.ref)).where(
        O.tenant_id == tenant_id, O.id == observation_id
    )
    found = session.execute(query).first()
    if found is None:
        raise NotFoundError(f"Observation {observation_id} does not exist (it may have been deleted).")
    row, engagement_code, owner_name, earlier_ref = found
    return _to_observation(row, engagement_code, owner_name, earlier_ref)


def get_by_ref(session: Session, tenant_id: int, ref: str) -> Observation:
    ref = ref.strip().upper()
    found = session.scalar(select(O.id).where(O.tenant_id == tenant_id, O.ref == ref))
    if found is None:
        raise NotFoundError(f"No observation {ref} in this tenant.")
    return get_observation(session, tenant_id, found)


def _to_observation(row: O, engagement_code, owner_name, earlier_ref) -> Observation:
    return Observation(
        tenant_id=row.tenant_id,
        id=row.id,
        ref=row.ref,
        title=row.title,
        criteria=row.criteria,
        condition=row.condition,
        cause=row.cause,
        effect=row.effect,
        recommendation=row.recommendation,
        management_response=row.management_response,
        severity=Severity(row.severity),
        status=ObservationStatus(row.status),
        owner_id=row.owner_id,
        owner_name=owner_name,
        identified_on=row.identified_on,
        due_date=row.due_date,
        original_due_date=row.original_due_date,
        closed_at=row.closed_at,
        engagement_id=row.engagement_id,
        engagement_code=engagement_code,
        repeat_of_id=row.repeat_of_id,
        repeat_of_ref=earlier_ref,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        risk_accepted_until=row.risk_accepted_until,
        risk_accepted_by=row.risk_accepted_by,
        risk_acceptance_reason=row.risk_acceptance_reason,
        closure_reason=row.closure_reason,
        due_date_extension_reason=row.due_date_extension_reason,
        actions_total=row.actions_total,
        actions_done=row.actions_done,
        open_action_due_min=row.open_action_due_min,
    )


def repeats_of(session: Session, tenant_id: int, observation_id: int) -> list[str]:
    """Refs of the observations that directly repeat this one."""
    return list(
        session.scalars(
            select(O.ref)
            .where(O.tenant_id == tenant_id, O.repeat_of_id == observation_id)
            .order_by(O.ref)
        )
    )


def subtree_ids(session: Session, tenant_id: int, observation_id: int) -> list[int]:
    """The observation and every observation repeating it, directly or not (their
    recurrence follows a change of its link)."""
    return list(
        session.scalars(
            text(
                """
                WITH RECURSIVE down(id) AS (
                    SELECT id FROM observation WHERE tenant_id = :tenant AND id = :id
                  UNION ALL
                    SELECT o.id FROM observation o
                      JOIN down ON o.tenant_id = :tenant AND o.repeat_of_id = down.id
                )
                SELECT id FROM down
                """
            ),
            {"tenant": tenant_id, "id": observation_id},
        )
    )
