"""Queries of the board report: headline figures, open findings by severity and age,
overdue findings, repeat findings and their chains, closures that recurred, and the
repeat rate per auditee.

Every function takes the caller's Session (never commits) and returns frozen
records of ``auditdesk.domain.reports``. Each is one set-based query, whatever the
number of findings; chains are walked by one recursive query.

The period filters on the day a finding was identified (``identified_on``);
statuses, ages and "overdue" are as of ``today`` (the tenant's date on its clock
unless given). The lists take ``limit`` (the first rows in their order, for the PDF;
None for every row, for the workbook) and have a count query beside them, so that a
page of the PDF costs what it shows, not what the table holds. "Open" is ``ObservationStatus.is_open`` (not a draft, neither closed nor
risk-accepted), in its SQL form from ``data.expressions``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data import engagements as engagement_data
from auditdesk.data.expressions import open_sql, severity_rank_sql
from auditdesk.data.metrics import (
    COUNTER_NAMES,
    METRIC_COLUMNS,
    current_state_sql,
    metrics_from_row,
    point_sql,
    snapshot_values_sql,
    tenant_day,
)
from auditdesk.data.tenants import tenant_today
from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity
from auditdesk.domain.records import EngagementProgress
from auditdesk.domain.reports import (
    AGE_BUCKETS,
    AgeBucketCount,
    AuditeeRepeatRate,
    ClosedThenRecurred,
    Headline,
    OverdueFinding,
    RecurrenceCount,
    RepeatFinding,
    ReportPeriod,
    SeverityCount,
)

OPEN = open_sql()


def _in_period(column: str = "identified_on") -> str:
    return (
        f"{column} >= coalesce(CAST(:start AS date), '-infinity'::date) "
        f"AND {column} <= coalesce(CAST(:end AS date), 'infinity'::date)"
    )


def _params(tenant_id: int, period: ReportPeriod, today: date) -> dict:
    return {"tenant": tenant_id, "start": period.start, "end": period.end, "today": today}


def _today(session: Session, tenant_id: int, today: date | None) -> date:
    return tenant_today(session, tenant_id) if today is None else today


def headline(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> Headline:
    """The metrics (docs/architecture.md, "Metrics") as of ``today`` over the findings
    identified in the period (the same SQL as snapshot capture, with the period added to
    the row filter)."""
    day = _today(session, tenant_id, today)
    source = current_state_sql(f"tenant_id = :tenant AND {_in_period()}")
    counters = point_sql(source, ":today")
    columns = snapshot_values_sql({name: f"c.{name}" for name in COUNTER_NAMES})
    listed = ", ".join(f"{sql} AS {name}" for sql, name in zip(columns, METRIC_COLUMNS, strict=True))
    row = session.execute(
        text(f"SELECT {listed} FROM ({counters}) AS c"), _params(tenant_id, period, day)
    ).one()
    m = metrics_from_row(row)
    return Headline(
        as_of=day,
        **m.figures(),
    )


def open_by_severity(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> list[SeverityCount]:
    """Open findings per severity (critical first), with how many are overdue or repeats."""
    day = _today(session, tenant_id, today)
    rows = session.execute(
        text(
            f"""
            SELECT severity, count(*) AS open,
                   count(*) FILTER (WHERE due_date < :today) AS overdue,
                   count(*) FILTER (WHERE repeat_of_id IS NOT NULL) AS repeat_open
              FROM observation
             WHERE tenant_id = :tenant AND {OPEN} AND {_in_period()}
             GROUP BY severity
            """
        ),
        _params(tenant_id, period, day),
    ).all()
    found = {r.severity: r for r in rows}
    return [
        SeverityCount(
            severity=s,
            open=found[s.value].open if s.value in found else 0,
            overdue=found[s.value].overdue if s.value in found else 0,
            repeat_open=found[s.value].repeat_open if s.value in found else 0,
        )
        for s in Severity
    ]


def open_by_age(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> list[AgeBucketCount]:
    """Open findings per age bucket (days since identified, as of ``today``) and severity."""
    day = _today(session, tenant_id, today)
    bucket_case = " ".join(
        f"WHEN :today - identified_on <= {last} THEN {index}"
        for index, (_, _, last) in enumerate(AGE_BUCKETS)
        if last is not None
    )
    rows = session.execute(
        text(
            f"""
            SELECT CASE {bucket_case} ELSE {len(AGE_BUCKETS) - 1} END AS bucket,
                   severity, count(*) AS n
              FROM observation
             WHERE tenant_id = :tenant AND {OPEN} AND {_in_period()}
             GROUP BY 1, 2
            """
        ),
        _params(tenant_id, period, day),
    ).all()
    counts = {(r.bucket, r.severity): r.n for r in rows}
    return [
        AgeBucketCount(
            label=label,
            first_day=first,
            last_day=last,
            **{s.value: counts.get((index, s.value), 0) for s in Severity},
        )
        for index, (label, first, last) in enumerate(AGE_BUCKETS)
    ]


def _overdue_where() -> str:
    return (
        f"o.tenant_id = :tenant AND o.{OPEN} AND o.due_date < :today "
        f"AND {_in_period('o.identified_on')}"
    )


def overdue_count(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> int:
    """How many findings ``overdue_findings`` lists without a limit."""
    day = _today(session, tenant_id, today)
    return int(
        session.execute(
            text(f"SELECT count(*) FROM observation o WHERE {_overdue_where()}"),
            _params(tenant_id, period, day),
        ).scalar_one()
    )


def overdue_findings(
    session: Session,
    tenant_id: int,
    period: ReportPeriod = ReportPeriod(),
    today: date | None = None,
    limit: int | None = None,
) -> list[OverdueFinding]:
    """Open findings past their due date, most overdue first (then critical first, ref);
    the first ``limit`` of them (all when None). Ordered by the due date itself (the
    same order as days overdue, descending), which the due-date index walks."""
    day = _today(session, tenant_id, today)
    rows = session.execute(
        text(
            f"""
            SELECT o.id, o.ref, o.title, o.severity, o.status, u.display_name AS owner_name,
                   e.code AS engagement_code, o.identified_on, o.due_date,
                   :today - o.due_date AS days_overdue
              FROM observation o
              LEFT JOIN app_user u ON u.tenant_id = o.tenant_id AND u.id = o.owner_id
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE {_overdue_where()}
             ORDER BY o.due_date, {severity_rank_sql("o.severity")}, o.ref
             LIMIT CAST(:limit AS bigint)
            """
        ),
        {**_params(tenant_id, period, day), "limit": limit},
    ).all()
    return [
        OverdueFinding(
            id=r.id,
            ref=r.ref,
            title=r.title,
            severity=Severity(r.severity),
            status=ObservationStatus(r.status),
            owner_name=r.owner_name,
            engagement_code=r.engagement_code,
            identified_on=r.identified_on,
            due_date=r.due_date,
            days_overdue=r.days_overdue,
        )
        for r in rows
    ]


def _collapse(codes) -> tuple[str, ...]:
    """The engagements a chain recurred in, each once, in the order it first reached them
    (no gaps for deleted engagements, no code twice, also not after another one)."""
    out: list[str] = []
    for code in codes or ():
        if code is not None and code not in out:
            out.append(code)
    return tuple(out)


def _repeats_where() -> str:
    """The open repeat findings of the period (the repeat section's rows); the partial
    index of migration 0016 holds exactly the repeats that are open."""
    return (
        f"o.tenant_id = :tenant AND o.repeat_of_id IS NOT NULL AND o.{OPEN} "
        f"AND {_in_period('o.identified_on')}"
    )


REPEAT_ORDER = f"o.recurrence DESC, {severity_rank_sql('o.severity')}, o.ref"
"""The repeat section's order: deepest chains first, then critical first, then ref (the
order of the index of migration 0016)."""


def repeat_counts(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> list[RecurrenceCount]:
    """How many open repeat findings of the period recurred once, twice, ... (the rows of
    ``repeat_findings`` without a limit, counted by recurrence, lowest first)."""
    day = _today(session, tenant_id, today)
    rows = session.execute(
        text(
            f"""
            SELECT o.recurrence, count(*) AS findings
              FROM observation o
             WHERE {_repeats_where()}
             GROUP BY o.recurrence
             ORDER BY o.recurrence
            """
        ),
        _params(tenant_id, period, day),
    ).all()
    return [RecurrenceCount(r.recurrence, r.findings) for r in rows]


def repeat_findings(
    session: Session,
    tenant_id: int,
    period: ReportPeriod = ReportPeriod(),
    today: date | None = None,
    limit: int | None = None,
) -> list[RepeatFinding]:
    """The open repeat findings identified in the period, with the root of its chain:
    the first ``limit`` in the section's order (``REPEAT_ORDER``), all when None.

    Each finding's original and depth are stored (``root_id``, ``recurrence``) and so
    is each one's engagement code. The findings shown are chosen first (with a limit, a
    walk of the partial index of migration 0016 that stops after ``limit`` rows); one
    recursive query then walks up from each of them only to gather the codes along its
    chain, one index lookup per step (the LATERAL with OFFSET 0 keeps the planner from
    hashing the whole table at every step).
    """
    day = _today(session, tenant_id, today)
    rows = session.execute(
        text(
            f"""
            WITH RECURSIVE shown AS MATERIALIZED (
                SELECT o.id, o.repeat_of_id, o.engagement_code
                  FROM observation o
                 WHERE {_repeats_where()}
                 ORDER BY {REPEAT_ORDER}
                 LIMIT CAST(:limit AS bigint)
            ), up(start_id, id, repeat_of_id, codes) AS (
                SELECT s.id, s.id, s.repeat_of_id, ARRAY[s.engagement_code]::text[]
                  FROM shown s
              UNION ALL
                SELECT up.start_id, p.id, p.repeat_of_id,
                       array_prepend(p.engagement_code, up.codes)
                  FROM up
                 CROSS JOIN LATERAL (
                       SELECT p.id, p.repeat_of_id, p.engagement_code FROM observation p
                        WHERE p.tenant_id = :tenant AND p.id = up.repeat_of_id OFFSET 0) p
            ) CYCLE id SET looped USING path
            SELECT o.id, o.ref, o.title, o.severity, o.status, o.identified_on,
                   o.engagement_code, e.auditee,
                   r.id AS original_id, r.ref AS original_ref, r.status AS original_status,
                   o.recurrence, r.identified_on AS chain_identified_on,
                   :today - r.identified_on AS chain_age_days, up.codes
              FROM up
              JOIN observation o ON o.tenant_id = :tenant AND o.id = up.start_id
              JOIN observation r ON r.tenant_id = :tenant AND r.id = o.root_id
              LEFT JOIN audit_engagement e
                ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE up.repeat_of_id IS NULL
             ORDER BY {REPEAT_ORDER}
            """
        ),
        {**_params(tenant_id, period, day), "limit": limit},
    ).all()
    return [
        RepeatFinding(
            id=r.id,
            ref=r.ref,
            title=r.title,
            severity=Severity(r.severity),
            status=ObservationStatus(r.status),
            identified_on=r.identified_on,
            engagement_code=r.engagement_code,
            auditee=r.auditee,
            original_id=r.original_id,
            original_ref=r.original_ref,
            original_status=ObservationStatus(r.original_status),
            recurrence=r.recurrence,
            chain_identified_on=r.chain_identified_on,
            chain_age_days=r.chain_age_days,
            engagements=_collapse(r.codes),
        )
        for r in rows
    ]


def _recurred_from() -> str:
    closed_on = tenant_day("c.closed_at")
    return f"""
              FROM observation o
              JOIN observation c ON c.tenant_id = o.tenant_id AND c.id = o.repeat_of_id
              JOIN tenant tz ON tz.id = o.tenant_id
             WHERE o.tenant_id = :tenant AND o.repeat_of_id IS NOT NULL
               AND o.status <> 'draft'
               AND c.status = 'closed' AND c.closed_at IS NOT NULL
               AND o.identified_on > {closed_on}
               AND {_in_period("o.identified_on")}"""


def recurred_count(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> int:
    """How many pairs ``closed_then_recurred`` lists without a limit."""
    day = _today(session, tenant_id, today)
    return int(
        session.execute(
            text(f"SELECT count(*) {_recurred_from()}"), _params(tenant_id, period, day)
        ).scalar_one()
    )


def closed_then_recurred(
    session: Session,
    tenant_id: int,
    period: ReportPeriod = ReportPeriod(),
    today: date | None = None,
    limit: int | None = None,
) -> list[ClosedThenRecurred]:
    """Findings whose status is ``closed`` and that have a direct repeat identified after
    the day they were closed (on the tenant's clock), one row per pair; the period applies to the repeat's
    identification. Most recent recurrence first, then ref; the first ``limit`` pairs
    (all when None)."""
    day = _today(session, tenant_id, today)
    closed_on = tenant_day("c.closed_at")
    rows = session.execute(
        text(
            f"""
            WITH pairs AS MATERIALIZED (
                SELECT c.id AS closed_id, c.ref AS closed_ref, c.title AS closed_title,
                       {closed_on} AS closed_on,
                       o.id AS repeat_id, o.ref AS repeat_ref,
                       o.identified_on AS repeat_identified_on,
                       o.identified_on - {closed_on} AS days_after_closure,
                       o.severity, o.status, o.engagement_id
                {_recurred_from()}
                 ORDER BY o.identified_on DESC, o.ref
                 LIMIT CAST(:limit AS bigint)
            )
            SELECT p.*, e.code AS engagement_code
              FROM pairs p
              LEFT JOIN audit_engagement e
                ON e.tenant_id = :tenant AND e.id = p.engagement_id
             ORDER BY p.repeat_identified_on DESC, p.repeat_ref
            """
        ),
        {**_params(tenant_id, period, day), "limit": limit},
    ).all()
    return [
        ClosedThenRecurred(
            closed_id=r.closed_id,
            closed_ref=r.closed_ref,
            closed_title=r.closed_title,
            closed_on=r.closed_on,
            repeat_id=r.repeat_id,
            repeat_ref=r.repeat_ref,
            repeat_identified_on=r.repeat_identified_on,
            days_after_closure=r.days_after_closure,
            repeat_severity=Severity(r.severity),
            repeat_status=ObservationStatus(r.status),
            repeat_engagement_code=r.engagement_code,
        )
        for r in rows
    ]


def repeat_rate_by_auditee(
    session: Session, tenant_id: int, period: ReportPeriod = ReportPeriod(), today: date | None = None
) -> list[AuditeeRepeatRate]:
    """Per auditee, the findings (not drafts) identified in the period in its engagements,
    how many are repeats, and how many repeats are open; highest repeat rate first."""
    day = _today(session, tenant_id, today)
    rows = session.execute(
        text(
            f"""
            SELECT e.auditee, count(*) AS findings,
                   count(*) FILTER (WHERE o.repeat_of_id IS NOT NULL) AS repeats,
                   count(*) FILTER (WHERE o.repeat_of_id IS NOT NULL AND o.{OPEN})
                       AS open_repeats
              FROM observation o
              JOIN audit_engagement e ON e.tenant_id = o.tenant_id AND e.id = o.engagement_id
             WHERE o.tenant_id = :tenant AND o.status <> 'draft'
               AND {_in_period("o.identified_on")}
             GROUP BY e.auditee
             ORDER BY count(*) FILTER (WHERE o.repeat_of_id IS NOT NULL)::float8 / count(*) DESC,
                      e.auditee
            """
        ),
        _params(tenant_id, period, day),
    ).all()
    return [AuditeeRepeatRate(r.auditee, r.findings, r.repeats, r.open_repeats) for r in rows]


def engagement_progress(
    session: Session, tenant_id: int, today: date | None = None
) -> list[EngagementProgress]:
    """Engagements still running, and closed ones that still have open findings, with the
    progress counts of docs/architecture.md (``engagements.my_engagements`` for every engagement)."""
    day = _today(session, tenant_id, today)
    return [
        e
        for e in engagement_data.my_engagements(session, tenant_id, None, day)
        if e.status != EngagementStatus.CLOSED or e.open > 0
    ]


def generated_by(session: Session) -> str:
    """The database login of the session (for a report generated by an unmapped owner)."""
    return str(session.execute(text("SELECT session_user")).scalar_one())
