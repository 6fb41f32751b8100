"""Dashboard: trend charts of the daily snapshots, headline tiles, capture and backfill.

* Three charts (``auditdesk.ui.charts``): open findings by severity, compliance rate
  (gaps where nothing was due), overdue and open repeat findings; their date axes
  are linked. Hovering shows the day's values (a crosshair and a read-out line).
* Range presets (30 days, 90 days, 1 year, all) or a custom range, and a
  granularity (day, week, month: the last snapshot of each bucket, as the trend
  queries of ``data.snapshots`` define it).
* Tiles: open, overdue, compliance and repeat rate (open repeats / open) as of the
  last snapshot of the range, each with its change against the previous period
  (the last snapshot before the range starts).
* With no snapshot yet the view says how to capture the first one (the CLI line)
  and offers *Capture now* and *Backfill…*.
* *Capture now* and backfill run through the worker with a busy indicator; while
  the app is open, today's snapshot is captured automatically once a day when it
  is missing (QSettings ``dashboard/auto_capture``, on by default; the checkbox
  turns it off).

Every query runs in a worker job; the GUI thread only draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QDate, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.records import Snapshot
from auditdesk.services.errors import user_message
from auditdesk.ui import theme
from auditdesk.ui.charts import CHART_KINDS, TrendChart, TrendSeries, to_series
from auditdesk.ui.context import AppContext
from auditdesk.ui.views._common import title_label
from auditdesk.ui.widgets import EmptyState, debounced

AUTO_CAPTURE_KEY = "dashboard/auto_capture"
AUTO_CAPTURE_CHECK_MS = 10 * 60 * 1000  # look every ten minutes whether the day changed
# After a tenant is chosen, wait before the first check: start-up queries come first, and
# a scripted start (selfcheck, demo loading, a backfill) gets to fill the days first.
AUTO_CAPTURE_FIRST_DELAY_MS = 45 * 1000
BACKFILL_CHUNK_DAYS = 92

#: preset key -> (button text, days; None = all snapshots)
RANGE_PRESETS: dict[str, tuple[str, int | None]] = {
    "30d": ("30 days", 30),
    "90d": ("90 days", 90),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
CUSTOM = "custom"
GRANULARITIES = (("day", "Day"), ("week", "Week"), ("month", "Month"))

GOOD = "#2e7d32"
BAD = theme.OVERDUE

_TILE_STYLE = f"""
QFrame#dashTile {{ background: #ffffff; border: 1px solid #d9dee5; border-radius: 4px; }}
QFrame#dashTile QLabel {{ border: none; background: transparent; }}
QLabel#tileCaption {{ color: {theme.MUTED_TEXT}; font-size: 9pt; }}
QLabel#tileValue {{ color: #1f2d3d; font-size: 17pt; font-weight: 600; }}
QLabel#tileDelta {{ font-size: 9pt; color: {theme.MUTED_TEXT}; }}
"""


# --- what a load returns (computed in the worker) ------------------------------------------

@dataclass(frozen=True)
class DashboardData:
    """Everything one reload shows; built off the GUI thread by :func:`load_dashboard`."""

    today: date
    bounds: tuple[date, date] | None  # first and last snapshot of the tenant
    start: date
    end: date
    granularity: str
    buckets: list[tuple[date, Snapshot]]
    previous: Snapshot | None  # last snapshot before ``start``

    @property
    def current(self) -> Snapshot | None:
        return self.buckets[-1][1] if self.buckets else None


def resolve_range(
    preset: str, today: date, bounds: tuple[date, date] | None,
    custom: tuple[date, date] | None = None,
) -> tuple[date, date]:
    """The (start, end) dates of a preset (or of the custom range)."""
    if preset == CUSTOM and custom is not None:
        start, end = custom
        return (start, end) if start <= end else (end, start)
    days = RANGE_PRESETS.get(preset, RANGE_PRESETS["90d"])[1]
    end = max(today, bounds[1]) if bounds else today
    if days is None:
        return (bounds[0] if bounds else end), end
    return end - timedelta(days=days - 1), end


def load_dashboard(
    session: Any, tenant_id: int, preset: str, granularity: str,
    custom: tuple[date, date] | None = None,
) -> DashboardData:
    """Worker job: the snapshots of the chosen range and bucket size, and the previous
    period's last snapshot for the tiles."""
    from auditdesk.services import snapshots as data

    today = data.today(session)
    bounds = data.bounds(session, tenant_id)
    start, end = resolve_range(preset, today, bounds, custom)
    buckets: list[tuple[date, Snapshot]] = []
    previous = None
    if bounds is not None:
        buckets = data.bucketed(session, tenant_id, start, end, granularity)
        if start > bounds[0]:
            before = data.bucketed(
                session, tenant_id, max(bounds[0], start - timedelta(days=400)),
                start - timedelta(days=1), "month",
            )
            previous = before[-1][1] if before else None
    return DashboardData(today, bounds, start, end, granularity, buckets, previous)


# --- formatting -----------------------------------------------------------------------------

def format_day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def repeat_rate(snapshot: Snapshot) -> float | None:
    """Open repeats / open findings, 0..1; None when nothing is open."""
    return snapshot.repeat_open / snapshot.open_total if snapshot.open_total else None


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


@dataclass(frozen=True)
class TileFigure:
    caption: str
    value: str
    delta: str
    colour: str


def tile_figures(current: Snapshot | None, previous: Snapshot | None) -> list[TileFigure]:
    """Open, overdue, compliance and repeat rate with their change against ``previous``."""
    if current is None:
        return [TileFigure(c, "—", "no snapshot in this range", theme.MUTED_TEXT)
                for c in ("Open findings", "Overdue", "Compliance", "Repeat rate")]
    since = f"vs {format_day(previous.snapshot_date)}" if previous is not None else ""

    def count_delta(now: int, before: int | None, *, up_is_good: bool = False) -> tuple[str, str]:
        if before is None:
            return "no earlier period", theme.MUTED_TEXT
        change = now - before
        if change == 0:
            return f"no change {since}", theme.MUTED_TEXT
        arrow = "▲" if change > 0 else "▼"
        good = (change > 0) == up_is_good
        return f"{arrow} {abs(change)} {since}", GOOD if good else BAD

    def rate_delta(now: float | None, before: float | None, *, up_is_good: bool) -> tuple[str, str]:
        if previous is None:
            return "no earlier period", theme.MUTED_TEXT
        if now is None or before is None:
            return f"— {since}", theme.MUTED_TEXT
        change = (now - before) * 100
        if abs(change) < 0.05:
            return f"no change {since}", theme.MUTED_TEXT
        arrow = "▲" if change > 0 else "▼"
        good = (change > 0) == up_is_good
        return f"{arrow} {abs(change):.1f} pts {since}", GOOD if good else BAD

    before_open = previous.open_total if previous else None
    before_overdue = previous.overdue if previous else None
    figures = [
        TileFigure("Open findings", str(current.open_total), *count_delta(current.open_total, before_open)),
        TileFigure("Overdue", str(current.overdue), *count_delta(current.overdue, before_overdue)),
        TileFigure(
            "Compliance", _percent(current.compliance_rate),
            *rate_delta(current.compliance_rate, previous.compliance_rate if previous else None,
                        up_is_good=True),
        ),
        TileFigure(
            "Repeat rate", _percent(repeat_rate(current)),
            *rate_delta(repeat_rate(current), repeat_rate(previous) if previous else None,
                        up_is_good=False),
        ),
    ]
    return figures


def hover_text(day: date, values: dict[str, float]) -> str:
    """The read-out line of a hovered day."""
    parts = [f"{day.strftime('%a')} {format_day(day)}"]
    for label, value in values.items():
        percent = label.endswith("%")
        label = label.rstrip(" %")
        if math.isnan(value):
            shown = "no data"
        elif percent:
            shown = f"{value:.1f} %"
        else:
            shown = f"{value:.0f}"
        parts.append(f"{label} {shown}")
    return "  ·  ".join(parts)


# --- widgets --------------------------------------------------------------------------------

class Tile(QFrame):
    """A headline figure: caption, value and the change against the previous period."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashTile")
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("—", self)
        self.value.setObjectName("tileValue")
        self.delta = QLabel("", self)
        self.delta.setObjectName("tileDelta")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.delta)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_figure(self, figure: TileFigure) -> None:
        self.caption.setText(figure.caption)
        self.value.setText(figure.value)
        self.delta.setText(figure.delta)
        self.delta.setStyleSheet(f"color: {figure.colour};")


class BackfillDialog(QDialog):
    """Asks for the days to rebuild from the audit trail."""

    def __init__(self, today: date, first: date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Backfill snapshots")
        intro = QLabel(
            "Rebuild the daily figures of past days from the findings' dates and the "
            "audit trail. Days that were captured are kept unless you replace them.", self,
        )
        intro.setWordWrap(True)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setMaximumDate(QDate(today))
        start = first or (today - timedelta(days=364))
        self.from_edit.setDate(QDate(start))
        self.to_edit.setDate(QDate(today))
        self.overwrite = QCheckBox("Replace captured days too", self)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        form = QFormLayout()
        form.addRow("From", self.from_edit)
        form.addRow("To", self.to_edit)
        form.addRow("", self.overwrite)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Backfill")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def dates(self) -> tuple[date, date]:
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()

    def _accept(self) -> None:
        start, end = self.dates()
        if start > end:
            self.error.setText("'From' must be on or before 'To'.")
            return
        self.accept()


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
        self.series = TrendSeries()
        self._settings: QSettings | None = None
        self._preset = "90d"
        self._granularity = "day"
        self._custom: tuple[date, date] | None = None
        self._auto_checked: tuple[int, date] | None = None
        self._operation: str | None = None
        self.setStyleSheet(_TILE_STYLE)

        # header: title, busy indicator, capture / backfill / export
        self.heading = title_label(self.title, self)
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("muted")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("dashboardProgress")
        self.progress.setFixedWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.capture_button = QPushButton("Capture now", self)
        self.capture_button.setToolTip("Capture today's snapshot of the current tenant")
        self.backfill_button = QPushButton("Backfill…", self)
        self.backfill_button.setToolTip("Rebuild past days from the audit trail")
        self.export_button = QPushButton("Export PNG", self)
        export_menu = QMenu(self.export_button)
        self.export_actions: dict[str, QAction] = {}
        for kind, text in (("severity", "Open findings chart…"), ("compliance", "Compliance chart…"),
                           ("overdue", "Overdue and repeats chart…"), ("dashboard", "Whole dashboard…")):
            action = export_menu.addAction(text)
            action.triggered.connect(lambda _checked=False, k=kind: self.export_with_dialog(k))
            self.export_actions[kind] = action
        self.export_button.setMenu(export_menu)
        header = QHBoxLayout()
        header.addWidget(self.heading)
        header.addStretch(1)
        header.addWidget(self.busy_label)
        header.addWidget(self.progress)
        header.addWidget(self.capture_button)
        header.addWidget(self.backfill_button)
        header.addWidget(self.export_button)

        # controls: range presets, custom range, granularity, auto-capture
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        self.range_buttons: dict[str, QToolButton] = {}
        controls = QHBoxLayout()
        controls.setSpacing(4)
        for key, (text, _days) in RANGE_PRESETS.items():
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setObjectName(f"range_{key}")
            self.range_group.addButton(button)
            self.range_buttons[key] = button
            button.clicked.connect(lambda _checked=False, k=key: self.set_range(k))
            controls.addWidget(button)
        controls.addSpacing(12)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.dateChanged.connect(self._custom_edited)
        controls.addWidget(QLabel("From", self))
        controls.addWidget(self.from_edit)
        controls.addWidget(QLabel("to", self))
        controls.addWidget(self.to_edit)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Per", self))
        self.granularity_combo = QComboBox(self)
        for key, text in GRANULARITIES:
            self.granularity_combo.addItem(text, key)
        self.granularity_combo.currentIndexChanged.connect(
            lambda _i: self.set_granularity(self.granularity_combo.currentData())
        )
        controls.addWidget(self.granularity_combo)
        controls.addStretch(1)
        self.auto_capture_check = QCheckBox("Capture daily automatically", self)
        self.auto_capture_check.setToolTip(
            "While AuditDesk is open, capture today's snapshot once a day when it is missing"
        )
        self.auto_capture_check.toggled.connect(self.set_auto_capture)
        controls.addWidget(self.auto_capture_check)

        # tiles
        self.tiles = [Tile(c, self) for c in ("Open findings", "Overdue", "Compliance", "Repeat rate")]
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in self.tiles:
            tiles.addWidget(tile, 1)

        # read-out and charts
        self.range_label = QLabel("", self)
        self.range_label.setObjectName("muted")
        self.hover_label = QLabel("", self)
        self.hover_label.setObjectName("hoverReadout")
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.range_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.charts: dict[str, TrendChart] = {kind: TrendChart(kind, self) for kind in CHART_KINDS}
        # One date range for the three charts. Not setXLink: pyqtgraph links views of
        # different widths by screen position, and the lower charts are half as wide.
        self._syncing_x = False
        for chart in self.charts.values():
            chart.getPlotItem().vb.sigXRangeChanged.connect(self._x_range_changed)
        self.crosshairs: dict[str, pg.InfiniteLine] = {}
        self._proxies: list[pg.SignalProxy] = []
        for kind, chart in self.charts.items():
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen("#7b8794", width=1, style=Qt.PenStyle.DashLine))
            line.hide()
            chart.addItem(line, ignoreBounds=True)
            self.crosshairs[kind] = line
            proxy = pg.SignalProxy(
                chart.scene().sigMouseMoved, rateLimit=60,
                slot=lambda event, c=chart: self._mouse_moved(c, event),
            )
            self._proxies.append(proxy)
        charts = QGridLayout()
        charts.setSpacing(10)
        charts.addWidget(self.charts["severity"], 0, 0, 1, 2)
        charts.addWidget(self.charts["compliance"], 1, 0)
        charts.addWidget(self.charts["overdue"], 1, 1)
        charts.setRowStretch(0, 3)
        charts.setRowStretch(1, 2)

        self.content = QWidget(self)
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(8)
        content.addLayout(controls)
        content.addLayout(tiles)
        content.addWidget(self.hover_label)
        content.addLayout(charts, 1)
        content.addWidget(self.range_label)

        # empty state
        self.empty_page = QWidget(self)
        self.empty = EmptyState(
            "No snapshot yet.\n\nThe dashboard charts one snapshot of the open, overdue and "
            "compliance figures per day.\nCapture today's now, rebuild past days from the "
            "audit trail,\nor let a scheduled task capture it daily:", self.empty_page,
        )
        self.cli_label = QLabel("auditdesk snapshot capture", self.empty_page)
        self.cli_label.setObjectName("cliLine")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.cli_label.setFont(mono)
        self.cli_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cli_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.cli_label.setStyleSheet(
            "background: #ffffff; border: 1px solid #d9dee5; border-radius: 3px; padding: 6px 10px;"
        )
        self.empty_capture_button = QPushButton("Capture now", self.empty_page)
        self.empty_capture_button.setObjectName("primary")
        self.empty_backfill_button = QPushButton("Backfill…", self.empty_page)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.empty_capture_button)
        buttons.addWidget(self.empty_backfill_button)
        buttons.addStretch(1)
        empty = QVBoxLayout(self.empty_page)
        empty.addStretch(1)
        empty.addWidget(self.empty)
        empty.addWidget(self.cli_label, 0, Qt.AlignmentFlag.AlignHCenter)
        empty.addSpacing(12)
        empty.addLayout(buttons)
        empty.addStretch(2)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)

        self.capture_button.clicked.connect(self.capture_now)
        self.empty_capture_button.clicked.connect(self.capture_now)
        self.backfill_button.clicked.connect(self.backfill_with_dialog)
        self.empty_backfill_button.clicked.connect(self.backfill_with_dialog)

        self._reload_timer = debounced(self, 250, self.reload)
        self.auto_timer = QTimer(self)
        self.auto_timer.setInterval(AUTO_CAPTURE_CHECK_MS)
        self.auto_timer.timeout.connect(self.check_auto_capture)
        self.auto_timer.start()
        self.auto_first_timer = QTimer(self)
        self.auto_first_timer.setSingleShot(True)
        self.auto_first_timer.setInterval(AUTO_CAPTURE_FIRST_DELAY_MS)
        self.auto_first_timer.timeout.connect(self.check_auto_capture)
        context.changed.connect(self._changed)
        context.tenant_changed.connect(self._tenant_changed)

        self._sync_controls()
        self.auto_capture_check.blockSignals(True)
        self.auto_capture_check.setChecked(self.auto_capture_enabled())
        self.auto_capture_check.blockSignals(False)
        self._show_empty_hint()
        self._show_page(self.empty_page)
        self.hover_label.setText("Hover over a chart to read the values of a day.")

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
        if data.bounds is None:
            self.series = TrendSeries()
            for chart in self.charts.values():
                chart.set_series(self.series)
            self._show_page(self.empty_page)
            self.loaded.emit()
            return
        self._show_page(self.content)
        self.series = to_series(data.buckets)
        for chart in self.charts.values():
            chart.set_series(self.series)
        # the x range is the chosen range, even where it has no snapshot
        self.set_x_range(_x(data.start), _x(data.end))
        for line in self.crosshairs.values():
            line.hide()
        for tile, figure in zip(self.tiles, tile_figures(data.current, data.previous), strict=True):
            tile.show_figure(figure)
        self._sync_controls()
        count = len(data.buckets)
        unit = {"day": "day", "week": "week", "month": "month"}[data.granularity]
        text = (f"{format_day(data.start)} – {format_day(data.end)}  ·  "
                f"{count} point{'s' if count != 1 else ''} (last snapshot per {unit})")
        if not count:
            text = (f"No snapshot between {format_day(data.start)} and {format_day(data.end)}; "
                    f"snapshots run from {format_day(data.bounds[0])} to "
                    f"{format_day(data.bounds[1])}.")
        self.range_label.setText(text)
        self.hover_label.setText("Hover over a chart to read the values of a day.")
        self.loaded.emit()

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
        self._auto_checked = None
        self.reload()
        self.auto_first_timer.start()

    def _show_empty_hint(self) -> None:
        slug = self.context.tenant.slug if self.context.tenant is not None else "SLUG"
        self.cli_label.setText(
            f"auditdesk snapshot capture --tenant {slug}\n"
            f"auditdesk snapshot backfill --from 2025-01-01 --tenant {slug}"
        )

    # -- range and granularity ------------------------------------------------------------------
    def set_range(self, preset: str, custom: tuple[date, date] | None = None) -> None:
        """Show a preset ("30d", "90d", "1y", "all") or ``CUSTOM`` with ``custom`` dates."""
        if preset == CUSTOM:
            if custom is None:
                custom = (self.from_edit.date().toPython(), self.to_edit.date().toPython())
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

    def _custom_edited(self, _qdate: QDate) -> None:
        self.set_range(CUSTOM, (self.from_edit.date().toPython(), self.to_edit.date().toPython()))

    def _sync_controls(self) -> None:
        for key, button in self.range_buttons.items():
            button.setChecked(key == self._preset)
        if self._preset == CUSTOM:
            self.range_group.setExclusive(False)
            for button in self.range_buttons.values():
                button.setChecked(False)
            self.range_group.setExclusive(True)
        shown: tuple[date, date] | None = None
        if self.data is not None:
            shown = (self.data.start, self.data.end)
        elif self._custom is not None:
            shown = self._custom
        if shown is not None:
            for edit, day in zip((self.from_edit, self.to_edit), shown, strict=True):
                edit.blockSignals(True)
                edit.setDate(QDate(day))
                edit.blockSignals(False)
        self.granularity_combo.blockSignals(True)
        self.granularity_combo.setCurrentIndex(
            max(self.granularity_combo.findData(self._granularity), 0)
        )
        self.granularity_combo.blockSignals(False)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show the dates x0..x1 (epoch seconds) on the three charts."""
        if x1 - x0 < 2 * 86_400:
            x0, x1 = x0 - 86_400, x1 + 86_400
        self._syncing_x = True
        try:
            for chart in self.charts.values():
                chart.setXRange(x0, x1, padding=0.02)
        finally:
            self._syncing_x = False

    def _x_range_changed(self, box: Any, x_range: Any) -> None:
        if self._syncing_x:
            return
        self._syncing_x = True
        try:
            for chart in self.charts.values():
                if chart.getPlotItem().vb is not box:
                    chart.setXRange(float(x_range[0]), float(x_range[1]), padding=0)
        finally:
            self._syncing_x = False

    # -- hover ----------------------------------------------------------------------------------
    def _mouse_moved(self, chart: TrendChart, event: tuple) -> None:
        position = event[0]
        box = chart.getPlotItem().vb
        if not box.sceneBoundingRect().contains(position):
            return
        self.show_values_at(box.mapSceneToView(position).x())

    def show_values_at(self, x: float) -> str:
        """Move the crosshair to the snapshot nearest to ``x`` and show its values."""
        i = self.series.index_near(x)
        if i is None:
            return ""
        day = self.series.dates[i]
        values: dict[str, float] = {}
        for chart in self.charts.values():
            found = chart.values_at(x)
            if found is not None:
                values.update(found[1])
        for line in self.crosshairs.values():
            line.setPos(float(self.series.x[i]))
            line.show()
        text = hover_text(day, values)
        self.hover_label.setText(text)
        return text

    # -- capture and backfill -----------------------------------------------------------------------
    def _begin(self, operation: str, text: str, maximum: int = 0) -> bool:
        if self._operation is not None or not self._ready():
            return False
        self._operation = operation
        self.busy_label.setText(text)
        self.progress.setRange(0, maximum)
        self.progress.setValue(0)
        self.progress.show()
        for button in (self.capture_button, self.backfill_button,
                       self.empty_capture_button, self.empty_backfill_button):
            button.setEnabled(False)
        return True

    def _end(self, ok: bool, message: str) -> None:
        self._operation = None
        self.progress.hide()
        self.busy_label.setText("" if ok else message)
        for button in (self.capture_button, self.backfill_button,
                       self.empty_capture_button, self.empty_backfill_button):
            button.setEnabled(True)
        self.context.status_message.emit(message)
        self.operation_finished.emit(ok, message)

    @property
    def busy(self) -> bool:
        return self._operation is not None

    def capture_now(self) -> bool:
        """Capture today's snapshot of the current tenant (worker; busy indicator).
        Returns False when nothing was started (no tenant, or another run is busy)."""
        if not self._begin("capture", "Capturing today's snapshot…"):
            return False
        tenant_id = self.context.tenant_id

        def job(session):
            from auditdesk.services.snapshots import capture

            return capture(session, tenant_id=tenant_id)

        def done(snapshots: list[Snapshot]) -> None:
            when = format_day(snapshots[0].snapshot_date) if snapshots else "today"
            self._auto_checked = (tenant_id, snapshots[0].snapshot_date) if snapshots else None
            self._end(True, f"Captured the snapshot of {when}.")

        def failed(error: BaseException) -> None:
            self._end(False, f"Capture failed: {user_message(error)}")

        self.context.worker.submit(job, done, failed, owner=self)
        return True

    def backfill(self, start: date, end: date, *, overwrite: bool = False) -> bool:
        """Rebuild the days ``start``..``end`` from the audit trail, a quarter at a time
        (one worker job each) so that the progress bar moves. Returns False when nothing
        was started."""
        if start > end:
            start, end = end, start
        total = (end - start).days + 1
        if not self._begin("backfill", f"Backfilling {total} day{'s' if total != 1 else ''}…", total):
            return False
        tenant_id = self.context.tenant_id
        written = [0, 0]  # rows written, captured days kept

        def run(chunk_start: date) -> None:
            chunk_end = min(chunk_start + timedelta(days=BACKFILL_CHUNK_DAYS - 1), end)

            def job(session):
                from auditdesk.services.snapshots import backfill

                return backfill(session, chunk_start, chunk_end, tenant_id=tenant_id,
                                overwrite=overwrite)

            def done(result: Any) -> None:
                written[0] += result.written
                written[1] += result.kept_captured
                self.progress.setValue((chunk_end - start).days + 1)
                if chunk_end < end:
                    run(chunk_end + timedelta(days=1))
                    return
                kept = f"; kept {written[1]} captured day(s)" if written[1] else ""
                self._end(True, f"Backfilled {format_day(start)} – {format_day(end)}: "
                                f"{written[0]} day(s) written{kept}.")

            def failed(error: BaseException) -> None:
                self._end(False, f"Backfill failed: {user_message(error)}")

            self.context.worker.submit(job, done, failed, owner=self)

        run(start)
        return True

    def backfill_with_dialog(self) -> None:
        """Ask for the dates and backfill them (the *Backfill…* buttons and menu action)."""
        if not self._ready():
            return
        today = self.data.today if self.data is not None else datetime.now(UTC).date()
        first = None
        if self.data is not None and self.data.bounds is not None:
            first = self.data.bounds[0] - timedelta(days=365)
        dialog = BackfillDialog(today, first, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            start, end = dialog.dates()
            self.backfill(start, end, overwrite=dialog.overwrite.isChecked())

    # -- automatic capture ----------------------------------------------------------------------
    def _global_settings(self) -> QSettings:
        return self._settings if self._settings is not None else QSettings()

    def auto_capture_enabled(self) -> bool:
        return _as_bool(_read_global(self._global_settings(), AUTO_CAPTURE_KEY, True))

    def set_auto_capture(self, enabled: bool) -> None:
        """Turn the daily automatic capture on or off (stored in QSettings)."""
        _write_global(self._global_settings(), AUTO_CAPTURE_KEY, bool(enabled))
        if self.auto_capture_check.isChecked() != bool(enabled):
            self.auto_capture_check.blockSignals(True)
            self.auto_capture_check.setChecked(bool(enabled))
            self.auto_capture_check.blockSignals(False)
        if enabled:
            self.check_auto_capture()

    def check_auto_capture(self) -> bool:
        """Capture today's snapshot when it is missing, once a day (timer and tenant change).
        Returns True when a check was started."""
        if not self._ready() or not self.auto_capture_enabled():
            return False
        tenant_id = self.context.tenant_id
        today = datetime.now(UTC).date()
        if self._auto_checked == (tenant_id, today) or self._operation is not None:
            return False
        self._auto_checked = (tenant_id, today)

        def job(session):
            from auditdesk.services.snapshots import capture_today_if_missing

            return capture_today_if_missing(session, tenant_id=tenant_id)

        def done(captured: list[Snapshot]) -> None:
            if captured:
                self.context.status_message.emit(
                    f"Captured today's snapshot ({format_day(captured[0].snapshot_date)}) automatically."
                )
            self.operation_finished.emit(True, "auto-capture")

        def failed(error: BaseException) -> None:
            self._auto_checked = None  # try again at the next tick
            self.context.show_error(error)
            self.operation_finished.emit(False, f"auto-capture: {user_message(error)}")

        self.context.worker.submit(job, done, failed, owner=self)
        return True

    # -- export ---------------------------------------------------------------------------------
    def export_png(self, what: str, path: str | Path) -> Path:
        """Save a chart ("severity", "compliance", "overdue") or the whole dashboard
        ("dashboard") as a PNG."""
        widget = self.content if what == "dashboard" else self.charts[what]
        pixmap = widget.grab()
        target = Path(path)
        if target.suffix.lower() != ".png":
            target = target.with_suffix(".png")
        if not pixmap.save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        return target

    def export_with_dialog(self, what: str) -> None:
        suggested = f"auditdesk-{what}-{date.today().isoformat()}.png"
        path, _filter = QFileDialog.getSaveFileName(self, "Export PNG", suggested, "PNG image (*.png)")
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
        self._settings = settings
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
        self.auto_capture_check.blockSignals(True)
        self.auto_capture_check.setChecked(self.auto_capture_enabled())
        self.auto_capture_check.blockSignals(False)


# --- helpers --------------------------------------------------------------------------------

def _x(day: date) -> float:
    from auditdesk.ui.charts import day_to_x

    return day_to_x(day)


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off", "")
    return bool(value)


def _with_top_level(settings: QSettings, action: Callable[[QSettings], Any]) -> Any:
    """Run ``action`` with no settings group active (the main window hands views their
    own group), then re-enter the groups."""
    groups: list[str] = []
    while settings.group():
        full = settings.group()
        settings.endGroup()
        parent = settings.group()
        groups.append(full[len(parent) + 1:] if parent else full)
    try:
        return action(settings)
    finally:
        for group in reversed(groups):
            settings.beginGroup(group)


def _read_global(settings: QSettings, key: str, default: object) -> object:
    return _with_top_level(settings, lambda s: s.value(key, default))


def _write_global(settings: QSettings, key: str, value: object) -> None:
    _with_top_level(settings, lambda s: s.setValue(key, value))
