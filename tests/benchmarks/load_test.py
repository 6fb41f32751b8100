"""Load test: twenty people at once against one PostgreSQL server (not part of the test run).

    python tests/benchmarks/load_test.py --database-url URL [--clients 20] [--actions 60]
        [--think-ms 1000]

The database must hold a loaded tenant (``bench_scale.py --database-url URL`` loads one;
the first tenant is used). Each client is its own process with its own connection and
does a realistic mix of what people do, chosen at random with a per-client seed, for a
fixed number of actions, each action through the service layer in one transaction, as
the desktop client runs it, with a pause between actions as a person reads what they
asked for (``--think-ms``, the mean of a pause drawn between half and one and a half
times it; ``--think-ms 0`` sends the actions back to back, a stress test): scroll the table (three pages by keyset), sort it, filter it
(the count label, then the page), open a finding (with its history), edit and save one
(optimistic version check; a conflict is reloaded and saved again, as the conflict panel
lets a person do), link a repeat, open the dashboard, capture today's snapshot.

Edits go to a small shared set of findings so that clients collide. Each save appends
the client's own mark to the finding's management response; afterwards every mark of a
save that reported success must be in the final text — a missing one is a lost update.
Prints p50/p95/p99 per action, errors, conflicts, deadlocks and lost updates, and with
``--json FILE`` writes them. Targets: p95 ≤ 150 ms per read, ≤ 250 ms per write, no
error, no deadlock, no lost update.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import time
from dataclasses import replace

READS = {"scroll": 150.0, "sort": 150.0, "filter": 150.0, "open": 150.0, "dashboard": 150.0}
WRITES = {"edit and save": 250.0, "link a repeat": 250.0, "capture snapshot": 250.0}
MIX = {"scroll": 25, "sort": 15, "filter": 15, "open": 20, "edit and save": 12,
       "link a repeat": 4, "dashboard": 7, "capture snapshot": 2}
WORDS = ("access", "backup", "vendor", "payment", "review", "change", "invoice", "password")


def _client(index: int, url: str, actions: int, think_ms: float, shared: dict, out) -> None:
    from sqlalchemy import text

    from auditdesk.db.engine import make_engine, make_session_factory, normalise_url
    from auditdesk.domain.enums import Role
    from auditdesk.domain.errors import AuditDeskError, ConflictError
    from auditdesk.domain.queries import ObservationFilter, ObservationSort
    from auditdesk.domain.records import Actor
    from auditdesk.services import audit_trail, lineage, snapshots
    from auditdesk.services import observations as observation_service

    engine = make_engine(normalise_url(url), pool_size=1, application_name=f"load-{index}")
    sessions = make_session_factory(engine)
    rng = random.Random(f"load:{index}")
    tenant, admin = shared["tenant"], shared["admin"]
    actor = Actor(tenant, admin, Role.ADMIN, f"Load client {index}")
    sorts = list(ObservationSort)
    timings: list[tuple[str, float]] = []
    errors: list[str] = []
    conflicts = deadlocks = 0
    saved: list[tuple[int, str]] = []

    def scroll(s) -> None:
        sort, down = rng.choice(sorts), rng.random() < 0.5
        rows = observation_service.list_page(s, tenant, ObservationFilter(), sort, down,
                                             offset=rng.randrange(0, 2000), limit=200)
        for _ in range(2):
            if not rows:
                break
            last = rows[-1]
            rows = observation_service.list_page(
                s, tenant, ObservationFilter(), sort, down, limit=200,
                after=(observation_service.sort_value(last, sort), last.id))

    def sort(s) -> None:
        observation_service.list_page(s, tenant, ObservationFilter(), rng.choice(sorts),
                                      rng.random() < 0.5, limit=200)

    def filtered(s) -> None:
        flt = ObservationFilter(text=rng.choice(WORDS))
        observation_service.count_at_once(s, tenant, flt)
        observation_service.list_page(s, tenant, flt, rng.choice(sorts), limit=200)

    def open_one(s) -> None:
        finding = rng.choice(shared["hot"] + shared["cold"])
        observation_service.get(s, tenant, finding)
        audit_trail.row_history(s, tenant, "observation", finding)

    def edit(s) -> None:
        nonlocal conflicts
        finding = rng.choice(shared["hot"])
        mark = f"[c{index}-{len(saved)}]"
        for _attempt in range(5):
            current = observation_service.get(s, tenant, finding)
            draft = observation_service.draft_of(current)
            draft = replace(draft, management_response=(draft.management_response + mark)[-9000:])
            try:
                with s.begin_nested():
                    observation_service.update(s, actor, finding, draft, current.version)
                saved.append((finding, mark))
                return
            except ConflictError:
                conflicts += 1  # someone saved first: reload and save again
        raise RuntimeError("five conflicts in a row")

    def link(s) -> None:
        later, earlier = rng.choice(shared["pairs"])
        try:
            with s.begin_nested():
                lineage.set_repeat_of(s, actor, later, earlier if rng.random() < 0.7 else None)
        except AuditDeskError:
            pass  # a refused link (cycle, already below): said in words, nothing written

    def dashboard(s) -> None:
        snapshots.load_dashboard(s, tenant, "90d", "day")

    def capture(s) -> None:
        snapshots.capture(s, tenant_id=tenant)

    calls = {"scroll": scroll, "sort": sort, "filter": filtered, "open": open_one,
             "edit and save": edit, "link a repeat": link, "dashboard": dashboard,
             "capture snapshot": capture}
    names, weights = list(MIX), list(MIX.values())
    for _ in range(actions):
        if think_ms:
            time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
        name = rng.choices(names, weights)[0]
        begin = time.perf_counter()
        try:
            with sessions.begin() as session:
                calls[name](session)
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            code = getattr(getattr(error, "orig", None), "sqlstate", None)
            if code == "40P01":
                deadlocks += 1
            errors.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0][:160]}")
        timings.append((name, (time.perf_counter() - begin) * 1000))
    with sessions() as session:
        final = dict(session.execute(
            text("SELECT id, management_response FROM observation "
                 "WHERE tenant_id = :t AND id = ANY(:ids)"),
            {"t": tenant, "ids": shared["hot"]}).all())
    lost = [(f, m) for f, m in saved if m not in (final.get(f) or "")]
    engine.dispose()
    out.put({"timings": timings, "errors": errors, "conflicts": conflicts,
             "deadlocks": deadlocks, "saves": len(saved), "lost": len(lost)})


def _shared(url: str) -> dict:
    from sqlalchemy import text

    from auditdesk.db.engine import make_engine, make_session_factory, normalise_url

    engine = make_engine(normalise_url(url))
    with make_session_factory(engine)() as s:
        tenant = s.execute(text("SELECT min(id) FROM tenant")).scalar_one()
        admin = s.execute(text("SELECT id FROM app_user WHERE tenant_id = :t AND role = 'admin' "
                               "ORDER BY id LIMIT 1"), {"t": tenant}).scalar_one()
        hot = s.execute(text("SELECT id FROM observation WHERE tenant_id = :t AND status = 'open' "
                             "ORDER BY id LIMIT 40"), {"t": tenant}).scalars().all()
        cold = s.execute(text("SELECT id FROM observation WHERE tenant_id = :t "
                              "ORDER BY md5(id::text) LIMIT 400"), {"t": tenant}).scalars().all()
        # unlinked findings, each paired with an earlier unlinked one
        pairs = s.execute(text(
            "SELECT l.id, e.id FROM (SELECT id, identified_on, row_number() OVER (ORDER BY md5(id::text)) n "
            "FROM observation WHERE tenant_id = :t AND repeat_of_id IS NULL AND tree_size = 1 LIMIT 200) l "
            "JOIN LATERAL (SELECT id FROM observation e WHERE e.tenant_id = :t AND e.repeat_of_id IS NULL "
            "AND e.tree_size = 1 AND e.identified_on < l.identified_on ORDER BY e.identified_on DESC LIMIT 1) e "
            "ON true"), {"t": tenant}).all()
    engine.dispose()
    return {"tenant": tenant, "admin": admin, "hot": list(hot), "cold": list(cold),
            "pairs": [tuple(p) for p in pairs]}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--actions", type=int, default=60, help="actions per client")
    parser.add_argument("--think-ms", type=float, default=1000.0,
                        help="mean pause between one person's actions (0: back to back)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--correctness-only", action="store_true",
                        help="fail only on an error, a deadlock or a lost update, not on speed"
                             " (CI: a few clients on a small database, so that it cannot rot)")
    args = parser.parse_args(argv)

    shared = _shared(args.database_url)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    began = time.perf_counter()
    workers = [context.Process(target=_client, args=(i, args.database_url, args.actions, args.think_ms, shared, out))
               for i in range(args.clients)]
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    by_action: dict[str, list[float]] = {}
    for result in results:
        for name, ms in result["timings"]:
            by_action.setdefault(name, []).append(ms)
    errors = [e for r in results for e in r["errors"]]
    summary = {
        "clients": args.clients, "think_ms": args.think_ms, "actions": sum(len(v) for v in by_action.values()),
        "seconds": round(elapsed, 1), "errors": len(errors),
        "conflicts": sum(r["conflicts"] for r in results),
        "deadlocks": sum(r["deadlocks"] for r in results),
        "saves": sum(r["saves"] for r in results), "lost_updates": sum(r["lost"] for r in results),
        "actions_ms": {},
    }
    print(f"{args.clients} clients, {summary['actions']:,} actions in {elapsed:.0f} s"
          f" (mean pause between a person's actions {args.think_ms:.0f} ms)")
    print(f"{'action':<20}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'target p95':>12}")
    failed = bool(errors) or summary["deadlocks"] or summary["lost_updates"]
    for name in MIX:
        values = by_action.get(name, [])
        if not values:
            continue
        p50, p95, p99 = (_percentile(values, q) for q in (0.5, 0.95, 0.99))
        target = READS.get(name) or WRITES[name]
        failed = failed or (p95 > target and not args.correctness_only)
        summary["actions_ms"][name] = {"n": len(values), "p50": round(p50, 1), "p95": round(p95, 1),
                                       "p99": round(p99, 1), "target_p95": target,
                                       "median": round(statistics.median(values), 1)}
        print(f"{name:<20}{len(values):>6}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{target:>12.0f}"
              f"  {'ok' if p95 <= target else 'SLOW'}")
    print(f"errors {summary['errors']}, deadlocks {summary['deadlocks']}, "
          f"conflicts {summary['conflicts']} (reloaded and saved again), "
          f"saves {summary['saves']}, lost updates {summary['lost_updates']}")
    for error in errors[:10]:
        print("  " + error)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(summary, handle, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
