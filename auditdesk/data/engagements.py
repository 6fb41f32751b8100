"""Audit engagements: paged list with observation counts, "my engagements" with
progress for a user (lead or member), each in one query, and the row writes.

The rules (validation, the version check) are applied by
``auditdesk.services.engagements`` before it calls the writes here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, case, exists, func, insert, or_, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from auditdesk.data.errors import translated_errors
from auditdesk.data.expressions import ENGAGEMENT_SEARCH, is_open, like_pattern
from auditdesk.data.rows import locked_row
from auditdesk.data.tenants import tenant_today
from auditdesk.db.engine import actor as set_actor
from auditdesk.db.models import (
    EngagementMemberRow,
    EngagementRow,
    EngagementTallyRow,
    ObservationRowModel,
    RemediationActionRow,
    TenantTallyRow,
    UserRow,
)
from auditdesk.domain.drafts import EngagementDraft
from auditdesk.domain.enums import ActionStatus, EngagementStatus
from auditdesk.domain.errors import NotFoundError
from auditdesk.domain.queries import EngagementFilter, EngagementSort
from auditdesk.domain.records import Actor, Engagement, EngagementProgress, MyEngagementsPage

E = EngagementRow
O = ObservationRowModel
A = RemediationActionRow


def _overdue_actions(today: date):
    """Per engagement row: its findings' actions still open after their due date, a
    range of the partial index of open actions by the engagement each action keeps
    (migration 0015) — never a walk through the tenant's late actions and their findings."""
    return (
        select(func.count())
        .select_from(A)
        .where(A.tenant_id == E.tenant_id, A.finding_engagement_id == E.id,
               A.status.in_([s.value for s in ActionStatus if s.is_open]), A.due_date < today)
        .correlate(E)
        .scalar_subquery()
    )


Lead = aliased(UserRow, name="lead")

STATUS_ORDER = {"fieldwork": 0, "reporting": 1, "planned": 2, "closed": 3}


def _counts(tenant_id: int, today: date):
    """Per-engagement finding counts (drafts excluded) from the tallies the triggers keep
    (migration 0009): the stored overdue count holds as of the tenant's ``overdue_as_of``
    day, so the open findings due between that day and ``today`` are added (or taken
    away): a short range of the due-date index, however many findings there are."""
    as_of = (
        select(TenantTallyRow.overdue_as_of)
        .where(TenantTallyRow.tenant_id == tenant_id)
        .scalar_subquery()
    )
    open_finding = and_(O.tenant_id == tenant_id, O.engagement_id.is_not(None), is_open())
    correction = (
        select(
            O.engagement_id.label("engagement_id"),
            (
                func.count().filter(O.due_date >= as_of) - func.count().filter(O.due_date < as_of)
            ).label("delta"),
        )
        .where(
            open_finding,
            O.due_date >= func.least(as_of, today),
            O.due_date < func.greatest(as_of, today),
        )
        .group_by(O.engagement_id)
        .subquery("due_since")
    )
    T = EngagementTallyRow
    return (
        select(
            T.engagement_id,
            T.total,
            T.open,
            T.closed,
            (T.overdue + func.coalesce(correction.c.delta, 0)).label("overdue"),
        )
        .outerjoin(correction, correction.c.engagement_id == T.engagement_id)
        .where(T.tenant_id == tenant_id)
        .subquery("counts")
    )


def _joined_counts(query: Select, counts) -> Select:
    return query.outerjoin(counts, counts.c.engagement_id == E.id)


def _count_columns(counts):
    return tuple(
        func.coalesce(getattr(counts.c, name), 0).label(name)
        for name in ("total", "open", "closed", "overdue")
    )


def advance_tallies(session: Session, tenant_id: int, today: date) -> None:
    """Count the stored overdue tallies as of ``today`` from now on (the daily capture
    calls it): readers then have no due dates to add up since an older day."""
    session.execute(
        text("SELECT public.tally_advance(:tenant, :today)"), {"tenant": tenant_id, "today": today}
    )


def _status_rank():
    """Engagements in work first, then planned, closed last."""
    return case(*((E.status == name, rank) for name, rank in STATUS_ORDER.items()), else_=9)


def _sort_expression(sort: EngagementSort, counts):
    return {
        EngagementSort.CODE: E.code,
        EngagementSort.TITLE: E.title,
        EngagementSort.AUDITEE: E.auditee,
        EngagementSort.LEAD: Lead.display_name,
        EngagementSort.STATUS: _status_rank(),
        EngagementSort.PERIOD: E.period_start,
        EngagementSort.PLANNED_END: E.planned_end,
        EngagementSort.TOTAL: func.coalesce(counts.c.total, 0),
        EngagementSort.OPEN: func.coalesce(counts.c.open, 0),
        EngagementSort.OVERDUE: func.coalesce(counts.c.overdue, 0),
    }[EngagementSort(sort)]


def _filtered(query: Select, tenant_id: int, flt: EngagementFilter) -> Select:
    query = query.where(E.tenant_id == tenant_id)
    if flt.statuses:
        query = query.where(E.status.in_([EngagementStatus(s).value for s in flt.statuses]))
    if flt.auditee:
        query = query.where(E.auditee == flt.auditee)
    if flt.text and flt.text.strip():
        query = query.where(ENGAGEMENT_SEARCH.ilike(like_pattern(flt.text)))
    return query


def list_engagements(
    session: Session,
    tenant_id: int,
    flt: EngagementFilter = EngagementFilter(),
    sort: EngagementSort = EngagementSort.CODE,
    descending: bool = False,
    *,
    offset: int = 0,
    limit: int = 500,
) -> list[Engagement]:
    counts = _counts(tenant_id, flt.today or tenant_today(session, tenant_id))
    expression = _sort_expression(sort, counts)
    query = _joined_counts(
        select(E, Lead.display_name, *_count_columns(counts)).outerjoin(
            Lead, and_(Lead.tenant_id == E.tenant_id, Lead.id == E.lead_auditor_id)
        ),
        counts,
    )
    query = _filtered(query, tenant_id, flt)
    order = expression.desc().nulls_last() if descending else expression.asc().nulls_last()
    query = query.order_by(order, E.id.desc() if descending else E.id).offset(offset).limit(limit)
    return [
        _to_engagement(row, lead, total, open_, closed, overdue)
        for row, lead, total, open_, closed, overdue in session.execute(query).all()
    ]


def count_engagements(
    session: Session, tenant_id: int, flt: EngagementFilter = EngagementFilter()
) -> int:
    query = _filtered(select(func.count()).select_from(E), tenant_id, flt)
    return int(session.execute(query).scalar_one())


def list_auditees(session: Session, tenant_id: int) -> list[str]:
    return list(
        session.scalars(
            select(E.auditee).where(E.tenant_id == tenant_id).distinct().order_by(E.auditee)
        )
    )


def _to_engagement(row: E, lead, total=0, open_=0, closed=0, overdue=0, members=()) -> Engagement:
    return Engagement(
        tenant_id=row.tenant_id,
        id=row.id,
        code=row.code,
        title=row.title,
        auditee=row.auditee,
        lead_auditor_id=row.lead_auditor_id,
        lead_auditor_name=lead,
        status=EngagementStatus(row.status),
        period_start=row.period_start,
        period_end=row.period_end,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        version=row.version,
        member_ids=tuple(members),
        total=total or 0,
        open=open_ or 0,
        closed=closed or 0,
        overdue=overdue or 0,
    )


def get_engagement(
    session: Session, tenant_id: int, engagement_id: int, today: date | None = None
) -> Engagement:
    counts = _counts(tenant_id, today or tenant_today(session, tenant_id))
    found = session.execute(
        _joined_counts(
            select(E, Lead.display_name, *_count_columns(counts)).outerjoin(
                Lead, and_(Lead.tenant_id == E.tenant_id, Lead.id == E.lead_auditor_id)
            ),
            counts,
        ).where(E.tenant_id == tenant_id, E.id == engagement_id)
    ).first()
    if found is None:
        raise NotFoundError(f"Engagement {engagement_id} does not exist (it may have been deleted).")
    members = session.scalars(
        select(EngagementMemberRow.user_id)
        .where(
            EngagementMemberRow.tenant_id == tenant_id,
            EngagementMemberRow.engagement_id == engagement_id,
        )
        .order_by(EngagementMemberRow.user_id)
    ).all()
    row, lead, total, open_, closed, overdue = found
    return _to_engagement(row, lead, total, open_, closed, overdue, members=members)


def get_by_code(session: Session, tenant_id: int, code: str) -> Engagement:
    found = session.scalar(select(E.id).where(E.tenant_id == tenant_id, E.code == code.upper()))
    if found is None:
        raise NotFoundError(f"No engagement {code} in this tenant.")
    return get_engagement(session, tenant_id, found)


def _set_members(session: Session, tenant_id: int, engagement_id: int, member_ids) -> None:
    wanted = set(member_ids)
    current = set(
        session.scalars(
            select(EngagementMemberRow.user_id).where(
                EngagementMemberRow.tenant_id == tenant_id,
                EngagementMemberRow.engagement_id == engagement_id,
            )
        )
    )
    if current - wanted:
        # Through a database function: no login holds DELETE on the table itself.
        session.execute(
            text("SELECT public.auditdesk_remove_members(:tenant, :engagement, :users)"),
            {"tenant": tenant_id, "engagement": engagement_id, "users": sorted(current - wanted)},
        )
    if wanted - current:
        session.execute(
            insert(EngagementMemberRow),
            [
                {"tenant_id": tenant_id, "engagement_id": engagement_id, "user_id": user_id}
                for user_id in sorted(wanted - current)
            ],
        )


def insert_engagement(session: Session, actor: Actor, draft: EngagementDraft) -> int:
    """Insert a validated draft and its team; returns the new row's id."""
    set_actor(session, actor.user_id)
    with translated_errors():
        row = E(
            tenant_id=actor.tenant_id,
            code=draft.code,
            title=draft.title,
            auditee=draft.auditee,
            lead_auditor_id=draft.lead_auditor_id,
            status=EngagementStatus(draft.status).value,
            period_start=draft.period_start,
            period_end=draft.period_end,
            planned_start=draft.planned_start,
            planned_end=draft.planned_end,
        )
        session.add(row)
        session.flush()
        _set_members(session, actor.tenant_id, row.id, draft.member_ids)
        session.flush()
    return row.id


def _locked_row(session: Session, tenant_id: int, engagement_id: int) -> E:
    return locked_row(session, E, tenant_id, engagement_id, f"Engagement {engagement_id}")


def lock_engagement(session: Session, tenant_id: int, engagement_id: int) -> Engagement:
    """The stored engagement, its row locked until the transaction ends."""
    _locked_row(session, tenant_id, engagement_id)
    return get_engagement(session, tenant_id, engagement_id)


def write_engagement(
    session: Session, actor: Actor, engagement_id: int, draft: EngagementDraft
) -> None:
    """Store every field of a validated draft and its team."""
    row = _locked_row(session, actor.tenant_id, engagement_id)
    set_actor(session, actor.user_id)
    with translated_errors():
        row.code = draft.code
        row.title = draft.title
        row.auditee = draft.auditee
        row.lead_auditor_id = draft.lead_auditor_id
        row.status = EngagementStatus(draft.status).value
        row.period_start = draft.period_start
        row.period_end = draft.period_end
        row.planned_start = draft.planned_start
        row.planned_end = draft.planned_end
        session.flush()
        _set_members(session, actor.tenant_id, engagement_id, draft.member_ids)
        session.flush()
    session.expire(row)


def observation_count(session: Session, tenant_id: int, engagement_id: int) -> int:
    """Observations filed under an engagement, drafts included."""
    found = session.scalar(
        select(func.count())
        .select_from(O)
        .where(O.tenant_id == tenant_id, O.engagement_id == engagement_id)
    )
    return int(found or 0)


def remove_engagement(session: Session, actor: Actor, engagement_id: int) -> None:
    """Delete one row; its observations keep existing with no engagement (SET NULL)."""
    row = _locked_row(session, actor.tenant_id, engagement_id)
    set_actor(session, actor.user_id)
    with translated_errors():
        # Through a database function: no login holds DELETE on the table itself.
        session.execute(
            text("SELECT public.auditdesk_delete_engagement(:tenant, :id)"),
            {"tenant": actor.tenant_id, "id": engagement_id},
        )
    session.expunge(row)


MY_ENGAGEMENTS_PAGE = 200  # rows of "my engagements" fetched at a time
_NO_PLANNED_END = date.max  # sorts an engagement without a planned end after every other


def _mine(tenant_id: int, user_id: int | None):
    """The tenant's engagements a user leads or works on (every one when ``user_id`` is None)."""
    condition = E.tenant_id == tenant_id
    if user_id is None:
        return condition
    member = exists().where(
        EngagementMemberRow.tenant_id == E.tenant_id,
        EngagementMemberRow.engagement_id == E.id,
        EngagementMemberRow.user_id == user_id,
    )
    return and_(condition, or_(E.lead_auditor_id == user_id, member))


def _my_order():
    """In work first, then by planned end (none last), then code: a total order, since
    codes are unique in a tenant, so that a page can start after a row."""
    return (_status_rank(), func.coalesce(E.planned_end, _NO_PLANNED_END), E.code)


def _my_order_key(row: EngagementProgress) -> tuple[int, date, str]:
    return (STATUS_ORDER.get(row.status.value, 9), row.planned_end or _NO_PLANNED_END, row.code)


def my_engagements(
    session: Session,
    tenant_id: int,
    user_id: int | None,
    today: date | None = None,
    *,
    after: EngagementProgress | None = None,
    limit: int | None = None,
) -> list[EngagementProgress]:
    """Engagements a user leads or works on (every engagement when ``user_id`` is None),
    with observation counts, ordered by status then planned end, then code — one query.

    With ``limit``, at most that many rows, starting after the row ``after``: the page is
    chosen from the engagements alone and only its rows are counted, so that a page costs
    the same however many engagements a user has."""
    day = today or tenant_today(session, tenant_id)
    counts = _counts(tenant_id, day)
    rank, planned_end, code = _my_order()
    chosen = select(E.id, rank.label("rank"), planned_end.label("planned_key"), code.label("code")).where(
        _mine(tenant_id, user_id)
    )
    if after is not None:
        chosen = chosen.where(tuple_(rank, planned_end, code) > tuple_(*_my_order_key(after)))
    if limit is not None:
        chosen = chosen.order_by(rank, planned_end, code).limit(limit)
    page = chosen.subquery("page")
    query = (
        select(
            E.id,
            E.code,
            E.title,
            E.auditee,
            E.status,
            E.planned_end,
            *_count_columns(counts),
            _overdue_actions(day).label("overdue_actions"),
        )
        .join(page, and_(E.tenant_id == tenant_id, E.id == page.c.id))
        .outerjoin(counts, counts.c.engagement_id == E.id)
        .order_by(page.c.rank, page.c.planned_key, page.c.code)
    )
    return [
        EngagementProgress(
            id=r.id,
            code=r.code,
            title=r.title,
            auditee=r.auditee,
            status=EngagementStatus(r.status),
            planned_end=r.planned_end,
            total=r.total,
            open=r.open,
            closed=r.closed,
            overdue=r.overdue,
            overdue_actions=r.overdue_actions,
        )
        for r in session.execute(query).all()
    ]


def count_my_engagements(session: Session, tenant_id: int, user_id: int | None) -> int:
    """How many engagements a user leads or works on (all of the tenant's for None)."""
    return int(session.scalar(select(func.count()).select_from(E).where(_mine(tenant_id, user_id))) or 0)


def my_engagements_page(
    session: Session,
    tenant_id: int,
    user_id: int | None,
    today: date | None = None,
    *,
    after: EngagementProgress | None = None,
    limit: int = MY_ENGAGEMENTS_PAGE,
) -> MyEngagementsPage:
    """One page of ``my_engagements`` after ``after`` (the first page when None), with
    whether more follow and how many there are in all."""
    rows = my_engagements(session, tenant_id, user_id, today, after=after, limit=limit + 1)
    return MyEngagementsPage(
        rows=rows[:limit], more=len(rows) > limit, total=count_my_engagements(session, tenant_id, user_id)
    )


def codes_starting_with(session: Session, tenant_id: int, prefix: str) -> list[str]:
    """Every engagement code of the tenant that begins with ``prefix`` (case-insensitive)."""
    query = select(E.code).where(E.tenant_id == tenant_id, E.code.istartswith(prefix, autoescape=True))
    return list(session.scalars(query))


def engagements_of_auditee(
    session: Session, tenant_id: int, auditee: str, status: EngagementStatus
) -> list[tuple[int, str, EngagementStatus, date | None]]:
    """(id, auditee, status, planned start) of the tenant's engagements of ``auditee`` in ``status``."""
    query = select(E.id, E.auditee, E.status, E.planned_start).where(
        E.tenant_id == tenant_id,
        func.lower(func.btrim(E.auditee)) == auditee.strip().lower(),
        E.status == status.value,
    )
    return [(i, a, EngagementStatus(s), p) for i, a, s, p in session.execute(query).all()]
