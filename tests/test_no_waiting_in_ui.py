"""The GUI thread never waits and never re-enters the event loop (docs/architecture.md,
"Threading rule"): a source scan of ``auditdesk/ui`` for the calls that would."""

from __future__ import annotations

from pathlib import Path

import auditdesk.ui

FORBIDDEN = ("processEvents(", ".wait(", "waitForDone(", "time.sleep(")


def test_no_waiting_or_event_loop_reentry_in_the_ui():
    root = Path(auditdesk.ui.__file__).parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(call in line for call in FORBIDDEN)
    ]
    assert found == []


def test_the_scan_would_notice(tmp_path):
    sample = "def f(pool):\n    pool.waitForDone(100)\n"
    assert any(call in sample for call in FORBIDDEN)
