"""The main window: navigation between the views, menus, the tenant switcher, the status
bar, the error banner, and the life cycle of the open database.

Opening a database (starting the embedded server, migrating) and every query run off
the GUI thread; errors appear in a banner and the window keeps working. Window
geometry, splitter positions, each view's columns and the last view are kept in
QSettings.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from auditdesk import __version__
from auditdesk.config import DatabaseSource
from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.records import Tenant, User
from auditdesk.services.errors import is_connection_error, user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.widgets import EmptyState, ErrorBanner

log = logging.getLogger(__name__)


class _OpeningProgress(QObject):
    """Lives in the GUI thread; the opening job's announcements arrive queued."""

    message = Signal(str)


@dataclass(frozen=True)
class ViewSpec:
    name: str
    module: str
    cls: str
    title: str


VIEWS = (
    ViewSpec("my_engagements", "auditdesk.ui.views.my_engagements", "MyEngagementsView", "My engagements"),
    ViewSpec("engagements", "auditdesk.ui.views.engagements", "EngagementsView", "Engagements"),
    ViewSpec("observations", "auditdesk.ui.views.observations", "ObservationsView", "Observations"),
    ViewSpec("lineage", "auditdesk.ui.views.lineage", "LineageView", "Lineage"),
    ViewSpec("dashboard", "auditdesk.ui.views.dashboard", "DashboardView", "Dashboard"),
    ViewSpec("audit_trail", "auditdesk.ui.views.audit_trail", "AuditTrailView", "Audit trail"),
)


class PlaceholderView(QWidget):
    """Stands in for a view whose module is not there yet (or failed to build)."""

    def __init__(self, title: str, reason: str, parent=None):
        super().__init__(parent)
        self.title = title
        layout = QVBoxLayout(self)
        self.label = EmptyState(f"{title}\n\n{reason}", self)
        layout.addWidget(self.label)

    def reload(self) -> None:
        pass

    def has_data(self) -> bool:
        return False

    def navigate(self, payload: dict) -> None:
        pass

    def save_state(self, settings: QSettings) -> None:
        pass

    def restore_state(self, settings: QSettings) -> None:
        pass


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
        preferred_tenant: str | None = None,
        embedded_workspace: Path | None = None,
        profile_path: Path | None = None,
    ):
        super().__init__()
        self.context = context
        self.settings = settings if settings is not None else QSettings()
        self.demo_policy = demo_policy
        self.preferred_tenant = preferred_tenant
        self.embedded_workspace = embedded_workspace
        self.profile_path = profile_path
        self.source: DatabaseSource | None = None
        self._opening_progress = _OpeningProgress(self)
        self._opening = False
        self._abandon_opening = threading.Event()
        self.demo_progress: QProgressDialog | None = None
        # While the connection is lost, probe the server now and then; recover on success.
        self.recovery_timer = QTimer(self)
        self.recovery_timer.setInterval(5_000)
        self.recovery_timer.timeout.connect(self._probe_connection)
        self._probing = False
        self.setWindowTitle("AuditDesk")
        self.setObjectName("mainWindow")

        self._build_views()
        self._build_central()
        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()

        context.worker.busy_changed.connect(self._set_busy)
        context.error_raised.connect(self._job_failed)
        context.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        context.navigate.connect(self.navigate)
        context.database_changed.connect(lambda _db: self._update_status())
        self._opening_progress.message.connect(self._show_opening_progress)

        self._resolve_shortcut_conflicts()
        self.restore_settings()
        self._update_status()

    # ------------------------------------------------------------------------------------
    # building
    def _build_views(self) -> None:
        self.views: dict[str, QWidget] = {}
        for spec in VIEWS:
            self.views[spec.name] = self._make_view(spec)

    def _make_view(self, spec: ViewSpec) -> QWidget:
        try:
            module = importlib.import_module(spec.module)
            cls = getattr(module, spec.cls)
        except ModuleNotFoundError as error:
            if error.name != spec.module:
                log.exception("view %s could not be imported", spec.name)
            return PlaceholderView(spec.title, "This view is not available in this build yet.")
        except Exception as error:  # noqa: BLE001 - one broken view must not stop the app
            log.exception("view %s could not be imported", spec.name)
            return PlaceholderView(spec.title, f"This view failed to load: {error}")
        try:
            view = cls(self.context)
        except Exception as error:  # noqa: BLE001
            log.exception("view %s could not be built", spec.name)
            return PlaceholderView(spec.title, f"This view failed to open: {error}")
        view.setObjectName(f"view_{spec.name}")
        return view

    def _build_central(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.retry)
        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setMinimumWidth(150)
        self.stack = QStackedWidget(self)
        for number, spec in enumerate(VIEWS, start=1):
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setToolTip(f"{spec.title} (Ctrl+{number})")
            self.navigation.addItem(item)
            self.stack.addWidget(self.views[spec.name])
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
        banner_holder = QWidget(central)
        banner_layout = QVBoxLayout(banner_holder)
        banner_layout.setContentsMargins(8, 6, 8, 0)
        banner_layout.addWidget(self.banner)
        self.banner_holder = banner_holder
        banner_holder.hide()
        self.banner.dismissed.connect(banner_holder.hide)
        layout.addWidget(banner_holder)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.navigation.setCurrentRow(0)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar_refresh = self.toolbar.addAction(
            self.style().standardIcon(self.style().StandardPixmap.SP_BrowserReload), "Refresh"
        )
        self.toolbar_refresh.setToolTip("Reload the current view (F5)")
        self.toolbar_refresh.triggered.connect(self.refresh)
        self.toolbar.addSeparator()
        self.tenant_label = QLabel("Tenant:", self)
        self.tenant_combo = QComboBox(self)
        self.tenant_combo.setObjectName("tenantSwitcher")
        self.tenant_combo.setMinimumWidth(200)
        self.tenant_combo.activated.connect(self._tenant_chosen)
        self.tenant_label_action = self.toolbar.addWidget(self.tenant_label)
        self.tenant_combo_action = self.toolbar.addWidget(self.tenant_combo)
        self.tenant_label_action.setVisible(False)
        self.tenant_combo_action.setVisible(False)

    def _action(self, text: str, slot, shortcut=None, menu=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        if menu is not None:
            menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.connect_action = self._action(
            "&Connect to server…", self.connect_to_server, "Ctrl+Shift+O", file_menu,
            "Open a PostgreSQL server with your own login",
        )
        self.embedded_action = self._action(
            "Use &embedded workspace", self.use_embedded_workspace, None, file_menu,
            "Go back to the private database in your data folder",
        )
        file_menu.addSeparator()
        self.demo_action = self._action("Load &demo data…", self.offer_demo_data, None, file_menu)
        file_menu.addSeparator()
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, file_menu)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))

        edit_menu = bar.addMenu("&Edit")
        self.find_action = self._action("&Find…", self.focus_search, QKeySequence.StandardKey.Find, edit_menu)
        self.new_action = self._action("&New", self.new_item, None, edit_menu)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)

        view_menu = bar.addMenu("&View")
        self.view_actions: dict[str, QAction] = {}
        for number, spec in enumerate(VIEWS, start=1):
            self.view_actions[spec.name] = self._action(
                spec.title, lambda _checked=False, n=spec.name: self.show_view(n),
                f"Ctrl+{number}", view_menu,
            )
        view_menu.addSeparator()
        self.refresh_action = self._action("&Refresh", self.refresh, QKeySequence.StandardKey.Refresh, view_menu)
        self.refresh_action.setShortcut(QKeySequence("F5"))

        tools_menu = bar.addMenu("&Tools")
        self.capture_action = self._action("&Capture snapshot now", self.capture_snapshot, None, tools_menu)
        self.backfill_action = self._action(
            "&Backfill snapshots…", self.backfill_snapshots, None, tools_menu,
            "Rebuild past days' dashboard figures from the audit trail",
        )

        reports_menu = bar.addMenu("&Reports")
        self.board_report_action = self._action(
            "&Board report…", self.open_board_report, None, reports_menu,
            "Repeat findings, remediation status and trends as PDF or Excel",
        )

        help_menu = bar.addMenu("&Help")
        self.about_action = self._action("&About AuditDesk", self.about, None, help_menu)

    def open_board_report(self) -> None:
        if self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return
        from auditdesk.ui.dialogs.board_report import open_board_report_dialog

        open_board_report_dialog(self.context, self)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.location_label = QLabel("", self)
        self.tenant_status = QLabel("", self)
        self.user_label = QLabel("", self)
        self.schema_label = QLabel("", self)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("busy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(90)
        self.busy.hide()
        for widget in (self.location_label, self.tenant_status, self.user_label, self.schema_label):
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.busy)

    def _resolve_shortcut_conflicts(self) -> None:
        """The window's own keys (F5, Ctrl+N, Ctrl+F, Ctrl+1..6, Ctrl+Q) are handled once, here,
        and delegated to the current view: two active shortcuts with the same key would be
        ambiguous in Qt and neither would fire. A view's own action keeps its menu text and
        still works when the view is used on its own."""
        taken = {
            action.shortcut().toString()
            for action in self.findChildren(QAction)
            if not action.shortcut().isEmpty() and not _inside_views(action, self.views.values())
        }
        for view in self.views.values():
            for action in view.findChildren(QAction):
                if action.shortcut().toString() in taken:
                    action.setShortcut(QKeySequence())
            for shortcut in view.findChildren(QShortcut):
                if shortcut.key().toString() in taken:
                    shortcut.setKey(QKeySequence())

    # ------------------------------------------------------------------------------------
    # views and navigation
    @property
    def current_view_name(self) -> str:
        item = self.navigation.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else VIEWS[0].name

    @property
    def current_view(self) -> QWidget:
        return self.views[self.current_view_name]

    def show_view(self, name: str) -> QWidget:
        for row, spec in enumerate(VIEWS):
            if spec.name == name:
                self.navigation.setCurrentRow(row)
                return self.views[name]
        raise KeyError(name)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(VIEWS):
            self.stack.setCurrentIndex(row)
            view = self.views[VIEWS[row].name]
            self.setWindowTitle(f"{VIEWS[row].title} — AuditDesk")
            if self.context.tenant is not None and not getattr(view, "has_data", lambda: True)():
                view.reload()

    def navigate(self, name: str, payload: object = None) -> None:
        payload = dict(payload or {})
        if name == "editor":
            observations = self.views.get("observations")
            opener = getattr(observations, "open_editor_for", None)
            if opener is not None and payload.get("observation_id") is not None:
                opener(payload["observation_id"])
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
        view = self.current_view
        search = getattr(view, "search", None)
        if not isinstance(search, QWidget):  # else the view's first text field
            search = next((e for e in view.findChildren(QLineEdit) if e.isVisible()), None)
        if isinstance(search, QWidget):
            search.setFocus()
            if hasattr(search, "selectAll"):
                search.selectAll()

    def new_item(self) -> None:
        for name in ("new_engagement", "new_observation", "new_item"):
            handler = getattr(self.current_view, name, None)
            if callable(handler):
                handler()
                return

    # ------------------------------------------------------------------------------------
    # database life cycle
    def open_source(self, source: DatabaseSource) -> None:
        """Open ``source`` off the GUI thread; the current database stays until it opened."""
        self.source = source
        self._opening = True
        where = source.url and _mask(source.url) or f"embedded workspace {source.workspace}"
        self.show_banner(f"Opening {where}…", "info", retry=False)
        self._set_busy(True)
        self._abandon_opening.clear()
        announce, abandoned = self._opening_progress.message.emit, self._abandon_opening

        def open_it():
            from auditdesk.db.connection import open_database

            database = open_database(source, migrate=True, announce=announce)
            if abandoned.is_set():  # the window closed its database while this one opened
                database.close()
                return None
            return database

        self.context.worker.run(
            open_it, self._database_opened, self._database_open_failed, owner=self.context,
            key="main:open",
        )

    def _show_opening_progress(self, message: str) -> None:
        self.show_banner(message, "info", retry=False)

    def _database_opened(self, database) -> None:
        self._opening = False
        self._set_busy(self.context.worker.busy)
        if database is None:
            return
        previous = self.context.database
        self.context.set_tenant(None)
        self.context.set_database(database)
        if previous is not None and previous is not database:
            # closed off the GUI thread once the jobs still running on it have answered
            self.context.worker.retire(previous.close)
        self.hide_banner()
        self._update_status()
        self.load_tenants()

    def _database_open_failed(self, error: BaseException) -> None:
        self._opening = False
        self._set_busy(self.context.worker.busy)
        self.show_banner(f"Could not open the database: {user_message(error)}", "error")
        self._update_status()
        self.database_failed.emit(error)

    def load_tenants(self) -> None:
        if self.context.database is None:
            return

        def job(session):
            from auditdesk.data.tenants import list_tenants, user_for_login

            return list_tenants(session), user_for_login(session)

        self.context.worker.submit(job, self._tenants_loaded, key="main:tenants", owner=self)

    def _tenants_loaded(self, result: tuple[list[Tenant], User | None]) -> None:
        tenants, user = result
        self.context.tenants = list(tenants)
        self._login_user = user
        self.tenant_combo.blockSignals(True)
        self.tenant_combo.clear()
        for tenant in tenants:
            self.tenant_combo.addItem(tenant.name, tenant.id)
        self.tenant_combo.blockSignals(False)
        several = len(tenants) > 1
        self.tenant_label_action.setVisible(several)
        self.tenant_combo_action.setVisible(several)
        if not tenants:
            self.context.set_tenant(None)
            self._update_status()
            self.reload_all()  # clears what an earlier database showed
            self._no_tenants()
            return
        chosen = self._choose_tenant(tenants, user)
        self.select_tenant(chosen)
        self.ready.emit()

    def _choose_tenant(self, tenants: list[Tenant], user: User | None) -> Tenant:
        by_slug = {t.slug: t for t in tenants}
        if self.preferred_tenant and self.preferred_tenant in by_slug:
            return by_slug[self.preferred_tenant]
        if self.preferred_tenant:
            self.show_banner(
                f"No tenant '{self.preferred_tenant}' here; showing {tenants[0].name}.", "warning",
                retry=False,
            )
        remembered = self.settings.value("tenant")
        if remembered in by_slug:
            return by_slug[remembered]
        if user is not None:
            for tenant in tenants:
                if tenant.id == user.tenant_id:
                    return tenant
        return tenants[0]

    def select_tenant(self, tenant: Tenant) -> None:
        user = getattr(self, "_login_user", None)
        self.context.set_tenant(tenant, user)
        index = self.tenant_combo.findData(tenant.id)
        if index >= 0:
            self.tenant_combo.setCurrentIndex(index)
        self.settings.setValue("tenant", tenant.slug)
        self._update_status()
        self.reload_all()

    def _tenant_chosen(self, index: int) -> None:
        tenant_id = self.tenant_combo.itemData(index)
        for tenant in self.context.tenants:
            if tenant.id == tenant_id and (self.context.tenant is None or tenant.id != self.context.tenant.id):
                self.select_tenant(tenant)

    def _no_tenants(self) -> None:
        database = self.context.database
        embedded = database is not None and database.embedded_server is not None
        if self.demo_policy == "auto":
            self.load_demo_data()
        elif embedded and self.demo_policy == "ask":
            self.offer_demo_data(first_launch=True)
        else:
            self.show_banner(
                "This database has no tenant yet. Load demo data from the File menu, or ask "
                "an administrator to create your tenant.",
                "warning",
                retry=True,
            )

    def offer_demo_data(self, _checked: bool = False, *, first_launch: bool = False) -> None:
        if self.context.database is None:
            return
        text = (
            "This workspace is empty. Load demo data (two tenants of engagements and findings "
            "with repeat lineage) to look around?"
            if first_launch
            else "Load the demo tenants into this database?"
        )
        box = QMessageBox(QMessageBox.Icon.Question, "Demo data", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("demoQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.demo_question = box

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.load_demo_data()
            elif not self.context.tenants:
                self.show_banner("This workspace is empty. Load demo data from the File menu.",
                                 "warning", retry=False)

        box.finished.connect(answered)
        box.open()

    def load_demo_data(self, observations: int | None = None) -> None:
        dialog = QProgressDialog("Loading demo data…", "", 0, 0, self)
        dialog.setCancelButton(None)
        dialog.setWindowTitle("Demo data")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.show()
        self.demo_progress = dialog

        def job(session):
            from auditdesk.services.demo import load_demo

            return load_demo(session, observations)

        def finished() -> None:
            dialog.close()
            self.demo_progress = None

        def done(summary) -> None:
            finished()
            self.context.status_message.emit(
                f"Loaded demo data: {summary.engagements} engagements, "
                f"{summary.observations} observations."
            )
            self.context.announce(Changes.tables(Table.TENANT))
            self.load_tenants()

        def failed(error: BaseException) -> None:
            finished()
            from auditdesk.services.demo import DemoDataExists

            if isinstance(error, DemoDataExists):
                self.hide_banner()
                box = QMessageBox(QMessageBox.Icon.Information, "Demo data", str(error),
                                  QMessageBox.StandardButton.Ok, self)
                self.demo_notice = box
                box.open()

        self.context.worker.submit(job, done, failed, owner=self)

    def connect_to_server(self) -> None:
        from auditdesk.ui.dialogs.connection import ConnectionDialog

        dialog = ConnectionDialog(self, profile_path=self.profile_path, runner=self.context.worker)
        if self.source is not None and self.source.url:
            dialog.set_url(self.source.url)
        self.connection_dialog = dialog
        if dialog.exec() != ConnectionDialog.DialogCode.Accepted:
            return
        if dialog.use_embedded:
            self.use_embedded_workspace()
            return
        self.open_source(DatabaseSource(dialog.url(), None, "option"))
        if dialog.profile_error:
            self.context.status_message.emit(dialog.profile_error)

    def use_embedded_workspace(self) -> None:
        from auditdesk.config import write_profile
        from auditdesk.paths import default_workspace

        if self.profile_path is not None or self.embedded_workspace is None:
            try:
                write_profile(None, self.profile_path)
            except OSError as error:
                self.show_banner(f"Could not update the saved profile: {user_message(error)}", "warning", retry=False)
        workspace = self.embedded_workspace or default_workspace()
        self.open_source(DatabaseSource(None, workspace, "embedded"))

    def capture_snapshot(self) -> None:
        """Capture today's snapshot through the dashboard, which shows progress and the result."""
        if self.context.database is None or self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return
        self.show_view("dashboard")
        dashboard = self.views["dashboard"]
        if hasattr(dashboard, "capture_now"):
            dashboard.capture_now()

    def backfill_snapshots(self) -> None:
        if self.context.database is None or self.context.tenant is None:
            self.show_banner("Open a database and choose a tenant first.", "info", retry=False)
            return
        self.show_view("dashboard")
        dashboard = self.views["dashboard"]
        if hasattr(dashboard, "backfill_with_dialog"):
            dashboard.backfill_with_dialog()

    def retry(self) -> None:
        self.recovery_timer.stop()
        self.hide_banner()
        if self._opening:
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
        self._abandon_opening.set()
        database = self.context.database
        if database is not None:
            self.context.set_database(None)
            database.close()

    # ------------------------------------------------------------------------------------
    # banner, busy indicator, status bar
    def show_banner(self, text: str, level: str = "error", *, retry: bool = True) -> None:
        self.banner.show_message(text, level, retry=retry)
        self.banner_holder.show()

    def hide_banner(self) -> None:
        self.banner.hide()
        self.banner_holder.hide()

    def _job_failed(self, error: BaseException) -> None:
        """The one display of errors no view or dialog explains itself."""
        if is_connection_error(error):
            self.show_banner(
                user_message(error) + " — retrying every few seconds; your edits are kept.",
                "error",
            )
            if not self.recovery_timer.isActive():
                self.recovery_timer.start()
            return
        self.show_banner(user_message(error), "error")

    def _probe_connection(self) -> None:
        """Ask the server for its version; when it answers, hide the banner and reload."""
        if self.context.database is None or self._probing:
            self.recovery_timer.stop()
            return

        def job(session):
            from auditdesk.db.engine import check_connection

            return check_connection(session.get_bind())

        def answered(_version) -> None:
            self._probing = False
            self.recovery_timer.stop()
            self.retry()
            self.context.status_message.emit("Connection to the database restored.")

        def still_down(_error) -> None:
            self._probing = False

        self._probing = True
        self.context.worker.submit(job, answered, still_down, key="main:probe", owner=self)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(bool(busy or self._opening or self.context.worker.busy))

    def _update_status(self) -> None:
        database = self.context.database
        if database is None:
            self.location_label.setText("Not connected")
            self.schema_label.setText("")
            self.user_label.setText("")
            self.tenant_status.setText("")
            return
        self.location_label.setText(database.location)
        self.location_label.setToolTip(database.masked_url)
        revision = database.schema.current or "empty"
        self.schema_label.setText(f"Schema {revision}")
        tenant = self.context.tenant
        self.tenant_status.setText(f"Tenant: {tenant.name}" if tenant else "No tenant")
        user = self.context.user
        if user is not None:
            self.user_label.setText(f"Signed in: {user.display_name} ({user.role.value})")
        elif database.embedded_server is not None:
            self.user_label.setText("Workspace owner")
        else:
            login = _login(database.url)
            self.user_label.setText(f"Login {login} (no application user)" if login else "")

    # ------------------------------------------------------------------------------------
    # settings
    def restore_settings(self) -> None:
        settings = self.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1280, 800)
        state = settings.value("window/state")
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(QByteArray(state))
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray | bytes) and splitter:
            self.splitter.restoreState(QByteArray(splitter))
        for spec in VIEWS:
            settings.beginGroup(f"views/{spec.name}")
            try:
                self.views[spec.name].restore_state(settings)
            except Exception:  # noqa: BLE001 - a bad saved state must not stop the app
                log.exception("could not restore the state of %s", spec.name)
            settings.endGroup()
        last = settings.value("window/last_view")
        if last in self.views:
            self.show_view(last)

    def save_settings(self) -> None:
        settings = self.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/last_view", self.current_view_name)
        for spec in VIEWS:
            settings.beginGroup(f"views/{spec.name}")
            try:
                self.views[spec.name].save_state(settings)
            except Exception:  # noqa: BLE001
                log.exception("could not save the state of %s", spec.name)
            settings.endGroup()
        if self.context.tenant is not None:
            settings.setValue("tenant", self.context.tenant.slug)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_settings()
        super().closeEvent(event)

    def about(self) -> None:
        database = self.context.database
        where = database.location if database else "not connected"
        QMessageBox.about(
            self,
            "About AuditDesk",
            f"<b>AuditDesk {__version__}</b><br>Engagements, findings, repeat lineage and trends "
            f"for internal audit.<br><br>Data: {where}",
        )


def _inside_views(obj, views) -> bool:
    parent = obj.parent()
    while parent is not None:
        if any(parent is view for view in views):
            return True
        parent = parent.parent()
    return False


def _mask(url: str) -> str:
    from auditdesk.db.engine import masked

    try:
        return masked(url)
    except Exception:  # noqa: BLE001
        return "the server"


def _login(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).username
    except Exception:  # noqa: BLE001
        return None
