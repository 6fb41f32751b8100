"""One clock per tenant, as the desktop client shows it: near midnight in a zone far from
UTC, the observations table, the engagements table's progress counts, the dashboard tile
after the daily automatic capture and the board report dialog agree on what is overdue.

"Now" is injected by replacing ``auditdesk.domain.clock.utc_now`` (the one wall-clock
read, also on the runner's threads); nothing is given a date explicitly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import factories as f
import pytest
from PySide6.QtCore import QSettings, Qt

from auditdesk.domain import clock
from auditdesk.domain.enums import Role
from auditdesk.ui.context import AppContext
from auditdesk.ui.models.engagements import EngagementTableModel

# (zone, local wall time, the local date then, the refs overdue then): each moment falls
# on another UTC date than the local one, where a UTC or workstation clock would disagree.
MOMENTS = [
    ("Pacific/Auckland", datetime(2026, 3, 15, 0, 30), date(2026, 3, 15), {"OBS-000001", "OBS-000002"}),
    ("Pacific/Pago_Pago", datetime(2026, 3, 14, 23, 30), date(2026, 3, 14), {"OBS-000001"}),
]


@pytest.fixture
def midnight_world(qtbot, database, monkeypatch, request, tmp_path):
    zone, wall, local_day, overdue = request.param
    now = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert now.date() != local_day
    monkeypatch.setattr(clock, "utc_now", lambda: now)
    with database.sessions.begin() as s:
        tenant = f.tenant(s, time_zone=zone)
        manager = f.user(s, tenant.id, Role.MANAGER, "Maria Manager")
        who = f.actor(tenant, manager)
        engagement = f.engagement(s, who, code="ENG-2026-001")
        for due in (13, 14, 15):
            f.observation(
                s, who, engagement_id=engagement.id, status="open",
                identified_on=date(2026, 3, 1), due_date=date(2026, 3, due),
            )
    context = AppContext()
    context.set_database(database)
    context.set_tenant(tenant, manager)
    qtbot.waitUntil(lambda: not context.worker.busy)
    settings = QSettings(str(tmp_path / "clock.ini"), QSettings.Format.IniFormat)
    yield context, settings, local_day, overdue
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
    context.set_database(None)


@pytest.mark.parametrize("midnight_world", MOMENTS, indirect=True, ids=["auckland", "pago-pago"])
def test_the_views_agree_on_overdue_near_midnight(qtbot, midnight_world, tmp_path):
    from auditdesk.ui.dialogs.board_report import BoardReportDialog
    from auditdesk.ui.views.dashboard import DashboardView
    from auditdesk.ui.views.engagements import EngagementsView
    from auditdesk.ui.views.observations import ObservationsView

    context, settings, local_day, overdue = midnight_world
    assert context.today() == local_day

    # The observations table: each row's overdue tooltip on the due date column.
    table = ObservationsView(context)
    qtbot.addWidget(table)
    table.show()
    table.reload()
    qtbot.waitUntil(lambda: table.model.total == 3, timeout=10_000)
    due_column = next(
        c for c in range(table.model.columnCount())
        if table.model.headerData(c, Qt.Orientation.Horizontal) == "Due date"
    )
    qtbot.waitUntil(lambda: table.model.row_at(2) is not None, timeout=10_000)
    flagged = set()
    for row in range(3):
        tip = table.model.data(table.model.index(row, due_column), Qt.ItemDataRole.ToolTipRole)
        if tip and tip.startswith("Overdue since"):
            flagged.add(table.model.row_at(row).ref)
    assert flagged == overdue
    table.overdue_only.setChecked(True)
    qtbot.waitUntil(lambda: table.model.total == len(overdue), timeout=10_000)

    # The engagements table's progress counts.
    engagements = EngagementsView(context)
    qtbot.addWidget(engagements)
    engagements.show()
    engagements.reload()
    qtbot.waitUntil(lambda: engagements.model.rowCount() == 1, timeout=10_000)
    assert engagements.model.index(0, EngagementTableModel.OVERDUE).data() == len(overdue)

    # The dashboard: the daily automatic capture dates the snapshot on the tenant's day,
    # and the overdue tile shows its figure.
    settings.setValue("dashboard/auto_capture", True)
    dashboard = DashboardView(context)
    dashboard.restore_state(settings)
    qtbot.addWidget(dashboard)
    dashboard.show()
    with qtbot.waitSignal(dashboard.loaded, timeout=20_000):
        assert dashboard.check_auto_capture()
    qtbot.waitUntil(lambda: dashboard.data is not None and dashboard.data.bounds is not None,
                    timeout=20_000)
    assert dashboard.data.today == local_day
    assert dashboard.data.bounds == (local_day, local_day)
    assert dashboard.tiles[1].value.text() == str(len(overdue))

    # The board report dialog: as of the tenant's day, the same overdue findings.
    dialog = BoardReportDialog(context)
    qtbot.addWidget(dialog)
    assert dialog.to_date.date().toPython() == local_day
    dialog.format.setCurrentIndex(dialog.format.findData(".xlsx"))
    dialog.set_path(tmp_path / "board.xlsx")
    with qtbot.waitSignal(dialog.generated, timeout=60_000):
        dialog.generate()
    assert dialog.report.as_of == local_day
    assert dialog.report.headline.overdue == len(overdue)
    assert {o.ref for o in dialog.report.overdue} == overdue
