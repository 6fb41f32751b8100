"""The selfcheck's remediation pictures: the observation editor open on the finding with
the largest action plan (its "Action plan" tab), and on a finding with validations
recorded (its "Validation" tab). Each says whether it showed rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# (name, title, showed rows, picture, note)
Shot = tuple[str, str, bool, Path | None, str]


def remediation_shots(app, context, settle: Callable, run_job: Callable, screenshots: Path,
                      number: int) -> list[Shot]:
    """One picture per tab, numbered from ``number``."""
    from auditdesk.ui.dialogs.observation_editor import ObservationEditor

    tenant_id, today = context.tenant_id, context.today()

    from auditdesk.services.remediation import reads

    chosen = run_job(app, context,
                     lambda session: reads.showcase_findings(session, tenant_id, today))
    shots: list[Shot] = []
    for offset, (name, title) in enumerate((("action_plan", "Action plan"),
                                            ("validation", "Validation"))):
        observation_id = chosen.get(name)
        if observation_id is None:
            shots.append((name, title, False, None, "no finding to show"))
            continue
        editor = ObservationEditor(context, observation_id)
        editor.resize(1180, 760)
        editor.show()
        settle(app, context)
        panel = editor.tabs.action_plan if name == "action_plan" else editor.tabs.validation
        editor.tabs.setCurrentWidget(panel)
        settle(app, context)
        rows = (panel.model.rowCount() if name == "action_plan"
                else panel.history.topLevelItemCount())
        path = screenshots / f"{number + offset:02d}-{name.replace('_', '-')}.png"
        editor.grab().save(str(path))
        editor.close()
        # Let Qt delete it once its panels' requests are done (never under their feet).
        settle(app, context)
        editor.deleteLater()
        settle(app, context)
        shots.append((name, title, rows > 0, path, f"{rows} rows"))
    return shots
