"""The dashboard view: headline tiles, the trend charts, range and granularity controls,
*Capture now* and *Backfill…*, and the empty state that says how to capture the first
snapshot.

* Ranges are presets (30 days, 90 days, 1 year, all) or a custom range; a granularity
  (day, week, month) charts the last snapshot of each bucket, as the trend queries of
  the snapshot services define it.
* Tiles: open, overdue, compliance and repeat rate as of the last snapshot of the range,
  each with its change against the previous period (``domain.dashboard``); beside them
  overdue actions and risk acceptances expiring within 30 days, counted today.
* A new dashboard (one day of snapshots or none) offers to backfill the last year at
  once (``backfill_offer``).
* The charts, their shared date range and the hover read-out are ``trend_panel``; the
  daily automatic capture is ``auto_capture``; the backfill dialog ``backfill_dialog``.

Every query runs on the runner (``services.snapshots``); the GUI thread only draws
(see ``docs/architecture.md``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.dashboard import (
    CUSTOM,
    GRANULARITIES,
    RANGE_PRESETS,
    REMEDIATION_CAPTIONS,
    TILE_CAPTIONS,
    DashboardData,
    backfill_offer,
    range_caption,
    remediation_figures,
    tile_figures,
)
from auditdesk.services.snapshots import load_dashboard
from auditdesk.ui.charts import TrendChart
from auditdesk.ui.context import AppContext
from auditdesk.ui.save_dialog import ask_save_path
from auditdesk.ui.trend_series import TrendSeries, day_to_x, to_series
from auditdesk.ui.views.dashboard.auto_capture import DailyCapture
from auditdesk.ui.views.dashboard.backfill_dialog import BackfillDialog
from auditdesk.ui.views.dashboard.backfill_offer import BackfillOffer
from auditdesk.ui.views.dashboard.controls import RangeControls
from auditdesk.ui.views.dashboard.empty_page import EmptyPage
from auditdesk.ui.views.dashboard.export import figures_picture, save_png
from auditdesk.ui.views.dashboard.header import DashboardHeader
from auditdesk.ui.views.dashboard.snapshot_runs import SnapshotRuns
from auditdesk.ui.views.dashboard.tiles import TILE_STYLE, Tile
from auditdesk.ui.views.dashboard.trend_panel import TrendPanel
from auditdesk.ui.widgets import debounced


class DashboardView(QWidget):
    title = "Dashboard"
    shows = (Table.SNAPSHOT, Table.OBSERVATION)

    #: emitted after every reload was shown (tests, selfcheck)
    loaded = Signal()
    #: emitted when a capture or backfill finished (ok, message)
    operation_finished = Signal(bool, str)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.data: DashboardData | None = None
        self._preset = "90d"
        self._granularity = "day"
        self._custom: tuple[date, date] | None = None
        self.setStyleSheet(TILE_STYLE)

        # header: title, busy indicator, capture / backfill / export
        self.header = DashboardHeader(self.title, self)
        self.heading, self.busy_label = self.header.heading, self.header.busy_label
        self.progress = self.header.progress
        self.capture_button = self.header.capture_button
        self.backfill_button = self.header.backfill_button
        self.export_button = self.header.export_button
        self.export_actions = self.header.export_actions
        self.header.export_chosen.connect(self.export_with_dialog)

        # controls: range presets, custom range, granularity, auto-capture
        self.controls = RangeControls(self)
        self.range_group = self.controls.range_group
        self.range_buttons = self.controls.range_buttons
        self.from_edit, self.to_edit = self.controls.from_edit, self.controls.to_edit
        self.granularity_combo = self.controls.granularity_combo
        self.auto_capture_check = self.controls.auto_capture_check
        self.controls.preset_chosen.connect(self.set_range)
        self.controls.custom_chosen.connect(lambda start, end: self.set_range(CUSTOM, (start, end)))
        self.controls.granularity_chosen.connect(self.set_granularity)
        self.controls.auto_capture_toggled.connect(self.set_auto_capture)

        # tiles
        self.tiles = [Tile(c, self) for c in TILE_CAPTIONS]
        self.remediation_tiles = [Tile(c, self) for c in REMEDIATION_CAPTIONS]
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in (*self.tiles, *self.remediation_tiles):
            tiles.addWidget(tile, 1)

        # read-out and charts
        self.range_label = QLabel("", self)
        self.range_label.setObjectName("muted")
        self.range_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.trends = TrendPanel(self)
        self.charts = self.trends.charts
        self.crosshairs = self.trends.crosshairs
        self.hover_label = self.trends.hover_label

        self.content = QWidget(self)
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(8)
        content.addWidget(self.controls)
        content.addLayout(tiles)
        content.addWidget(self.trends, 1)
        content.addWidget(self.range_label)

        # empty state
        self.empty_page = EmptyPage(self)
        self.empty = self.empty_page.message
        self.cli_label = self.empty_page.cli_label
        self.empty_capture_button = self.empty_page.capture_button
        self.empty_backfill_button = self.empty_page.backfill_button

        # a new dashboard offers its past at once
        self.backfill_offer = BackfillOffer(self)
        self.backfill_offer.accepted.connect(lambda start, end: self.backfill(start, end))

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(self.backfill_offer)
        layout.addWidget(self.stack, 1)

        self.capture_button.clicked.connect(self.capture_now)
        self.empty_capture_button.clicked.connect(self.capture_now)
        self.backfill_button.clicked.connect(self.backfill_with_dialog)
        self.empty_backfill_button.clicked.connect(self.backfill_with_dialog)

        self._reload_timer = debounced(self, 250, self.reload)
        self.runs = SnapshotRuns(context, self)
        self.runs.started.connect(self._run_started)
        self.runs.advanced.connect(self.progress.setValue)
        self.runs.captured.connect(self._captured)
        self.runs.finished.connect(self._run_finished)
        self.auto_capture = DailyCapture(context, lambda: self.busy, self)
        self.auto_capture.finished.connect(self.operation_finished)
        self.auto_timer = self.auto_capture.timer
        self.auto_first_timer = self.auto_capture.first_timer
        context.changed.connect(self._changed)
        context.tenant_changed.connect(self._tenant_changed)

        self._sync_controls()
        self.controls.show_auto_capture(self.auto_capture_enabled())
        self._show_empty_hint()
        self._show_page(self.empty_page)

    # -- loading ---------------------------------------------------------------------------------
    def _ready(self) -> bool:
        return self.context.database is not None and self.context.tenant is not None

    def reload(self) -> None:
        if not self._ready():
            return
        tenant_id = self.context.tenant_id
        preset, granularity, custom = self._preset, self._granularity, self._custom

        def job(session):
            return load_dashboard(session, tenant_id, preset, granularity, custom)

        self.context.worker.submit(job, self._loaded, self._load_failed, key=f"dashboard:{id(self)}", owner=self)

    def _loaded(self, data: DashboardData) -> None:
        self.data = data
        self._show_empty_hint()
        if self.context.tenant is not None and not self.busy:
            self.backfill_offer.propose(
                self.context.tenant.slug, backfill_offer(data), 0 if data.bounds is None else 1
            )
        if data.bounds is None:
            self.trends.set_series(TrendSeries())
            self._show_page(self.empty_page)
            self.loaded.emit()
            return
        self._show_page(self.content)
        self.trends.set_series(to_series(data.buckets))
        # the x range is the chosen range, even where it has no snapshot
        self.set_x_range(day_to_x(data.start), day_to_x(data.end))
        for tile, figure in zip(self.tiles, tile_figures(data.current, data.previous), strict=True):
            tile.show_figure(figure)
        for tile, figure in zip(self.remediation_tiles, remediation_figures(data.remediation), strict=True):
            tile.show_figure(figure)
        self._sync_controls()
        self.range_label.setText(range_caption(data))
        self.loaded.emit()

    @property
    def series(self) -> TrendSeries:
        return self.trends.series

    def _show_page(self, page: QWidget) -> None:
        """The empty state has its own buttons; the header's are for the charts."""
        self.stack.setCurrentWidget(page)
        charts = page is self.content
        for widget in (self.capture_button, self.backfill_button, self.export_button):
            widget.setVisible(charts)

    def _load_failed(self, error: BaseException) -> None:
        self.range_label.setText("Could not load the snapshots.")
        self.context.show_error(error)

    def _changed(self, changes: Changes) -> None:
        if changes.touches(*self.shows):
            self._reload_timer.start()

    def _tenant_changed(self, _tenant: object) -> None:
        self.data = None
        self.backfill_offer.hide()  # the new tenant's own offer comes with its data
        self.reload()
        self.auto_capture.tenant_changed()

    def _show_empty_hint(self) -> None:
        self.empty_page.show_tenant(self.context.tenant.slug if self.context.tenant is not None else "SLUG")

    # -- range and granularity ------------------------------------------------------------------
    def set_range(self, preset: str, custom: tuple[date, date] | None = None) -> None:
        """Show a preset ("30d", "90d", "1y", "all") or ``CUSTOM`` with ``custom`` dates."""
        if preset == CUSTOM:
            if custom is None:
                custom = self.controls.custom_dates()
            self._custom = custom
        elif preset not in RANGE_PRESETS:
            raise ValueError(f"unknown range {preset!r}")
        self._preset = preset
        self._sync_controls()
        self.reload()

    def set_granularity(self, granularity: str) -> None:
        """"day", "week" or "month"."""
        if granularity not in dict(GRANULARITIES):
            raise ValueError(f"unknown granularity {granularity!r}")
        if granularity == self._granularity:
            return
        self._granularity = granularity
        self._sync_controls()
        self.reload()

    @property
    def range_preset(self) -> str:
        return self._preset

    @property
    def granularity(self) -> str:
        return self._granularity

    def _sync_controls(self) -> None:
        shown: tuple[date, date] | None = None
        if self.data is not None:
            shown = (self.data.start, self.data.end)
        elif self._custom is not None:
            shown = self._custom
        self.controls.show_state(self._preset, self._granularity, shown)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show the dates x0..x1 (epoch seconds) on the three charts."""
        self.trends.set_x_range(x0, x1)

    # -- hover ----------------------------------------------------------------------------------
    def _mouse_moved(self, chart: TrendChart, event: tuple) -> None:
        self.trends.mouse_moved(chart, event)

    def show_values_at(self, x: float) -> str:
        """Move the crosshair to the snapshot nearest to ``x`` and show its values."""
        return self.trends.show_values_at(x)

    # -- capture and backfill (snapshot_runs.SnapshotRuns) -------------------------------------
    def _run_started(self, text: str, maximum: int) -> None:
        self.backfill_offer.hide()
        self.header.show_busy(text, maximum)
        for button in self._run_buttons():
            button.setEnabled(False)

    def _run_finished(self, ok: bool, message: str) -> None:
        self.header.show_idle("" if ok else message)
        for button in self._run_buttons():
            button.setEnabled(True)
        self.context.status_message.emit(message)
        self.operation_finished.emit(ok, message)

    def _run_buttons(self) -> tuple[QPushButton, ...]:
        return (self.capture_button, self.backfill_button,
                self.empty_capture_button, self.empty_backfill_button)

    def _captured(self, tenant_id: int, day: date | None) -> None:
        self.auto_capture.checked = (tenant_id, day) if day is not None else None

    @property
    def busy(self) -> bool:
        return self.runs.busy

    def capture_now(self) -> bool:
        """Capture today's snapshot of the current tenant (worker; busy indicator).
        Returns False when nothing was started (no tenant, or another run is busy)."""
        return self._ready() and self.runs.capture(self.context.tenant_id)

    def backfill(self, start: date, end: date, *, overwrite: bool = False) -> bool:
        """Rebuild the days ``start``..``end`` from the audit trail, a quarter at a time
        (one worker job each) so that the progress bar moves. Returns False when nothing
        was started."""
        return self._ready() and self.runs.backfill(
            self.context.tenant_id, start, end, overwrite=overwrite
        )

    def backfill_with_dialog(self) -> None:
        """Ask for the dates and backfill them (the *Backfill…* buttons and menu action)."""
        if not self._ready():
            return
        today = self.data.today if self.data is not None else self.context.today()
        first = None
        if self.data is not None and self.data.bounds is not None:
            first = self.data.bounds[0] - timedelta(days=365)
        dialog = BackfillDialog(today, first, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            start, end = dialog.dates()
            self.backfill(start, end, overwrite=dialog.overwrite.isChecked())

    # -- automatic capture (auto_capture.DailyCapture) ---------------------------------------
    def auto_capture_enabled(self) -> bool:
        return self.auto_capture.enabled()

    def set_auto_capture(self, enabled: bool) -> None:
        """Turn the daily automatic capture on or off (stored in QSettings)."""
        self.auto_capture.store_enabled(enabled)
        if self.auto_capture_check.isChecked() != bool(enabled):
            self.controls.show_auto_capture(bool(enabled))
        if enabled:
            self.check_auto_capture()

    def check_auto_capture(self) -> bool:
        """Capture today's snapshot when it is missing, once a day (timer and tenant change).
        Returns True when a check was started."""
        return self.auto_capture.check()

    # -- export ---------------------------------------------------------------------------------
    def export_png(self, what: str, path: str | Path) -> Path:
        """Save a chart ("severity", "compliance", "overdue") or the whole dashboard
        ("dashboard": the tiles and the charts) as a PNG: what the figures show, without
        buttons, the auto-capture box or a hover line."""
        return save_png(self.export_pixmap(what), path)

    def export_pixmap(self, what: str) -> QPixmap:
        """The picture ``export_png`` writes."""
        return figures_picture(self.content, [*self.tiles, *self.remediation_tiles], self.charts,
                               self.crosshairs.values(), what)

    def export_with_dialog(self, what: str) -> None:
        suggested = f"auditdesk-{what}-{self.context.today().isoformat()}.png"
        path = ask_save_path(self, "Export PNG", suggested, "PNG image (*.png)",
                             settings=self.auto_capture.settings)
        if not path:
            return
        try:
            saved = self.export_png(what, path)
        except OSError as error:
            self.context.status_message.emit(str(error))
            return
        self.context.status_message.emit(f"Saved {saved}.")

    # -- the view protocol ------------------------------------------------------------------------
    def has_data(self) -> bool:
        """True when the charts show at least one snapshot."""
        return self.data is not None and bool(self.data.buckets)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Opening the view shows current data: snapshots also come from the CLI and
        scheduled jobs, unannounced (the first open is the main window's)."""
        super().showEvent(event)
        if not event.spontaneous() and self.data is not None:
            self.reload()

    def plotted_points(self) -> dict[str, int]:
        """Points given to each chart's first curve (tests and the selfcheck)."""
        return {kind: chart.point_count() for kind, chart in self.charts.items()}

    def navigate(self, payload: dict) -> None:
        if not isinstance(payload, dict):
            return
        if payload.get("granularity") in dict(GRANULARITIES):
            self._granularity = payload["granularity"]
        preset = payload.get("range")
        if preset in RANGE_PRESETS:
            self.set_range(preset)
        elif payload.get("from") and payload.get("to"):
            self.set_range(CUSTOM, (date.fromisoformat(str(payload["from"])),
                                    date.fromisoformat(str(payload["to"]))))
        else:
            self._sync_controls()
            self.reload()

    def focus_search(self) -> None:
        """The dashboard has nothing to search."""

    def new_item(self) -> None:
        """The dashboard creates nothing."""

    def selected_id(self) -> None:
        return None

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("range", self._preset)
        settings.setValue("granularity", self._granularity)
        if self._custom is not None:
            settings.setValue("from", self._custom[0].isoformat())
            settings.setValue("to", self._custom[1].isoformat())

    def restore_state(self, settings: QSettings) -> None:
        self.auto_capture.settings = settings
        self.backfill_offer.settings = settings
        preset = settings.value("range", self._preset)
        granularity = settings.value("granularity", self._granularity)
        try:
            start = date.fromisoformat(str(settings.value("from", "")))
            end = date.fromisoformat(str(settings.value("to", "")))
            self._custom = (start, end)
        except ValueError:
            self._custom = None
        if preset in RANGE_PRESETS or (preset == CUSTOM and self._custom is not None):
            self._preset = str(preset)
        if granularity in dict(GRANULARITIES):
            self._granularity = str(granularity)
        self._sync_controls()
        self.controls.show_auto_capture(self.auto_capture_enabled())
