"""The dashboard's figures per tenant and day, kept by triggers (migration 0022).

``tenant_figure_day`` holds, per tenant and day, how much each counter of
``data.metrics`` changes on that day over the findings *as they are now*: every
finding's spans of ``span_events_sql`` (+1 on the first day a counter counts it, -1 on
the day after its last). The figures as of a day D are the sums over the days up to D:
the same figures as ``point_sql`` over the current rows, which is what a capture
stores, read from a few thousand rows instead of every finding.

Statement triggers on ``observation`` add the events of the new rows and take away
those of the old ones (an edit that changes no state adds nothing and locks nothing);
a change of a tenant's time zone, which moves the day a finding was closed, recomputes
that tenant. ``recompute_figure_days`` rebuilds them from the rows (the demo loader's
bulk load, which pauses the row triggers, calls it).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from auditdesk.data.metrics import COUNTER_NAMES, current_state_sql, span_events_sql

PINNED = "SET search_path = pg_catalog, public, pg_temp"
# Every day a counter can count on: no span is cut, none is moved.
_ALL_DAYS = ("CAST('-infinity' AS date)", "CAST('infinity' AS date)")


def events_sql(where: str, rows: str = "public.observation", sign: int = 1) -> str:
    """(tenant_id, day, one change per counter) of the rows of ``rows`` matching ``where``,
    times ``sign``."""
    states = (
        f"SELECT s.*, NULL::date AS valid_from, NULL::date AS valid_until FROM "
        f"({current_state_sql(where, rows, 'public.tenant')}) AS s"
    )
    changes = ", ".join(f"{sign} * e.{name} AS {name}" for name in COUNTER_NAMES)
    return f"SELECT e.tenant_id, e.day, {changes} FROM ({span_events_sql(states, *_ALL_DAYS)}) AS e"


def _upsert(*sources: str) -> str:
    """Add the summed changes of ``sources`` to the stored days (in the order of the key:
    concurrent writers lock the days they share in the same order)."""
    sums = ", ".join(f"sum(c.{n})::int AS {n}" for n in COUNTER_NAMES)
    any_change = " OR ".join(f"sum(c.{n}) <> 0" for n in COUNTER_NAMES)
    added = ", ".join(f"{n} = t.{n} + excluded.{n}" for n in COUNTER_NAMES)
    return f"""
    INSERT INTO public.tenant_figure_day AS t (tenant_id, day, {", ".join(COUNTER_NAMES)})
    SELECT c.tenant_id, c.day, {sums}
      FROM ({" UNION ALL ".join(sources)}) AS c
     GROUP BY c.tenant_id, c.day HAVING {any_change}
     ORDER BY c.tenant_id, c.day
    ON CONFLICT (tenant_id, day) DO UPDATE SET {added}"""


_NEW = events_sql("true", "new_rows", 1)
_OLD = events_sql("true", "old_rows", -1)

TRIGGER_FUNCTIONS = {
    "observation_figures_inserted": _upsert(_NEW),
    "observation_figures_updated": _upsert(_NEW, _OLD),
    "observation_figures_deleted": _upsert(_OLD),
}


def trigger_functions_sql() -> str:
    """The statement trigger functions of ``observation`` and the time zone one."""
    functions = [
        f"""
CREATE OR REPLACE FUNCTION public.{name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    {body};
    RETURN NULL;
END
$$;"""
        for name, body in TRIGGER_FUNCTIONS.items()
    ]
    functions.append(f"""
CREATE OR REPLACE FUNCTION public.tenant_figures_rezoned() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER {PINNED} AS $$
BEGIN
    DELETE FROM public.tenant_figure_day WHERE tenant_id = NEW.id;
    {_upsert(events_sql("o.tenant_id = NEW.id"))};
    RETURN NULL;
END
$$;""")
    return "\n".join(functions)


def recompute_figure_days(connection: Connection, tenant_id: int | None = None) -> None:
    """Rebuild the stored days of one tenant (every tenant when None) from its rows."""
    where = "true" if tenant_id is None else "o.tenant_id = :tenant_id"
    connection.execute(
        text("DELETE FROM tenant_figure_day WHERE CAST(:tenant_id AS bigint) IS NULL "
             "OR tenant_id = :tenant_id"),
        {"tenant_id": tenant_id},
    )
    connection.execute(text(_upsert(events_sql(where))), {"tenant_id": tenant_id})


def figures_as_of_sql() -> str:
    """Each counter of tenant ``:tenant_id`` as of the end of ``:day``."""
    sums = ", ".join(f"coalesce(sum({n}), 0) AS {n}" for n in COUNTER_NAMES)
    return f"SELECT {sums} FROM tenant_figure_day WHERE tenant_id = :tenant_id AND day <= :day"
