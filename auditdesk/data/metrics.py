"""The dashboard metrics (docs/architecture.md), defined once.

Every figure is a *counter* over the state of an observation: a condition on the
state that does not depend on the day (``condition``), and the days on which the
state counts — from the latest of some dates (``counts_from``: D >= each) until the
earliest of others (``counts_until``: D < each; NULL means "no end"). All counters
share the base rule: not ``draft`` and identified on or before D.

From this one table this module writes the two SQL forms used by the pipeline:

* ``point_sql``: the figures as of one date D, one aggregate query with a FILTER
  per counter (capture, and the "bare aggregate" of the benchmark);
* ``span_events_sql``: the same rules as day ranges ``[start, end)``, turned into
  +1/-1 events whose running sum gives every day of a range in one pass (backfill).

State columns (of a current row or of a row image from the audit trail):
``tenant_id, status, severity, identified_on, due_date, closed_on, repeat_of_id``,
where ``closed_on`` is the date of ``closed_at`` on the tenant's clock (the resolution timestamp,
set exactly when the status is ``closed`` or ``risk_accepted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditdesk.data.expressions import resolved_sql
from auditdesk.domain.enums import ObservationStatus, Severity
from auditdesk.domain.trends import METRIC_FIELDS, Metrics

METRICS_VERSION = 1

BASE_CONDITION = f"status <> '{ObservationStatus.DRAFT.value}'"
BASE_FROM = "identified_on"
# A finding stops being open on the day it was closed or risk-accepted.
OPEN_UNTIL = f"CASE WHEN {resolved_sql()} THEN closed_on END"


def tenant_day(timestamp_sql: str, zone_sql: str = "tz.time_zone") -> str:
    """The calendar date of a timestamptz expression on the tenant's clock (``zone_sql``,
    the tenant's ``time_zone`` column), whatever the session time zone."""
    return f"(({timestamp_sql}) AT TIME ZONE {zone_sql})::date"


@dataclass(frozen=True)
class Counter:
    name: str
    condition: str  # on top of BASE_CONDITION
    counts_from: tuple[str, ...] = ()  # on top of BASE_FROM; never NULL when condition holds
    counts_until: tuple[str, ...] = ()  # NULL = no end


SEVERITIES = tuple(s.value for s in Severity)

COUNTERS: tuple[Counter, ...] = (
    Counter("total", "true"),
    *(
        Counter(f"open_{severity}", f"severity = '{severity}'", (), (OPEN_UNTIL,))
        for severity in SEVERITIES
    ),
    Counter("overdue", "due_date IS NOT NULL", ("due_date + 1",), (OPEN_UNTIL,)),
    Counter("closed_total", "status = 'closed'", ("closed_on",)),
    Counter("repeat_open", "repeat_of_id IS NOT NULL", (), (OPEN_UNTIL,)),
    # compliance = compliant_count / due_count, NULL when due_count = 0
    Counter("due_count", "due_date IS NOT NULL", ("due_date",)),
    Counter("compliant_count", "due_date IS NOT NULL AND closed_by_due", ("due_date",)),
)
# Derived from a state's own columns before anything else is done with them (the day
# ranges below clamp the dates, which would change this comparison).
CLOSED_BY_DUE = "(status = 'closed' AND closed_on <= due_date)"
COUNTER_NAMES = tuple(c.name for c in COUNTERS)

# The metric fields (``Metrics``, in its order) as SQL over the counters; they are the
# metric columns of dashboard_snapshot.
_METRIC_SQL: dict[str, str] = dict((
    ("total", "{total}"),
    ("open_total", "{open_critical} + {open_high} + {open_medium} + {open_low}"),
    ("open_critical", "{open_critical}"),
    ("open_high", "{open_high}"),
    ("open_medium", "{open_medium}"),
    ("open_low", "{open_low}"),
    ("overdue", "{overdue}"),
    ("closed_total", "{closed_total}"),
    ("repeat_open", "{repeat_open}"),
    (
        "compliance_rate",
        "round(({compliant_count})::numeric / nullif({due_count}, 0), 6)::numeric(7, 6)",
    ),
))
if tuple(_METRIC_SQL) != METRIC_FIELDS:  # pragma: no cover - a programming error
    raise RuntimeError("data.metrics must give SQL for exactly the fields of Metrics")
METRIC_COLUMNS = METRIC_FIELDS
SNAPSHOT_COLUMNS: tuple[tuple[str, str], ...] = tuple(_METRIC_SQL.items())


def snapshot_values_sql(counter_sql: dict[str, str]) -> list[str]:
    """SQL for each dashboard_snapshot metric column, given SQL for each counter."""
    wrapped = {name: f"({sql})" for name, sql in counter_sql.items()}
    return [template.format(**wrapped) for _, template in SNAPSHOT_COLUMNS]


def current_state_sql(where: str, rows: str = "observation", tenants: str = "tenant") -> str:
    """State columns of the current observation rows matching ``where`` (whose column
    names must not be ambiguous beside the joined ``tenant``: no bare ``id``); ``rows``
    may name a trigger's transition table instead."""
    return (
        "SELECT o.tenant_id, o.id, o.status, o.severity, o.identified_on, o.due_date, "
        f"{tenant_day('o.closed_at')} AS closed_on, o.repeat_of_id "
        f"FROM {rows} o JOIN {tenants} tz ON tz.id = o.tenant_id WHERE {where}"
    )


def image_state_columns(image: str, zone_sql: str = "time_zone") -> str:
    """State columns read from a jsonb row image of the audit trail (``zone_sql``: the
    tenant's zone beside it)."""
    closed_at = f"({image} ->> 'closed_at')::timestamptz"
    return (
        f"{image} ->> 'status' AS status, {image} ->> 'severity' AS severity, "
        f"({image} ->> 'identified_on')::date AS identified_on, "
        f"({image} ->> 'due_date')::date AS due_date, "
        f"{tenant_day(closed_at, zone_sql)} AS closed_on, "
        f"({image} ->> 'repeat_of_id')::bigint AS repeat_of_id"
    )


def point_sql(state_source: str, day: str = ":day") -> str:
    """One aggregate query: every counter as of ``day`` over the rows of ``state_source``."""
    filters = []
    for counter in COUNTERS:
        parts = [counter.condition]
        parts += [f"{day} >= {bound}" for bound in counter.counts_from]
        parts += [f"{day} < coalesce({bound}, 'infinity'::date)" for bound in counter.counts_until]
        filters.append(f"count(*) FILTER (WHERE {' AND '.join(parts)}) AS {counter.name}")
    return (
        f"SELECT {', '.join(filters)} "
        f"FROM (SELECT *, {CLOSED_BY_DUE} AS closed_by_due FROM ({state_source}) AS raw) AS s "
        f"WHERE {BASE_CONDITION} AND {day} >= {BASE_FROM}"
    )


def span_groups() -> list[tuple[tuple[str, ...], tuple[str, ...], list[Counter]]]:
    """Counters grouped by identical day bounds: one span per group and state."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Counter]] = {}
    for counter in COUNTERS:
        groups.setdefault((counter.counts_from, counter.counts_until), []).append(counter)
    return [(lower, upper, members) for (lower, upper), members in groups.items()]


def _clamp(column: str, start: str, end: str) -> str:
    """A date moved into ``start - 1 .. end + 1`` (NULL stays NULL): every span bound is
    a date or a date + 1, a span starts at ``start`` at the earliest and nothing after
    ``end`` counts, so the clamped date gives the same events."""
    return (
        f"CASE WHEN {column} IS NOT NULL THEN "
        f"least(greatest({column}, CAST({start} AS date) - 1), CAST({end} AS date) + 1) END"
    )


def grouped_states_sql(states: str, start: str = ":start", end: str = ":end") -> str:
    """``states`` with their dates clamped to the range, equal ones counted once with a
    ``weight``: a million findings of which most were settled before the range become a
    few distinct states, so the events below are made per group, not per finding."""
    dates = ("valid_from", "valid_until", "identified_on", "due_date", "closed_on")
    clamped = ", ".join(f"{_clamp(d, start, end)} AS {d}" for d in dates)
    return f"""
        SELECT tenant_id, status, severity, repeat_of_id, closed_by_due, {", ".join(dates)},
               count(*) AS weight
          FROM (SELECT tenant_id, status, severity,
                       CASE WHEN repeat_of_id IS NOT NULL THEN 1 END AS repeat_of_id,
                       {CLOSED_BY_DUE} AS closed_by_due, {clamped}
                  FROM ({states}) AS raw
                 WHERE {BASE_CONDITION}) AS c
         GROUP BY tenant_id, status, severity, repeat_of_id, closed_by_due, {", ".join(dates)}
    """


def span_events_sql(states: str, start: str = ":start", end: str = ":end") -> str:
    """Per tenant and day, the change of every counter, for days ``start``..``end``.

    ``states`` yields state columns plus ``valid_from`` / ``valid_until``: the state
    holds at the end of days D with valid_from <= D < valid_until (NULL = unbounded).
    A state counts for a counter on the days of the intersection of its validity with
    the counter's rule; that span adds 1 on its first day and removes it on the day
    after its last. Spans that began before ``start`` are moved to ``start``. Equal
    states are grouped first (``grouped_states_sql``) and count ``weight`` times.
    """
    rows = []
    for lower, upper, members in span_groups():
        lowers = ("valid_from", BASE_FROM, *lower, start)
        uppers = ("valid_until", *upper)
        required = " AND ".join(f"({bound}) IS NOT NULL" for bound in (BASE_FROM, *lower))
        span_start = f"CASE WHEN {required} THEN greatest({', '.join(lowers)}) END"
        span_end = f"least({', '.join(uppers)})"
        values = [
            f"({c.condition})::int" if c in members else "0" for c in COUNTERS
        ]
        rows.append(f"({span_start}, {span_end}, {', '.join(values)})")
    names = ", ".join(COUNTER_NAMES)
    sums = ", ".join(f"sum(ev.sign * sp.{n} * st.weight)::int AS {n}" for n in COUNTER_NAMES)
    any_counted = " + ".join(f"sp.{n}" for n in COUNTER_NAMES)
    return f"""
        SELECT st.tenant_id, ev.day, {sums}
          FROM ({grouped_states_sql(states, start, end)}) AS st
          CROSS JOIN LATERAL (VALUES {', '.join(rows)}) AS sp(s, e, {names})
          CROSS JOIN LATERAL (VALUES (sp.s, 1), (sp.e, -1)) AS ev(day, sign)
         WHERE {BASE_CONDITION.replace("status", "st.status")}
           AND sp.s IS NOT NULL AND (sp.e IS NULL OR sp.s < sp.e)
           AND ev.day <= {end}
           AND {any_counted} > 0
         GROUP BY st.tenant_id, ev.day
    """


def metrics_from_row(row: Any) -> Metrics:
    """Metrics from a row holding the dashboard_snapshot metric columns."""
    figures = {name: getattr(row, name) for name in METRIC_FIELDS}
    rate = figures["compliance_rate"]
    figures["compliance_rate"] = None if rate is None else float(rate)
    return Metrics(**figures)
