"""The main window: navigation between the views and the life cycle of the open database.

The window knows its views only through the ``View`` protocol (``ui/views/base.py``).
Its menus, error banner, status bar, tenant switcher, demo-data offer and settings live
in ``ui/window/``. Opening a database (starting the embedded server, migrating) and
every query run off the GUI thread (docs/architecture.md, "Threading rule").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from auditdesk.config import DatabaseSource
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.views.audit_trail import AuditTrailView
from auditdesk.ui.views.base import View
from auditdesk.ui.views.dashboard import DashboardView
from auditdesk.ui.views.engagements import EngagementsView
from auditdesk.ui.views.lineage import LineageView
from auditdesk.ui.views.my_engagements import MyEngagementsView
from auditdesk.ui.views.observations import ObservationsView
from auditdesk.ui.views.review_queue import ReviewQueueView
from auditdesk.ui.window import menus, permissions, sources
from auditdesk.ui.window.banner import BannerArea
from auditdesk.ui.window.demo import DemoOffer
from auditdesk.ui.window.opening import DatabaseOpening, masked
from auditdesk.ui.window.person import WorkspacePersonFlow
from auditdesk.ui.window.settings import restore_window, save_window
from auditdesk.ui.window.status import StatusLabels
from auditdesk.ui.window.tenants import TenantSwitcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ViewSpec:
    name: str
    make: Callable[[AppContext], QWidget]
    title: str


VIEWS = (
    ViewSpec("my_engagements", MyEngagementsView, MyEngagementsView.title),
    ViewSpec("engagements", EngagementsView, EngagementsView.title),
    ViewSpec("observations", ObservationsView, ObservationsView.title),
    ViewSpec("lineage", LineageView, LineageView.title),
    ViewSpec("dashboard", DashboardView, DashboardView.title),
    ViewSpec("audit_trail", AuditTrailView, AuditTrailView.title),
    ViewSpec("review_queue", ReviewQueueView, ReviewQueueView.title),
)


class MainWindow(QMainWindow):
    """``ready`` fires once a tenant is selected and the views were asked to load."""

    ready = Signal()
    database_failed = Signal(object)

    def __init__(
        self,
        context: AppContext,
        settings: QSettings | None = None,
        *,
        demo_policy: str = "ask",  # "ask", "auto" or "never"
        person_policy: str = "ask",  # who works in an embedded workspace: "ask", "auto", "never"
        preferred_tenant: str | None = None,
        embedded_workspace: Path | None = None,
        profile_path: Path | None = None,
    ):
        super().__init__()
        self.context = context
        self.settings = settings if settings is not None else QSettings()
        self.demo_policy = demo_policy
        self.embedded_workspace = embedded_workspace
        self.profile_path = profile_path
        self.source: DatabaseSource | None = None
        self.specs = VIEWS
        self.opening = DatabaseOpening(context, self)
        self.setWindowTitle("AuditDesk")
        self.setObjectName("mainWindow")

        self.views: dict[str, View] = {}
        for spec in self.specs:
            view = spec.make(context)
            view.setObjectName(f"view_{spec.name}")
            self.views[spec.name] = cast(View, view)
        self._build_central()
        self.toolbar = menus.install_toolbar(self)
        self.tenant_switcher = TenantSwitcher(context, self.settings, self.toolbar, self._warn,
                                              preferred_tenant)
        self.tenant_combo = self.tenant_switcher.combo
        self.tenant_combo_action = self.tenant_switcher.combo_action
        menus.install_menus(self, self.specs)
        self.status = StatusLabels(context, self.statusBar())
        self.location_label, self.tenant_status = self.status.location_label, self.status.tenant_status
        self.user_label, self.schema_label = self.status.user_label, self.status.schema_label
        self.busy = self.status.busy
        self.demo = DemoOffer(context, self)
        self.person = WorkspacePersonFlow(context, self, person_policy)

        context.worker.busy_changed.connect(self._set_busy)
        context.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        context.navigate.connect(self.navigate)
        context.database_changed.connect(lambda _db: self.status.update())
        self.opening.progress.connect(lambda text: self.show_banner(text, "info", retry=False))
        self.opening.opened.connect(self._database_opened)
        self.opening.failed.connect(self._database_open_failed)
        self.tenant_switcher.chosen.connect(self._tenant_chosen)
        self.tenant_switcher.loaded.connect(self.ready)
        self.tenant_switcher.none_found.connect(self._no_tenants)
        self.demo.loaded.connect(self.load_tenants)
        self.person.settled.connect(self.load_tenants)
        context.user_changed.connect(lambda _user: self._user_changed())
        self.demo.declined.connect(
            lambda: self._warn("This workspace is empty. Load demo data from the File menu.")
        )
        self.demo.explained.connect(self.hide_banner)

        menus.resolve_shortcut_conflicts(self, [cast(QWidget, v) for v in self.views.values()])
        restore_window(self, self.settings)
        self.status.update()

    def _build_central(self) -> None:
        self.banner_area = BannerArea(self.context, self.retry, self)
        self.banner, self.recovery_timer = self.banner_area.banner, self.banner_area.recovery_timer
        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setMinimumWidth(150)
        self.stack = QStackedWidget(self)
        for number, spec in enumerate(self.specs, start=1):
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setToolTip(f"{spec.title} (Ctrl+{number})")
            self.navigation.addItem(item)
            self.stack.addWidget(cast(QWidget, self.views[spec.name]))
        self.navigation.currentRowChanged.connect(self._row_changed)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([170, 1100])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner_area)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.navigation.setCurrentRow(0)

    # ------------------------------------------------------------------------------------
    # views and navigation
    @property
    def current_view_name(self) -> str:
        item = self.navigation.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else self.specs[0].name

    @property
    def current_view(self) -> View:
        return self.views[self.current_view_name]

    def show_view(self, name: str) -> View:
        for row, spec in enumerate(self.specs):
            if spec.name == name:
                self.navigation.setCurrentRow(row)
                return self.views[name]
        raise KeyError(name)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self.stack.setCurrentIndex(row)
            view = self.views[self.specs[row].name]
            self.setWindowTitle(f"{view.title} — AuditDesk")
            if self.context.tenant is not None and not view.has_data():
                view.reload()

    def navigate(self, name: str, payload: object = None) -> None:
        payload = dict(payload or {})
        if name == "editor":  # the editor opens over whatever view is shown
            if payload.get("observation_id") is not None and "observations" in self.views:
                self.views["observations"].navigate({"edit": payload["observation_id"]})
            return
        if name not in self.views:
            log.warning("unknown view %s", name)
            return
        view = self.show_view(name)
        if payload:
            view.navigate(payload)

    def refresh(self) -> None:
        if self.context.database is None or self.banner.isVisible():
            self.retry()
            return
        self.current_view.reload()

    def reload_all(self) -> None:
        for view in self.views.values():
            view.reload()

    def focus_search(self) -> None:
        self.current_view.focus_search()

    def new_item(self) -> None:
        self.current_view.new_item()

    def _dashboard(self) -> DashboardView | None:
        """The Tools menu acts through the dashboard, which shows progress and the result."""
        if self.context.database is None or self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return None
        view = self.show_view("dashboard")
        return view if isinstance(view, DashboardView) else None

    def capture_snapshot(self) -> None:
        if (dashboard := self._dashboard()) is not None:
            dashboard.capture_now()

    def backfill_snapshots(self) -> None:
        if (dashboard := self._dashboard()) is not None:
            dashboard.backfill_with_dialog()

    def open_users(self) -> None:
        if self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return
        from auditdesk.ui.dialogs.users import UsersDialog

        UsersDialog(self.context, self).exec()

    def open_board_report(self) -> None:
        if self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return
        from auditdesk.ui.dialogs.board_report import open_board_report_dialog

        open_board_report_dialog(self.context, self, self.settings)

    # ------------------------------------------------------------------------------------
    # database life cycle
    def open_source(self, source: DatabaseSource) -> None:
        """Open ``source`` off the GUI thread; the current database stays until it opened."""
        self.source = source
        where = source.url and masked(source.url) or f"embedded workspace {source.workspace}"
        self.show_banner(f"Opening {where}…", "info", retry=False)
        self.opening.open(source)
        self._set_busy(True)

    def _database_opened(self, database) -> None:
        self._set_busy(self.context.worker.busy)
        previous = self.context.database
        self.context.set_tenant(None)
        self.context.set_database(database)
        if previous is not None and previous is not database:
            # closed off the GUI thread once the jobs still running on it have answered
            self.context.worker.retire(previous.close)
        self.hide_banner()
        self.status.update()
        self.person.database_opened(database)  # then the tenants (``settled``)

    def _database_open_failed(self, error: BaseException) -> None:
        self._set_busy(self.context.worker.busy)
        self.show_banner(f"Could not open the database: {user_message(error)}", "error")
        self.status.update()
        self.database_failed.emit(error)

    def load_tenants(self) -> None:
        self.tenant_switcher.load()

    def _user_changed(self) -> None:
        """The workspace's person acts now: their name below, their rights in the menus."""
        self.status.update()
        permissions.apply(self)

    def _tenant_chosen(self, _tenant) -> None:
        self.status.update()
        permissions.apply(self)
        self.reload_all()

    def _no_tenants(self) -> None:
        self.status.update()
        self.reload_all()  # clears what an earlier database showed
        database = self.context.database
        embedded = database is not None and database.embedded_server is not None
        if self.demo_policy == "auto":
            self.load_demo_data()
        elif embedded and self.demo_policy == "ask":
            self.demo.ask(first_launch=True)
        else:
            self.show_banner(
                "This database has no tenant yet. Load demo data from the File menu, or ask "
                "an administrator to create your tenant.",
                "warning",
                retry=True,
            )

    def offer_demo_data(self, _checked: bool = False) -> None:
        self.demo.ask()

    def load_demo_data(self, observations: int | None = None) -> None:
        self.demo.load(observations)

    @property
    def demo_question(self) -> QMessageBox | None:
        return self.demo.question

    @property
    def demo_progress(self) -> QProgressDialog | None:
        return self.demo.progress

    @property
    def demo_notice(self) -> QMessageBox | None:
        return self.demo.notice

    def connect_to_server(self) -> None:
        source = sources.ask_for_server(self, self.context, self.source, self.profile_path,
                                        self._embedded_source)
        if source is not None:
            self.open_source(source)

    def use_embedded_workspace(self) -> None:
        self.open_source(self._embedded_source())

    def _embedded_source(self) -> DatabaseSource:
        return sources.embedded_source(self.profile_path, self.embedded_workspace, self._warn)

    def retry(self) -> None:
        self.recovery_timer.stop()
        self.hide_banner()
        if self.opening.busy:
            return
        if self.context.database is None:
            if self.source is not None:
                self.open_source(self.source)
            return
        if not self.context.tenants or self.context.tenant is None:
            self.load_tenants()
            return
        self.current_view.reload()

    def close_database(self) -> None:
        """Close the database now (stopping the embedded server): at the end, once the event
        loop has stopped. Jobs still running on it fail quietly, their answers dropped; a
        database still opening is closed by its opening job."""
        self.opening.abandon()
        database = self.context.database
        if database is not None:
            self.context.set_database(None)
            database.close()

    # ------------------------------------------------------------------------------------
    # banner, busy indicator, closing
    def show_banner(self, text: str, level: str = "error", *, retry: bool = True) -> None:
        self.banner_area.show_message(text, level, retry=retry)

    def hide_banner(self) -> None:
        self.banner_area.hide_message()

    def _warn(self, text: str) -> None:
        self.show_banner(text, "warning", retry=False)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(bool(busy or self.opening.busy or self.context.worker.busy))

    def save_settings(self) -> None:
        save_window(self, self.settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_settings()
        super().closeEvent(event)

    def about(self) -> None:
        menus.show_about(self, self.context)

