"""Dashboard snapshots: compute and store the metrics of ``data.metrics``.

Owns every query on ``dashboard_snapshot`` and the reconstruction of past
observation states from the audit trail. Functions take the caller's Session and
never commit.

* ``compute_metrics`` / ``capture_snapshot``: figures as of one date from the
  current rows, summed from the days the triggers keep (``data.figure_days``); stored with an upsert on
  ``(tenant_id, snapshot_date)`` so that capturing twice, or from two clients at
  once, leaves one row.
* ``compute_range`` / ``backfill_range``: figures for every day of a range, as of
  each day: the days the triggers keep, corrected by the states ``audit_log`` recorded
  for the findings changed since their insert; set-based (a sweep of +1/-1 events, not
  a query per day).

The stored snapshots and their trends are read by ``data.snapshot_reads`` (offered
here too, so that the snapshot use cases have one module to call).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from auditdesk.data.figure_days import events_sql, figures_as_of_sql
from auditdesk.data.metrics import (
    COUNTER_NAMES,
    METRIC_COLUMNS,
    METRICS_VERSION,
    current_state_sql,
    image_state_columns,
    metrics_from_row,
    point_sql,
    snapshot_values_sql,
    span_events_sql,
    tenant_day,
)
from auditdesk.data.snapshot_reads import (
    SNAPSHOT_SELECT,
    bucketed_snapshots,
    check_range,
    compliance_trend,
    first_finding_day,
    get_snapshot,
    list_snapshots,
    overdue_trend,
    repeat_trend,
    severity_trend,
    snapshot_bounds,
    snapshot_from_row,
    trend,
)
from auditdesk.data.tenants import tenant_today
from auditdesk.domain.clock import DEFAULT_TIME_ZONE, today_in
from auditdesk.domain.records import Snapshot
from auditdesk.domain.trends import (
    DatedMetrics,
    Metrics,
)

__all__ = [
    "backfill_range", "bucketed_snapshots", "capture_snapshot", "compliance_trend",
    "compute_metrics", "compute_range", "first_finding_day", "get_snapshot",
    "list_snapshots", "metrics_of", "overdue_trend", "repeat_trend", "severity_trend",
    "snapshot_bounds", "today", "trend",
]


def metrics_of(snapshot: Snapshot) -> Metrics:
    """The figures of a stored snapshot."""
    return metrics_from_row(snapshot)


def today(session: Session, tenant_id: int | None = None) -> date:
    """Today on the tenant's clock (its zone). Without a tenant: the UTC date."""
    if tenant_id is None:
        return today_in(DEFAULT_TIME_ZONE)
    return tenant_today(session, tenant_id)


# --- one date, from the current rows -------------------------------------------------

def metrics_query_sql() -> str:
    """The aggregate query: metrics of tenant ``:tenant_id`` as of ``:day``."""
    counters = point_sql(current_state_sql("tenant_id = :tenant_id"), ":day")
    columns = snapshot_values_sql({name: f"c.{name}" for name in COUNTER_NAMES})
    listed = ", ".join(f"{sql} AS {name}" for sql, name in zip(columns, METRIC_COLUMNS, strict=True))
    return f"SELECT {listed} FROM ({counters}) AS c"


def stored_metrics_query_sql() -> str:
    """The same metrics from the days the triggers keep (``data.figure_days``)."""
    columns = snapshot_values_sql({name: f"c.{name}" for name in COUNTER_NAMES})
    listed = ", ".join(f"{sql} AS {name}" for sql, name in zip(columns, METRIC_COLUMNS, strict=True))
    return f"SELECT {listed} FROM ({figures_as_of_sql()}) AS c"


def compute_metrics(session: Session, tenant_id: int, day: date) -> Metrics:
    """Metrics of a tenant as of the end of ``day``, from the observations as they are
    now: the sums of the days the triggers keep (migration 0022), a few thousand rows."""
    row = session.execute(
        text(stored_metrics_query_sql()), {"tenant_id": tenant_id, "day": day}
    ).one()
    return metrics_from_row(row)


def compute_metrics_from_rows(session: Session, tenant_id: int, day: date) -> Metrics:
    """The same metrics computed over every current row (what the stored days must
    equal; the benchmark's bare aggregate)."""
    row = session.execute(
        text(metrics_query_sql()), {"tenant_id": tenant_id, "day": day}
    ).one()
    return metrics_from_row(row)


_UPSERT_ASSIGN = ", ".join(
    f"{column} = excluded.{column}"
    for column in ("captured_at", "source", "metrics_version", *METRIC_COLUMNS)
)


def capture_snapshot(session: Session, tenant_id: int, day: date) -> Snapshot:
    """Compute and store the tenant's snapshot for ``day`` (source ``captured``).

    Capturing a day again replaces that day's figures; concurrent captures of the
    same day leave one row (``INSERT ... ON CONFLICT DO UPDATE``).
    """
    m = compute_metrics(session, tenant_id, day)
    params = {"tenant_id": tenant_id, "day": day, "version": METRICS_VERSION, **m.as_json()}
    row = session.execute(
        text(
            f"""
            INSERT INTO dashboard_snapshot
                   (tenant_id, snapshot_date, captured_at, source, metrics_version,
                    {", ".join(METRIC_COLUMNS)})
            VALUES (:tenant_id, :day, clock_timestamp(), 'captured', :version,
                    {", ".join(f":{c}" for c in METRIC_COLUMNS)})
            ON CONFLICT (tenant_id, snapshot_date) DO UPDATE SET {_UPSERT_ASSIGN}
            RETURNING {SNAPSHOT_SELECT}
            """
        ),
        params,
    ).one()
    return snapshot_from_row(row)


# --- every day of a range, from the audit trail ----------------------------------------

# Observations whose trail holds more than their insert: only their states differ from the
# current row over time (served by the partial index of migration 0023).
_CHANGED_SQL = """
    SELECT DISTINCT a.row_id AS id FROM audit_log a
     WHERE a.table_name = 'observation' AND a.action <> 'insert'
       AND a.tenant_id = ANY(:tenant_ids)
"""


def history_states_sql(changed: str = "changed") -> str:
    """States of the tenants' (``:tenant_ids``) observations listed by the query named
    ``changed`` (``id``), with the days each held.

    The state at the end of day D (on the tenant's clock) is the row image left by the
    observation's last audit record changed on or before D. Before its first record: the image that
    record started from (the inserted row, or the old values of an update when the
    insert was not recorded). After its last record: the current row; a deleted
    observation keeps its states up to the day of its deletion.
    """
    changed_on = tenant_day("a.changed_at")
    return f"""
        WITH trail AS (
            SELECT a.tenant_id, a.row_id AS id, a.action, a.old_values, a.new_values,
                   tz.time_zone,
                   {changed_on} AS day,
                   lead({changed_on}) OVER w AS next_day,
                   row_number() OVER w AS n
              FROM audit_log a JOIN tenant tz ON tz.id = a.tenant_id
             WHERE a.table_name = 'observation' AND a.tenant_id = ANY(:tenant_ids)
               AND a.row_id IN (SELECT id FROM {changed})
            WINDOW w AS (PARTITION BY a.tenant_id, a.row_id ORDER BY a.changed_at, a.id)
        ),
        current_rows AS NOT MATERIALIZED (
            {current_state_sql(f"o.tenant_id = ANY(:tenant_ids) AND o.id IN (SELECT id FROM {changed})")}
        ),
        images AS (
            SELECT tenant_id, id, time_zone, NULL::date AS valid_from, day AS valid_until,
                   CASE WHEN action = 'insert' THEN new_values ELSE old_values END AS image
              FROM trail WHERE n = 1
            UNION ALL
            SELECT tenant_id, id, time_zone, day, next_day, new_values
              FROM trail WHERE next_day IS NOT NULL AND action <> 'delete'
            UNION ALL
            SELECT t.tenant_id, t.id, t.time_zone, t.day, NULL, t.new_values
              FROM trail t
             WHERE t.next_day IS NULL AND t.action <> 'delete'
               AND NOT EXISTS (SELECT 1 FROM observation o
                                WHERE o.tenant_id = t.tenant_id AND o.id = t.id)
        )
        SELECT tenant_id, valid_from, valid_until, {image_state_columns("image")}
          FROM images WHERE image IS NOT NULL
        UNION ALL
        SELECT r.tenant_id, t.day AS valid_from, NULL::date AS valid_until,
               r.status, r.severity, r.identified_on, r.due_date, r.closed_on, r.repeat_of_id
          FROM current_rows r
          JOIN trail t ON t.tenant_id = r.tenant_id AND t.id = r.id AND t.next_day IS NULL
    """


def _range_sql() -> str:
    """Metrics per tenant of ``:tenant_ids`` and day of ``:start``..``:end``.

    The days the triggers keep (``data.figure_days``) hold every finding's events as the
    finding is now; for the findings changed since their insert, their current events
    are taken away and those of their recorded states added. An observation whose trail
    is its insert alone held its current state throughout, so the work grows with the
    findings changed, not with all of them. Events before ``start`` count on ``start``.
    """
    start = "CAST(:start AS date)"
    kept = ", ".join(COUNTER_NAMES)
    current_changed = events_sql("o.tenant_id = ANY(:tenant_ids) AND o.id IN (SELECT id FROM changed)",
                                 sign=-1)
    history = span_events_sql(history_states_sql(), ":start", ":end")
    sums = ", ".join(f"sum(e.{n}) AS {n}" for n in COUNTER_NAMES)
    running = ", ".join(
        f"sum(coalesce(e.{n}, 0)) OVER w AS {n}" for n in COUNTER_NAMES
    )
    columns = snapshot_values_sql({n: f"r.{n}::int" for n in COUNTER_NAMES})
    listed = ", ".join(f"{sql} AS {name}" for sql, name in zip(columns, METRIC_COLUMNS, strict=True))
    return f"""
        WITH changed AS MATERIALIZED ({_CHANGED_SQL}),
        events AS (
            SELECT e.tenant_id, e.day, {sums}
              FROM (SELECT tenant_id, greatest(day, {start}) AS day, {kept}
                      FROM tenant_figure_day
                     WHERE tenant_id = ANY(:tenant_ids) AND day <= CAST(:end AS date)
                    UNION ALL
                    SELECT tenant_id, greatest(day, {start}), {kept}
                      FROM ({current_changed}) AS c WHERE day <= CAST(:end AS date)
                    UNION ALL
                    SELECT tenant_id, day, {kept} FROM ({history}) AS h) AS e
             GROUP BY e.tenant_id, e.day
        ),
        grid AS (
            SELECT t.tenant_id, d::date AS day
              FROM unnest(CAST(:tenant_ids AS bigint[])) AS t(tenant_id)
              CROSS JOIN generate_series(CAST(:start AS date), CAST(:end AS date),
                                         interval '1 day') AS d
        ),
        running AS (
            SELECT g.tenant_id, g.day, {running}
              FROM grid g LEFT JOIN events e ON e.tenant_id = g.tenant_id AND e.day = g.day
            WINDOW w AS (PARTITION BY g.tenant_id ORDER BY g.day)
        )
        SELECT r.tenant_id, r.day, {listed} FROM running r
    """


def _range_params(tenant_ids: Sequence[int], start: date, end: date) -> dict:
    return {"tenant_ids": list(tenant_ids), "start": start, "end": end}


def compute_range(
    session: Session, tenant_ids: Sequence[int], start: date, end: date
) -> list[DatedMetrics]:
    """Metrics as of each day from ``start`` to ``end`` rebuilt from the audit trail,
    without storing them; ordered by tenant and day."""
    check_range(start, end)
    if not tenant_ids:
        return []
    rows = session.execute(
        text(_range_sql() + " ORDER BY r.tenant_id, r.day"),
        _range_params(tenant_ids, start, end),
    )
    return [DatedMetrics(row.tenant_id, row.day, metrics_from_row(row)) for row in rows]


def backfill_range(
    session: Session,
    tenant_ids: Sequence[int],
    start: date,
    end: date,
    *,
    overwrite: bool = False,
) -> int:
    """Store the rebuilt metrics of every day of the range with source ``backfilled``.

    Rows already backfilled are rebuilt; captured rows are kept unless ``overwrite``.
    Returns the number of rows inserted or rebuilt.
    """
    check_range(start, end)
    if not tenant_ids:
        return 0
    columns = ", ".join(METRIC_COLUMNS)
    statement = text(
        f"""
        INSERT INTO dashboard_snapshot
               (tenant_id, snapshot_date, captured_at, source, metrics_version, {columns})
        SELECT tenant_id, day, clock_timestamp(), 'backfilled', :version, {columns}
          FROM ({_range_sql()}) AS rebuilt
        ON CONFLICT (tenant_id, snapshot_date) DO UPDATE SET {_UPSERT_ASSIGN}
         WHERE dashboard_snapshot.source = 'backfilled' OR :overwrite
        RETURNING 1
        """
    )
    result = session.execute(
        statement,
        {**_range_params(tenant_ids, start, end), "version": METRICS_VERSION, "overwrite": overwrite},
    )
    return len(result.fetchall())
