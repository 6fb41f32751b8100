"""The selfcheck's evidence list: the observation editor of the finding holding the most
evidence files, at 1280×800, written as ``observation-evidence.png`` (the list must show
files). Kept apart from ``selfcheck.py`` so that each view's check stays small."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditdesk.services import evidence
from auditdesk.ui.dialogs.observation_editor import ObservationEditor


def evidence_check(app, context, screenshots: Path, number: int,
                   run_job: Callable[[Any, Any, Any], Any],
                   settle: Callable[..., bool]) -> tuple[bool, Path | None, str]:
    """(the list showed files, the screenshot, a note)."""
    tenant_id = context.tenant_id
    finding = run_job(app, context,
                      lambda session: evidence.finding_with_most_files(session, tenant_id))
    if finding is None:
        return False, None, "no finding has evidence files"
    editor = ObservationEditor(context, finding)
    editor.resize(1280, 800)
    editor.show()
    editor.tabs.setCurrentWidget(editor.evidence)
    settle(app, context)
    files = editor.evidence.tree.topLevelItemCount()
    if files:
        editor.evidence.tree.topLevelItem(0).setSelected(True)
    settle(app, context)
    path = screenshots / f"{number:02d}-observation-evidence.png"
    editor.grab().save(str(path))
    loaded = editor.is_loaded
    editor.close()
    # Deleted by Qt on this thread once its requests are done, never by a garbage
    # collection that happens to run on a worker thread (a crash).
    settle(app, context)
    editor.deleteLater()
    settle(app, context)
    return bool(files) and loaded, path, f"{files} evidence files"
