"""``auditdesk selfcheck --screenshots DIR``: open the real main window (offscreen) on the
configured database, visit every main view plus the observation editor (also on its
evidence files, ``selfcheck_evidence``, an action plan and a finding's validations,
``selfcheck_remediation``) and the lineage view with data in them, write one PNG per
view and report whether each showed data.

It loads the demo data into an empty database and, when the tenant has no dashboard
snapshots, backfills the last months so that the dashboard has something to draw.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BACKFILL_DAYS = 180
VIEW_TIMEOUT_S = 600.0
GRACE_S = 5.0
START_TIMEOUT_S = 900.0


@dataclass
class CheckResult:
    name: str
    title: str
    has_data: bool
    path: Path | None
    note: str = ""


def _pump(app, until: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until ``until()`` holds; False when it did not within the timeout.

    Uses a nested ``QEventLoop`` (as pytest-qt does) rather than a busy loop over the
    static ``QApplication.processEvents``, which PySide6 6.12.0 on Python 3.11 turned
    into "Fatal Python error: none_dealloc" after a few thousand calls.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    while True:
        if until():
            return True
        if time.monotonic() > deadline:
            return False
        QTimer.singleShot(25, loop.quit)
        loop.exec()


def _settle(app, context, view=None, timeout_s: float = VIEW_TIMEOUT_S) -> bool:
    """Wait until the worker is idle, give the view a moment to show its data (a lazy
    model may ask for its first page after the count), then let it paint."""
    idle = _pump(app, lambda: not context.worker.busy, timeout_s)
    if view is not None:
        _pump(app, lambda: bool(view.has_data()) and not context.worker.busy, GRACE_S)
    # Results may queue follow-up requests (a page, a detail panel); let them land too.
    for _ in range(3):
        _pump(app, lambda: not context.worker.busy, timeout_s)
        _pump(app, lambda end=time.monotonic() + 0.2: time.monotonic() > end, 1.0)
    return idle


def run_selfcheck(args: argparse.Namespace, screenshots: Path, out: Callable[[str], None] = print) -> int:
    """Returns 0 when every view rendered with data, else 1."""
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings

    from auditdesk.ui.app import application, build_window
    from auditdesk.ui.main_window import VIEWS
    from auditdesk.ui.selfcheck_evidence import evidence_check
    from auditdesk.ui.selfcheck_remediation import remediation_shots

    screenshots.mkdir(parents=True, exist_ok=True)
    app = application()
    settings_dir = Path(tempfile.mkdtemp(prefix="auditdesk-selfcheck-"))
    settings = QSettings(str(settings_dir / "settings.ini"), QSettings.Format.IniFormat)
    failures: list[BaseException] = []
    context, window = build_window(args, settings=settings, demo_policy="auto",
                                   person_policy="auto")
    window.database_failed.connect(failures.append)
    window.resize(1280, 800)  # the size the product is judged at
    window.show()
    results: list[CheckResult] = []
    try:
        started = _pump(app, lambda: bool(failures) or context.tenant is not None, START_TIMEOUT_S)
        if failures or not started:
            reason = failures[0] if failures else "no tenant became available"
            out(f"selfcheck: could not start: {reason}")
            return 1
        _settle(app, context)
        database = context.database
        out(f"selfcheck: {database.location} — tenant {context.tenant.name}")
        _ensure_snapshots(app, context, out)
        focus = _pick_observation(app, context)

        _ensure_suggestions(app, context, out)
        extra: list[CheckResult] = []
        for spec in VIEWS:
            view = window.show_view(spec.name)
            if spec.name in ("lineage", "observations") and focus is not None:
                if not view.has_data():
                    view.reload()
                    _settle(app, context, view)
                # the finding with the longest repeat chain: selected, its history shown
                view.navigate({"observation_id": focus})
            elif not view.has_data():
                view.reload()
            _settle(app, context, view)
            path = screenshots / f"{len(results) + 1:02d}-{spec.name}.png"
            window.grab().save(str(path))
            results.append(CheckResult(spec.name, spec.title, bool(view.has_data()), path))
            if spec.name == "lineage" and hasattr(view, "map"):
                extra.append(_map_check(view, screenshots))
            if spec.name == "observations":
                results.append(_editor_check(app, context, view, focus, screenshots, len(results) + 1))
                shown, path, note = evidence_check(app, context, screenshots, len(results) + 1,
                                                   _run_job, _settle)
                results.append(CheckResult("evidence", "Evidence files", shown, path, note))
                results.extend(CheckResult(*shot) for shot in remediation_shots(
                    app, context, _settle, _run_job, screenshots, len(results) + 1))
        results.extend(extra)
    finally:
        window.close()
        window.close_database()

    width = max(len(r.title) for r in results)
    out("")
    for result in results:
        state = "ok  " if result.has_data else "FAIL"
        where = result.path.name if result.path else "-"
        note = f"  ({result.note})" if result.note else ""
        out(f"  {state} {result.title:<{width}}  {where}{note}")
    failed = [r for r in results if not r.has_data]
    out("")
    out(
        f"selfcheck: {len(results) - len(failed)}/{len(results)} views rendered with data; "
        f"screenshots in {screenshots}"
    )
    return 0 if not failed else 1


def _map_check(view, screenshots: Path) -> CheckResult:
    """The lineage map of the chosen tree, written whole as lineage-map.png."""
    path = screenshots / "lineage-map.png"
    cards = len(view.map.cards)
    drawn = cards > 0 and view.map.render_image(scale=1.5).save(str(path))
    depth = max((card.node.depth for card in view.map.cards.values()), default=0)
    note = f"{cards} findings, a chain {depth + 1} deep"
    return CheckResult("lineage_map", "Lineage map", bool(drawn) and depth + 1 >= 6, path, note)


def _editor_check(app, context, observations_view, focus, screenshots: Path, number: int) -> CheckResult:
    opener = getattr(observations_view, "open_editor_for", None)
    if opener is None or focus is None:
        return CheckResult("editor", "Observation editor", False, None, "no editor available")
    editor = opener(focus)
    _settle(app, context)
    has_data = getattr(editor, "has_data", None)
    loaded = bool(has_data()) if callable(has_data) else editor.isVisible()
    path = screenshots / f"{number:02d}-observation-editor.png"
    editor.grab().save(str(path))
    editor.close()
    _settle(app, context)  # deleted by Qt once its requests are done (see selfcheck_evidence)
    editor.deleteLater()
    _settle(app, context)
    return CheckResult("editor", "Observation editor", loaded, path)


def _run_job(app, context, job):
    """Run one job through the worker and wait for its outcome (GUI loop keeps running)."""
    outcome: dict[str, object] = {}
    context.worker.submit(job, lambda r: outcome.setdefault("result", r),
                          lambda e: outcome.setdefault("error", e), owner=context)
    _pump(app, lambda: bool(outcome), START_TIMEOUT_S)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("result")


def _ensure_snapshots(app, context, out) -> None:
    tenant_id = context.tenant_id

    def job(session):
        from datetime import timedelta

        from auditdesk.domain.changes import Changes, Outcome
        from auditdesk.services import snapshots

        if snapshots.bounds(session, tenant_id) is not None:
            return False
        current = snapshots.today(session, tenant_id)
        changes = Changes()
        first = snapshots.backfill_start_bound(session, tenant_id=tenant_id)
        if first is not None:  # nothing to backfill before the first finding
            start = max(first, current - timedelta(days=BACKFILL_DAYS))
            changes = snapshots.backfill(session, start, current, tenant_id=tenant_id).changes
        captured = snapshots.capture_today_if_missing(session, tenant_id=tenant_id)
        return Outcome(True, changes | captured.changes)

    if _run_job(app, context, job):
        out(f"selfcheck: backfilled {BACKFILL_DAYS} days of dashboard snapshots")


def _ensure_suggestions(app, context, out) -> None:
    """Pending repeat suggestions for the review queue: detection over the newest 40
    unlinked findings, when none are pending."""
    actor = context.actor

    def job(session):
        from auditdesk.services import repeats

        if repeats.review_queue(session, actor.tenant_id, limit=1):
            return None
        return repeats.detect(session, actor, newest=40, min_score=0.3)

    outcome = _run_job(app, context, job)
    if outcome is not None:
        out(f"selfcheck: detection proposed {len(outcome.proposed)} repeat suggestions")


def _pick_observation(app, context) -> int | None:
    """The last finding of the deepest chain among the largest repeat trees (so that the
    tree and the map have a long path to show)."""
    tenant_id = context.tenant_id

    def job(session):
        from auditdesk.services import lineage

        found = lineage.roots(session, tenant_id, limit=50)
        if not found:
            return None
        deepest = max(found, key=lambda r: (r.max_depth, r.tree_size))  # a long chain to draw
        nodes = list(lineage.tree(session, tenant_id, deepest.id).walk())
        return max(nodes, key=lambda node: node.depth).id

    return _run_job(app, context, job)
