"""The lineage view: browse repeat trees, largest first, or find any observation.

Left: a search box (ref or title) and, when it is empty, the originals that have
repeats ordered by tree size (``services.lineage.roots``). Right: the whole tree of
the chosen finding (``services.lineage.tree``), the chosen finding highlighted, expanded to
and scrolled to. Enter in the search box opens the only match (or moves to the list when
there are several). Double-click opens the editor. A manager may clear or change a
link from the context menu. After a tenant switch nothing of the previous tenant stays on
screen, not even an answer that was on its way.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.changes import Changes, Table
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.queries import ObservationFilter
from auditdesk.domain.records import LineageNode
from auditdesk.services import lineage as lineage_service
from auditdesk.services import observations as observation_service
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.observation_editor import ObservationEditor
from auditdesk.ui.dialogs.repeat_picker import RepeatPicker
from auditdesk.ui.models.lineage import LineageTreeModel
from auditdesk.ui.views._common import (
    TitleColumnFit,
    readable_title_width,
    restore_header,
    restore_splitter,
    text_width,
)
from auditdesk.ui.views.base import focus_field
from auditdesk.ui.views.lineage_map import LineageMapPanel
from auditdesk.ui.widgets import ErrorBanner, debounced

_NO_TREE = "Choose a finding on the left to see how it recurs."


class LineageView(QWidget):
    """Repeat lineage trees for managers."""

    title = "Lineage"
    shows = (Table.OBSERVATION,)
    tree_shown = Signal(int)  # the highlighted observation id
    roots_loaded = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.model = LineageTreeModel(self)
        self.current_id: int | None = None
        self.editor: ObservationEditor | None = None
        self.picker: RepeatPicker | None = None
        self._open_single_match = False  # Enter was pressed: open the only match when listed
        self._listed_text: str | None = None  # the search text the list shows matches for
        self._build()
        context.changed.connect(self._changed)
        context.tenant_changed.connect(lambda _t: self._tenant_changed())

    def _build(self) -> None:
        self.banner = ErrorBanner(self)
        self.banner.retry_requested.connect(self.reload)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find an observation by ref or title…")
        self.search.setClearButtonEnabled(True)
        self.list_heading = QLabel("Largest repeat trees")
        self.list_heading.setStyleSheet(f"color:{theme.MUTED_TEXT}; font-weight:bold;")
        self.list = QListWidget()
        self.list.setObjectName("lineageRoots")
        self.list.setAlternatingRowColors(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list_heading)
        left_layout.addWidget(self.list, 1)

        self.heading = QLabel(_NO_TREE)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.tree = QTreeView()
        self.tree.setObjectName("lineageTree")
        self.tree.setModel(self.model)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.doubleClicked.connect(self._open_index)
        header = self.tree.header()
        header.setSectionsMovable(True)
        for column, width in enumerate((190, 300, 120, 96, 80, 130, 90)):
            self.tree.setColumnWidth(column, width)
        # The title takes what the other columns leave, so status and recurrence stay visible.
        header.setStretchLastSection(False)
        self.tree.setTabKeyNavigation(False)
        self.tree.setIndentation(14)  # deep trees leave room for the title
        # The other columns give way before the title gets narrower than it can be read.
        self.title_fit = TitleColumnFit(
            self.tree, header, 1, readable_title_width(self.tree),
            {2: text_width(self.tree, "ENG-2026-000"), 3: text_width(self.tree, "2026-12-31")},
        )
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.heading)
        # The map first; the indented tree stays as the second tab.
        self.map_panel = LineageMapPanel()
        self.map = self.map_panel.map
        self.map.card_clicked.connect(self.open_editor)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.map_panel, "Map")
        self.tabs.addTab(self.tree, "Tree")
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        self._debounce = debounced(self, 250, self._search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._search_entered)
        self.list.itemActivated.connect(self._list_chosen)
        self.list.itemClicked.connect(self._list_chosen)

    # -- contract ------------------------------------------------------------------------------
    def reload(self) -> None:
        if self._context.tenant is None or self._context.database is None:
            return
        self.banner.hide()
        self._search()
        if self.current_id is not None:
            self.show_tree(self.current_id)

    def has_data(self) -> bool:
        return self.list.count() > 0 and self.model.node_count() > 0

    def navigate(self, payload: dict) -> None:
        if payload.get("observation_id") is not None:
            self.show_tree(int(payload["observation_id"]))

    def focus_search(self) -> None:
        focus_field(self.search, self)

    def new_item(self) -> None:
        """Links are made from a finding (Change link…), not created here."""

    def selected_id(self) -> int | None:
        return self.current_id

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("lineage/header", self.tree.header().saveState())
        settings.setValue("lineage/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        self.map_panel.settings = settings
        restore_header(settings, "lineage/header", self.tree.header())
        restore_splitter(settings, "lineage/splitter", self.splitter)

    def _tenant_changed(self) -> None:
        self.current_id = None
        self._open_single_match = False
        self._listed_text = None
        self._debounce.stop()
        self.search.blockSignals(True)  # its text was meant for the previous tenant
        self.search.clear()
        self.search.blockSignals(False)
        self.list.clear()
        self.list_heading.setText("Largest repeat trees")
        self.heading.setText(_NO_TREE)
        self.model.set_tree(None)
        self.map.set_tree(None)
        self.reload()

    # -- left list -----------------------------------------------------------------------------
    def _search_entered(self) -> None:
        """Enter: the only match opens; with several, the list takes the focus."""
        text = self.search.text().strip()
        if not text:
            return
        if self._debounce.isActive() or self._listed_text != text:
            self._debounce.stop()
            self._open_single_match = True
            self._search()
            return
        self._act_on_matches()

    def _act_on_matches(self) -> None:
        if self.list.count() == 1:
            self._list_chosen(self.list.item(0))
        elif self.list.count() > 1:
            self.list.setCurrentRow(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _search(self) -> None:
        if self._context.tenant is None:
            return
        tenant_id, text = self._context.tenant_id, self.search.text().strip()
        if text:
            def job(session):
                rows = observation_service.list_page(
                    session, tenant_id, ObservationFilter(text=text), limit=100
                )
                return [(r.id, f"{r.ref}  {r.title}", r.recurrence) for r in rows]
            heading = "Matching observations"
        else:
            def job(session):
                return [
                    (r.id, f"{r.ref}  {r.title}", r.tree_size)
                    for r in lineage_service.roots(session, tenant_id, limit=200)
                ]
            heading = "Largest repeat trees"
        self._context.worker.submit(
            job,
            lambda rows: self._show_list(tenant_id, text, heading, rows),
            self._show_error,
            key=f"lineage-list-{id(self)}",
            owner=self,
        )

    def _show_list(self, tenant_id: int, text: str, heading: str, rows) -> None:
        if not self._for_current_tenant(tenant_id):
            return
        searching = bool(text)
        self._listed_text = text
        self.list_heading.setText(heading if rows else f"{heading}: none")
        self.list.clear()
        for observation_id, label, number in rows:
            if searching:
                shown = label + (f"  · repeat {number}" if number else "")
            else:
                shown = f"{number} findings · {label}"
            item = QListWidgetItem(shown)
            item.setData(Qt.ItemDataRole.UserRole, observation_id)
            item.setToolTip(label)
            self.list.addItem(item)
        self.roots_loaded.emit(len(rows))
        if self._open_single_match and searching:
            self._open_single_match = False
            if text == self.search.text().strip():
                self._act_on_matches()
            return
        if not searching and self.current_id is None and rows:
            self.show_tree(rows[0][0])

    def _list_chosen(self, item: QListWidgetItem) -> None:
        self.show_tree(int(item.data(Qt.ItemDataRole.UserRole)))

    # -- the tree ------------------------------------------------------------------------------
    def show_tree(self, observation_id: int) -> None:
        self.current_id = observation_id
        tenant_id = self._context.tenant_id
        self._context.worker.submit(
            lambda s: lineage_service.tree(s, tenant_id, observation_id),
            lambda root: self._show_tree(tenant_id, observation_id, root),
            self._show_error,
            key=f"lineage-tree-{id(self)}",
            owner=self,
        )

    def _for_current_tenant(self, tenant_id: int) -> bool:
        """An answer asked for in another tenant than the one now shown is dropped."""
        return self._context.tenant is not None and self._context.tenant.id == tenant_id

    def _show_tree(self, tenant_id: int, observation_id: int, root: LineageNode) -> None:
        if not self._for_current_tenant(tenant_id):
            return
        self.model.set_tree(root, observation_id)
        self.map.set_tree(root, observation_id)
        chosen = next((n for n in root.walk() if n.id == observation_id), root)
        size = self.model.node_count()
        depth = max(n.depth for n in root.walk())
        self.heading.setText(
            f"{chosen.ref} — {chosen.title}\n"
            f"Tree of {root.ref}: {size} finding{'s' if size != 1 else ''}, "
            f"up to {depth} repeat{'s' if depth != 1 else ''} deep"
        )
        index = self.model.index_of(observation_id)
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.expandAll() if size <= 200 else self.tree.expand(index)
        self._fit_ref_column()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.tree_shown.emit(observation_id)

    def _fit_ref_column(self) -> None:
        """The ref column as wide as its deepest shown ref: indentation, branch and bold text."""
        self.tree.ensurePolished()  # measure in the style sheet's font even while hidden
        self.tree.resizeColumnToContents(0)
        self.title_fit.minimums[0] = self.tree.header().sectionSize(0)  # refs stay whole
        self.title_fit.fit()

    def _show_error(self, error: BaseException) -> None:
        """A refusal of this view's own request shows here; a database failure goes to
        the one error display (which also notices a lost connection)."""
        if isinstance(error, AuditDeskError):
            self.banner.show_message(str(error))
        else:
            self._context.show_error(error)

    def _changed(self, changes: Changes) -> None:
        if not changes.touches(Table.OBSERVATION) or self._context.tenant is None:
            return
        ids = changes.ids(Table.OBSERVATION) or ()
        shown = {n.id for n in self.model.root.walk()} if self.model.root else set()
        if self.current_id is not None and (not ids or shown & set(ids)):
            self.show_tree(self.current_id)
        if not self.search.text().strip():
            self._search()

    # -- actions ------------------------------------------------------------------------------
    def _open_index(self, index: QModelIndex) -> None:
        node = self.model.node_at(index)
        if node is not None:
            self.open_editor(node.id)

    def open_editor(self, observation_id: int) -> ObservationEditor:
        self.editor = ObservationEditor(self._context, observation_id, parent=self)
        self.editor.open()
        return self.editor

    def _context_menu(self, point: QPoint) -> None:
        node = self.model.node_at(self.tree.indexAt(point))
        if node is None:
            return
        menu = QMenu(self)
        menu.addAction("Open in editor", lambda: self.open_editor(node.id))
        menu.addAction(
            "Show in observations",
            lambda: self._context.navigate.emit("observations", {"observation_id": node.id}),
        )
        if self._context.may_manage:
            menu.addSeparator()
            clear = menu.addAction("Clear link", lambda: self.clear_link(node.id))
            clear.setEnabled(node.repeat_of_id is not None)
            menu.addAction("Change link…", lambda: self.change_link(node))
        menu.exec(self.tree.viewport().mapToGlobal(point))

    def clear_link(self, observation_id: int) -> None:
        self._set_link(observation_id, None)

    def change_link(self, node: LineageNode) -> RepeatPicker:
        picker = RepeatPicker(
            self._context, node.id, node.identified_on, later_ref=node.ref, parent=self
        )
        picker.accepted.connect(lambda: self._picked(node.id, picker.chosen))
        self.picker = picker
        picker.open()
        return picker

    def _picked(self, observation_id: int, chosen) -> None:
        if isinstance(chosen, dict):
            self._set_link(observation_id, chosen["id"])
        else:
            self._set_link(observation_id, None)

    def _set_link(self, observation_id: int, earlier_id: int | None) -> None:
        if not self._context.may_manage:
            self._show_error(AuditDeskError("Only a manager may change repeat links."))
            return
        actor = self._context.actor
        self._context.worker.submit(
            lambda s: lineage_service.set_repeat_of(s, actor, observation_id, earlier_id),
            None,
            self._show_error,
            owner=self,
        )
