"""``auditdesk selfcheck``: every view opened with data and one PNG each; a database
whose views stay empty fails the check."""

from __future__ import annotations

import argparse

import factories as f
from PySide6.QtGui import QImage

from auditdesk.ui.selfcheck import run_selfcheck


def args_for(url: str) -> argparse.Namespace:
    return argparse.Namespace(database_url=url, workspace=None, tenant=None, json=False, debug=False)


def test_selfcheck_loads_demo_data_and_screenshots_every_view(qtbot, database, database_url, tmp_path):
    lines: list[str] = []
    code = run_selfcheck(args_for(database_url), tmp_path / "shots", out=lines.append)
    report = "\n".join(lines)
    assert code == 0, report
    names = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert names == [
        "01-my_engagements.png",
        "02-engagements.png",
        "03-observations.png",
        "04-observation-editor.png",
        "05-action-plan.png",
        "06-validation.png",
        "07-lineage.png",
        "08-dashboard.png",
        "09-audit_trail.png",
        "10-review_queue.png",
        "lineage-map.png",
    ]
    for name in names:
        if name == "lineage-map.png":
            image = QImage(str(tmp_path / "shots" / name))
            assert not image.isNull() and image.width() > 1000 and image.height() > 150
            continue
        image = QImage(str(tmp_path / "shots" / name))
        assert not image.isNull() and image.width() > 400 and image.height() > 300, name
    # the map of a chain of at least 6 findings: one row of cards at least
    assert "a chain" in report and "Lineage map" in report
    assert "11/11 views rendered with data" in report  # the editor on an action plan and on validations too
    assert "FAIL" not in report
    # the demo tenants are really there now
    from auditdesk.data.tenants import list_tenants

    with database.sessions() as session:
        assert len(list_tenants(session)) == 2


def test_selfcheck_fails_when_views_stay_empty(qtbot, database, database_url, tmp_path):
    with database.sessions.begin() as session:
        f.tenant(session, "empty")
    lines: list[str] = []
    code = run_selfcheck(args_for(database_url), tmp_path / "shots", out=lines.append)
    report = "\n".join(lines)
    assert code == 1
    assert any(line.strip().startswith("FAIL My engagements") for line in lines), report
    assert any(line.strip().startswith("FAIL Observation editor") for line in lines), report
    assert (tmp_path / "shots" / "01-my_engagements.png").is_file()


def test_selfcheck_command_is_registered():
    from auditdesk.cli import build_parser

    args = build_parser().parse_args(["selfcheck", "--screenshots", "out", "--workspace", "ws"])
    assert str(args.screenshots) == "out" and args.workspace == "ws"
    assert args.handler.__name__ == "selfcheck_command"
