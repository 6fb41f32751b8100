"""Dashboard view: charts of real snapshot rows, ranges, granularity, gaps, hover, export,
empty state, capture and the daily automatic capture (pytest-qt, offscreen, PostgreSQL)."""

from __future__ import annotations

import math
import os
from datetime import date, timedelta
from pathlib import Path

import factories
import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings
from sqlalchemy import text

from auditdesk.data import snapshots as snapshot_data
from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.enums import Role, SnapshotSource
from auditdesk.ui.charts import day_to_x, render_chart_png, to_series
from auditdesk.ui.context import AppContext
from auditdesk.ui.views.dashboard import CUSTOM, DashboardView


@pytest.fixture
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go (AUDITDESK_SCREENSHOTS, or the run's temporary folder)."""
    folder = os.environ.get("AUDITDESK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.getbasetemp() / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_today(database) -> date:
    with database.sessions() as session:
        return snapshot_data.today(session)


def insert_snapshots(database, tenant_id: int, days: list[date], *, null_rate=lambda i, d: False):
    """One snapshot row per day with figures derived from the day's index."""
    rows = []
    for i, day in enumerate(days):
        critical, high, medium, low = 1 + i % 3, 2 + i % 5, 5 + i % 7, 3
        rows.append({
            "tenant": tenant_id, "day": day, "total": 40 + i,
            "open_total": critical + high + medium + low,
            "c": critical, "h": high, "m": medium, "l": low,
            "overdue": i % 4, "closed": 10 + i, "repeat": i % 3,
            "rate": None if null_rate(i, day) else round(0.5 + 0.4 * math.sin(i / 9), 6),
        })
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO dashboard_snapshot (tenant_id, snapshot_date, source, total, "
                "open_total, open_critical, open_high, open_medium, open_low, overdue, "
                "closed_total, repeat_open, compliance_rate) VALUES (:tenant, :day, 'captured', "
                ":total, :open_total, :c, :h, :m, :l, :overdue, :closed, :repeat, :rate)"
            ),
            rows,
        )


@pytest.fixture
def dash_settings(tmp_path) -> QSettings:
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    yield settings
    settings.sync()


@pytest.fixture
def dash_world(qtbot, database, dash_settings):
    """A tenant with a signed-in manager, an AppContext and a DashboardView (auto-capture
    off unless a test turns it on, so that it does not add rows of its own)."""
    with database.sessions() as session, session.begin():
        tenant = factories.tenant(session)
        manager = factories.user(session, tenant.id, Role.MANAGER, "Maria Manager")
    dash_settings.setValue("dashboard/auto_capture", False)
    context = AppContext()
    context.set_database(database)
    view = DashboardView(context)
    view.restore_state(dash_settings)
    qtbot.addWidget(view)
    view.resize(1280, 820)
    view.show()
    context.set_tenant(tenant, manager)  # the view reloads on tenant change
    yield context, view, tenant
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)


def reload_and_wait(qtbot, view: DashboardView) -> None:
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.reload()


def wait_loaded(qtbot, view, action) -> None:
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        action()


def test_charts_plot_one_point_per_snapshot_with_the_stored_figures(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(59, -1, -1)]  # 60 days ending today
    insert_snapshots(database, tenant.id, days)
    wait_loaded(qtbot, view, lambda: view.set_range("90d"))

    assert view.stack.currentWidget() is view.content
    assert view.plotted_points() == {"severity": 60, "compliance": 60, "overdue": 60}
    for name in ("critical", "high", "medium", "low"):
        assert view.charts["severity"].point_count(name) == 60
    x, y = view.charts["severity"].curves["critical"].getOriginalDataset()
    assert x[0] == day_to_x(days[0]) and x[-1] == day_to_x(today)
    assert list(y[:4]) == [1, 2, 3, 1]
    _x, overdue = view.charts["overdue"].curves["overdue"].getOriginalDataset()
    assert list(overdue[:5]) == [0, 1, 2, 3, 0]
    # tiles: the last snapshot of the range against the last one before it (none here)
    last = 59
    assert view.tiles[0].value.text() == str((1 + last % 3) + (2 + last % 5) + (5 + last % 7) + 3)
    assert view.tiles[1].value.text() == str(last % 4)
    assert view.has_data()


def test_range_presets_change_the_number_of_points(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today - timedelta(days=n) for n in range(499, -1, -1)])
    expected = {"30d": 30, "90d": 90, "1y": 365, "all": 500}
    for preset, points in expected.items():
        wait_loaded(qtbot, view, lambda p=preset: view.set_range(p))
        assert view.plotted_points()["severity"] == points, preset
        assert view.range_buttons[preset].isChecked()
    wait_loaded(qtbot, view, lambda: view.set_range(
        CUSTOM, (today - timedelta(days=14), today - timedelta(days=5))))
    assert view.plotted_points()["severity"] == 10
    assert not any(b.isChecked() for b in view.range_buttons.values())
    assert view.from_edit.date().toPython() == today - timedelta(days=14)
    # editing a date edit switches to the custom range too
    wait_loaded(qtbot, view, lambda: view.from_edit.setDate(today - timedelta(days=19)))
    assert view.range_preset == CUSTOM
    assert view.plotted_points()["severity"] == 15


def test_tiles_compare_with_the_previous_period(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today - timedelta(days=n) for n in range(59, -1, -1)])
    wait_loaded(qtbot, view, lambda: view.set_range("30d"))
    # current = index 59, previous period ends 30 days ago = index 29
    open_now = (1 + 59 % 3) + (2 + 59 % 5) + (5 + 59 % 7) + 3
    open_before = (1 + 29 % 3) + (2 + 29 % 5) + (5 + 29 % 7) + 3
    change = open_now - open_before
    delta = view.tiles[0].delta.text()
    before_day = today - timedelta(days=30)
    assert f"vs {before_day.day} " in delta
    assert delta.startswith("▲" if change > 0 else "▼") and str(abs(change)) in delta
    assert view.tiles[3].caption.text() == "Repeat rate"
    assert view.tiles[3].value.text() == f"{(59 % 3) / open_now * 100:.1f} %"


def test_remediation_tiles_count_late_actions_today(qtbot, database, dash_world):
    from sqlalchemy import text

    context, view, tenant = dash_world
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today - timedelta(days=1), today])
    with database.sessions() as session, session.begin():
        finding = factories.observation(session, factories.actor(tenant), identified_on=today - timedelta(days=60))
        for days in (3, 9):
            session.execute(text("INSERT INTO remediation_action (tenant_id, observation_id, title,"
                                 " due_date) VALUES (:t, :o, 'Late step', :due)"),
                            {"t": tenant.id, "o": finding.id, "due": today - timedelta(days=days)})
    reload_and_wait(qtbot, view)
    late, expiring = view.remediation_tiles
    assert (late.caption.text(), late.value.text()) == ("Overdue actions", "2")
    assert (expiring.caption.text(), expiring.value.text()) == ("Acceptances expiring", "0")
    assert late.isVisible() and late.width() > 100


def test_compliance_null_stays_a_gap(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(19, -1, -1)]
    insert_snapshots(database, tenant.id, days, null_rate=lambda i, d: i < 5 or 10 <= i < 12)
    wait_loaded(qtbot, view, lambda: view.set_range("30d"))
    chart = view.charts["compliance"]
    _x, y = chart.curves["compliance"].getOriginalDataset()
    assert len(y) == 20
    assert np.isnan(y[:5]).all() and np.isnan(y[10:12]).all()
    assert np.isfinite(y[5:10]).all() and np.isfinite(y[12:]).all()
    assert chart.finite_count() == 13
    assert chart.curves["compliance"].opts["connect"] == "finite"
    assert np.nanmin(y) >= 0 and np.nanmax(y) <= 100  # percent
    # the hover read-out says "no data" rather than 0 on a gap
    text_on_gap = view.show_values_at(day_to_x(days[2]))
    assert "Compliance no data" in text_on_gap


def test_month_granularity_shows_the_last_snapshot_of_each_month(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(199, -1, -1)]
    insert_snapshots(database, tenant.id, days)
    wait_loaded(qtbot, view, lambda: view.set_range("all"))
    assert view.plotted_points()["severity"] == 200
    wait_loaded(qtbot, view, lambda: view.granularity_combo.setCurrentIndex(
        view.granularity_combo.findData("month")))
    months = sorted({(d.year, d.month) for d in days})
    assert view.granularity == "month"
    assert view.plotted_points()["severity"] == len(months)
    last_of_month = [max(d for d in days if (d.year, d.month) == m) for m in months]
    assert list(view.series.dates) == last_of_month
    wait_loaded(qtbot, view, lambda: view.set_granularity("week"))
    weeks = {d - timedelta(days=d.weekday()) for d in days}
    assert view.plotted_points()["severity"] == len(weeks)


def test_hover_shows_the_date_and_the_values(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(9, -1, -1)]
    insert_snapshots(database, tenant.id, days)
    wait_loaded(qtbot, view, lambda: view.set_range("30d"))
    qtbot.waitExposed(view)
    chart = view.charts["severity"]
    box = chart.getPlotItem().vb
    target = days[4]
    scene_point = box.mapViewToScene(QPointF(day_to_x(target) + 3600, 1.0))
    view._mouse_moved(chart, (scene_point,))  # what the SignalProxy delivers
    text = view.hover_label.text()
    assert target.strftime("%b %Y") in text and f" {target.day} " in text
    # index 4: critical 1 + 4 % 3 = 2, high 2 + 4 = 6, medium 5 + 4 = 9, low 3, overdue 0
    for part in ("Critical 2", "High 6", "Medium 9", "Low 3", "Overdue 0", "Open repeats 1"):
        assert part in text
    rate = round(0.5 + 0.4 * math.sin(4 / 9), 6) * 100
    assert f"Compliance {rate:.1f} %" in text
    assert all(line.isVisible() for line in view.crosshairs.values())
    assert view.crosshairs["overdue"].value() == day_to_x(target)
    # and through the real scene signal (rate-limited proxy)
    view.hover_label.setText("")
    other = box.mapViewToScene(QPointF(day_to_x(days[7]), 1.0))
    chart.scene().sigMouseMoved.emit(other)
    qtbot.waitUntil(lambda: f" {days[7].day} " in view.hover_label.text(), timeout=5_000)


def test_export_png_writes_non_empty_files(qtbot, database, dash_world, tmp_path):
    context, view, tenant = dash_world
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today - timedelta(days=n) for n in range(30)])
    wait_loaded(qtbot, view, lambda: view.set_range("90d"))
    for what in ("severity", "compliance", "overdue", "dashboard"):
        path = view.export_png(what, tmp_path / f"{what}.png")
        assert path.exists() and path.stat().st_size > 2_000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_chart_png_offscreen_for_the_report(qtbot, tmp_path):
    from auditdesk.domain.trends import CompliancePoint, SeverityPoint

    today = date(2026, 3, 1)
    points = [SeverityPoint(today - timedelta(days=n), today, 1, 2, 3, 4, 10) for n in range(40)]
    path = render_chart_png("severity", points, tmp_path / "sev.png", size=(800, 300))
    assert path.stat().st_size > 2_000
    rates = [CompliancePoint(today - timedelta(days=n), today, None if n < 3 else 0.5)
             for n in range(10)]
    series = to_series(rates)
    assert np.isnan(series.compliance[-3:]).all() and series.compliance[0] == 50.0
    from PySide6.QtGui import QImage

    image = QImage(str(render_chart_png("compliance", rates, tmp_path / "c.png", size=(640, 260))))
    assert (image.width(), image.height()) == (640, 260)


def test_empty_state_and_capture_now_creates_a_snapshot(qtbot, database, dash_world, shots):
    context, view, tenant = dash_world
    reload_and_wait(qtbot, view)
    assert view.stack.currentWidget() is view.empty_page
    assert not view.has_data()
    assert "No snapshot yet" in view.empty.text()
    assert f"auditdesk snapshot capture --tenant {tenant.slug}" in view.cli_label.text()
    assert view.empty_capture_button.isVisible() and view.empty_backfill_button.isVisible()
    assert not view.capture_button.isVisible()  # the empty state has its own
    view.grab().save(str(shots / "dashboard-empty.png"))
    with database.sessions() as session, session.begin():
        factories.observation(session, factories.actor(tenant), severity="high")
    with qtbot.waitSignal(view.operation_finished, timeout=20_000) as finished:
        view.empty_capture_button.click()
        assert view.progress.isVisible() and not view.capture_button.isEnabled()
    assert finished.args[0] is True
    qtbot.waitUntil(lambda: view.has_data(), timeout=20_000)  # reload on changed
    assert not view.progress.isVisible() and view.capture_button.isEnabled()
    with database.sessions() as session:
        rows = snapshot_data.list_snapshots(session, tenant.id)
    assert [r.snapshot_date for r in rows] == [db_today(database)]
    assert rows[0].source is SnapshotSource.CAPTURED and rows[0].open_high == 0 + rows[0].open_high
    assert view.stack.currentWidget() is view.content
    assert view.plotted_points()["severity"] == 1


def test_backfill_runs_in_chunks_and_fills_the_days(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    with database.sessions() as session, session.begin():
        factories.observation(session, factories.actor(tenant), severity="critical",
                              identified_on=today - timedelta(days=300))
    start = today - timedelta(days=199)
    with qtbot.waitSignal(view.operation_finished, timeout=60_000) as finished:
        assert view.backfill(start, today)
        assert view.progress.maximum() == 200
    assert finished.args[0] is True and "200 day(s) written" in finished.args[1]
    with database.sessions() as session:
        rows = snapshot_data.list_snapshots(session, tenant.id)
    assert len(rows) == 200 and rows[0].snapshot_date == start
    assert {r.source for r in rows} == {SnapshotSource.BACKFILLED}
    qtbot.waitUntil(lambda: view.has_data(), timeout=20_000)


def test_auto_capture_creates_todays_snapshot_when_missing(qtbot, database, dash_world, dash_settings):
    context, view, tenant = dash_world
    view.auto_capture_check.setChecked(True)  # turning it on checks at once
    dash_settings.sync()
    assert dash_settings.value("dashboard/auto_capture") in (True, "true")
    qtbot.waitUntil(lambda: view.has_data(), timeout=20_000)
    with database.sessions() as session:
        rows = snapshot_data.list_snapshots(session, tenant.id)
    assert [(r.snapshot_date, r.source) for r in rows] == [(db_today(database), SnapshotSource.CAPTURED)]
    # once a day: a second tick does not query again
    assert view.check_auto_capture() is False
    view.auto_timer.timeout.emit()
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
    with database.sessions() as session:
        assert len(snapshot_data.list_snapshots(session, tenant.id)) == 1


def test_auto_capture_checks_after_a_tenant_is_chosen(qtbot, database, dash_world, dash_settings):
    context, view, tenant = dash_world
    dash_settings.setValue("dashboard/auto_capture", True)
    context.set_tenant(tenant, context.user)
    assert view.auto_first_timer.isActive()  # not at once: start-up queries come first
    view.auto_first_timer.setInterval(10)
    view.auto_first_timer.start()
    qtbot.waitUntil(lambda: view.has_data(), timeout=20_000)
    with database.sessions() as session:
        rows = snapshot_data.list_snapshots(session, tenant.id)
    assert [r.snapshot_date for r in rows] == [db_today(database)]


def test_auto_capture_does_nothing_when_the_setting_is_off(qtbot, database, dash_world, dash_settings):
    context, view, tenant = dash_world
    assert not view.auto_capture_check.isChecked()
    assert view.check_auto_capture() is False
    view.auto_timer.timeout.emit()
    context.set_tenant(tenant, context.user)  # a tenant change checks too, a little later
    assert view.auto_first_timer.isActive()
    view.auto_first_timer.timeout.emit()
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)
    qtbot.wait(50)
    with database.sessions() as session:
        assert snapshot_data.list_snapshots(session, tenant.id) == []
    # the setting is a top-level key even inside the main window's view group
    dash_settings.beginGroup("views/dashboard")
    view.restore_state(dash_settings)
    assert view.auto_capture_enabled() is False
    view.set_auto_capture(True)
    assert dash_settings.group() == "views/dashboard"
    dash_settings.endGroup()
    assert dash_settings.value("dashboard/auto_capture") in (True, "true")
    qtbot.waitUntil(lambda: view.has_data(), timeout=20_000)


def test_reloads_when_snapshots_change_elsewhere(qtbot, database, dash_world):
    context, view, tenant = dash_world
    reload_and_wait(qtbot, view)
    assert not view.has_data()
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today - timedelta(days=n) for n in range(3)])
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        context.announce(Changes.of(Table.OBSERVATION, [1]))
    assert view.plotted_points()["severity"] == 3


def test_state_round_trip(qtbot, dash_world, tmp_path):
    context, view, tenant = dash_world
    view.set_range("1y")
    view.set_granularity("week")
    settings = QSettings(str(tmp_path / "state.ini"), QSettings.Format.IniFormat)
    view.save_state(settings)
    other = DashboardView(context)
    qtbot.addWidget(other)
    other.restore_state(settings)
    assert (other.range_preset, other.granularity) == ("1y", "week")
    assert other.range_buttons["1y"].isChecked()
    qtbot.waitUntil(lambda: not context.worker.busy, timeout=30_000)


def test_screenshot_of_the_dashboard_with_a_year_of_data(qtbot, database, dash_world, shots):
    """Grabs the dashboard to <shots>/dashboard.png (looked at by a person) and checks
    that it is painted with data."""
    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(729, -1, -1)]
    insert_snapshots(database, tenant.id, days, null_rate=lambda i, d: i < 40)
    from PySide6.QtWidgets import QApplication

    from auditdesk.ui.theme import style_sheet

    QApplication.instance().setStyleSheet(style_sheet())  # as the app looks
    wait_loaded(qtbot, view, lambda: view.set_range("1y"))
    qtbot.waitExposed(view)
    view.show_values_at(day_to_x(today - timedelta(days=100)))
    image = view.grab().toImage()
    QApplication.instance().setStyleSheet("")
    assert image.save(str(shots / "dashboard.png"))
    # the severity colours are on screen
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
               for y in range(0, image.height(), 2)}
    from auditdesk.ui.theme import SEVERITY_COLORS

    assert set(SEVERITY_COLORS.values()) <= colours
    assert view.plotted_points()["severity"] == 365


def test_a_new_dashboard_offers_the_backfill_and_says_not_now_once(
    qtbot, database, dash_world, dash_settings
):
    context, view, tenant = dash_world
    today = db_today(database)
    reload_and_wait(qtbot, view)
    assert view.backfill_offer.isHidden()  # no finding: nothing to rebuild

    with database.sessions() as session, session.begin():
        factories.observation(session, factories.actor(tenant), severity="high",
                              identified_on=today - timedelta(days=120))
    insert_snapshots(database, tenant.id, [today])  # the one dot of a new workspace
    reload_and_wait(qtbot, view)
    assert view.stack.currentWidget() is view.content
    assert view.backfill_offer.isVisible()
    assert view.backfill_offer.dates == (today - timedelta(days=120), today)
    assert "only one day so far" in view.backfill_offer.message.text()
    assert view.backfill_offer.accept_button.text().startswith("Backfill ")

    with qtbot.waitSignal(view.operation_finished, timeout=60_000) as finished:
        view.backfill_offer.accept_button.click()
    assert finished.args[0] is True
    qtbot.waitUntil(lambda: len(view.data.buckets) > 1, timeout=20_000)
    with database.sessions() as session:
        rows = snapshot_data.list_snapshots(session, tenant.id)
    assert rows[0].snapshot_date == today - timedelta(days=120) and len(rows) == 121
    assert view.backfill_offer.isHidden()  # history now: no offer


def test_not_now_hides_the_backfill_offer_for_that_tenant(qtbot, database, dash_world, dash_settings):
    context, view, tenant = dash_world
    today = db_today(database)
    with database.sessions() as session, session.begin():
        factories.observation(session, factories.actor(tenant),
                              identified_on=today - timedelta(days=900))
    reload_and_wait(qtbot, view)
    assert view.stack.currentWidget() is view.empty_page
    assert view.backfill_offer.isVisible()
    assert view.backfill_offer.dates == (today - timedelta(days=364), today)  # the last year
    assert "no snapshot yet" in view.backfill_offer.message.text()
    view.backfill_offer.dismiss_button.click()
    assert view.backfill_offer.isHidden()

    again = DashboardView(context)
    again.restore_state(dash_settings)
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.loaded, timeout=20_000):
        again.reload()
    assert again.backfill_offer.isHidden()
    with database.sessions() as session:
        assert snapshot_data.list_snapshots(session, tenant.id) == []


def test_one_snapshot_gets_one_label_per_day(qtbot, database, dash_world):
    context, view, tenant = dash_world
    today = db_today(database)
    insert_snapshots(database, tenant.id, [today])
    for preset in ("all", "30d", "90d"):
        wait_loaded(qtbot, view, lambda p=preset: view.set_range(p))
        qtbot.wait(50)
        for kind, chart in view.charts.items():
            axis = chart.getPlotItem().getAxis("bottom")
            x0, x1 = chart.getPlotItem().vb.viewRange()[0]
            assert x0 < day_to_x(today) < x1, (preset, kind)
            labels = []
            for spacing, values in axis.tickValues(x0, x1, axis.width() or 600):
                assert all(v % 86_400 == 0 for v in values), (preset, kind, values)  # days
                labels += axis.tickStrings(values, 1.0, spacing)
            assert labels and len(labels) == len(set(labels)), (preset, kind, labels)
            if preset == "all":  # the one day is named under its dot
                assert today.strftime("%d %b") in labels, labels


def test_exported_pictures_show_the_tiles_and_charts_only(qtbot, database, dash_world, tmp_path):
    from PySide6.QtGui import QImage

    from auditdesk.ui.views.dashboard.export import ROW_GAP

    context, view, tenant = dash_world
    today = db_today(database)
    days = [today - timedelta(days=n) for n in range(20, -1, -1)]
    insert_snapshots(database, tenant.id, days)
    wait_loaded(qtbot, view, lambda: view.set_range("30d"))
    qtbot.waitExposed(view)
    quiet = view.export_pixmap("severity").toImage()

    view.show_values_at(day_to_x(days[10]))  # the hover line and read-out are shown
    assert all(line.isVisible() for line in view.crosshairs.values())
    hovered = QImage(str(view.export_png("severity", tmp_path / "severity.png")))
    assert hovered.convertToFormat(quiet.format()) == quiet  # no hover line in the picture
    assert all(line.isVisible() for line in view.crosshairs.values())  # still on screen

    whole = QImage(str(view.export_png("dashboard", tmp_path / "dashboard.png")))
    tiles = view.tiles[0].height()
    charts = view.charts["severity"]
    top = charts.mapTo(view.content, charts.rect().topLeft()).y()
    bottom = max(c.mapTo(view.content, c.rect().bottomLeft()).y() for c in view.charts.values())
    ratio = whole.devicePixelRatio() or 1
    # the tiles row, the charts and the gaps: no controls row, hover line or range caption
    assert whole.height() / ratio == tiles + (bottom - top + 1) + 3 * ROW_GAP
    assert whole.height() / ratio < view.content.height()


def test_export_dialog_starts_in_documents_then_in_the_last_folder(
    qtbot, database, dash_world, dash_settings, monkeypatch, tmp_path, _private_home
):
    from PySide6.QtWidgets import QFileDialog

    context, view, tenant = dash_world
    insert_snapshots(database, tenant.id, [db_today(database) - timedelta(days=n) for n in range(5)])
    wait_loaded(qtbot, view, lambda: view.set_range("30d"))
    documents = _private_home / "Documents"
    assert not documents.exists()
    asked: list[str] = []
    chosen = tmp_path / "exports" / "chart.png"
    chosen.parent.mkdir()

    def fake_dialog(parent, caption, start, filters, *rest):
        asked.append(start)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    view.export_with_dialog("severity")
    assert Path(asked[0]).parent == documents and documents.is_dir()  # created, not cwd
    assert Path(asked[0]).name.startswith("auditdesk-severity-")
    assert chosen.stat().st_size > 2_000
    view.export_with_dialog("dashboard")
    assert Path(asked[1]).parent == chosen.parent  # the folder used last


@pytest.mark.parametrize(("width", "at_least"), [(1000, 12), (800, 2)])
def test_report_trend_labels_leave_room_between_them(qtbot, width, at_least):
    """The report's monthly trend (two years): no label runs into the next one."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    from auditdesk.domain.trends import CompliancePoint, SeverityPoint
    from auditdesk.ui.charts import TrendChart, grab_chart

    ends = [date(2024, 12, 31)]
    while ends[-1] < date(2026, 11, 30):
        following = date(ends[-1].year + ends[-1].month // 12, ends[-1].month % 12 + 1, 28)
        while (following + timedelta(days=1)).month == following.month:
            following += timedelta(days=1)
        ends.append(following)
    ends.append(date(2026, 12, 2))
    for kind in ("compliance", "severity"):
        chart = TrendChart(kind)
        qtbot.addWidget(chart)
        chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        chart.resize(width, 400)
        chart.set_series([CompliancePoint(day, day, 0.6) if kind == "compliance"
                          else SeverityPoint(day, day, 1, 2, 3, 4, 10) for day in ends])
        grab_chart(chart)
        axis = chart.getPlotItem().getAxis("bottom")
        image = QImage(axis.boundingRect().size().toSize(), QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        texts = axis.generateDrawSpecs(painter)[2]
        painter.end()
        labels = sorted((rect.left(), rect.right(), label) for rect, _flags, label in texts)
        assert len(labels) >= at_least, labels  # the report's 1000 px: every month
        for (_l, right, label), (left, _r, following) in zip(labels, labels[1:], strict=False):
            assert left - right >= 6, (kind, width, label, following)
