"""The observation editor's "Action plan" tab: the finding's actions in a table edited in
place (title, owner, due date, status, percent complete), with Add and Delete.

Each edit is saved at once through ``services.remediation.actions`` on the runner, with
the version the row was shown at (a stale one says who saved last and reloads); the
table shows what is stored, never an unsaved guess. Setting 100 % marks the action done,
and marking it done sets 100 % (the domain refuses "100 % but not done"). A person who
may not change the finding sees the plan read-only, with the reason as the tooltip.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditdesk.domain.enums import ActionStatus
from auditdesk.domain.remediation import ActionDraft
from auditdesk.domain.remediation_records import RemediationAction
from auditdesk.services.errors import user_message
from auditdesk.services.remediation import actions as action_service
from auditdesk.ui import theme
from auditdesk.ui.context import AppContext
from auditdesk.ui.role_reasons import NOT_YOUR_FINDING

COLUMNS = ("title", "owner_id", "due_date", "status", "percent_complete")
HEADERS = ("Action", "Owner", "Due", "Status", "% done")
TITLE, OWNER, DUE, STATUS, PERCENT = range(5)


def edited_draft(action: RemediationAction, column: int, value: object) -> ActionDraft:
    """The action's draft with one cell changed, keeping status and progress consistent."""
    draft = action_service.draft_of(action)
    if column == TITLE:
        return replace(draft, title=str(value))
    if column == OWNER:
        return replace(draft, owner_id=value if isinstance(value, int) else None)
    if column == DUE:
        return replace(draft, due_date=value if isinstance(value, date) else None)
    if column == STATUS:
        status = ActionStatus(str(value))
        if status is ActionStatus.DONE:
            return replace(draft, status=status, percent_complete=100)
        percent = 0 if status is ActionStatus.PLANNED else min(draft.percent_complete, 99)
        return replace(draft, status=status, percent_complete=percent, completed_on=None)
    percent = int(value)  # type: ignore[call-overload]
    if percent == 100:
        return replace(draft, status=ActionStatus.DONE, percent_complete=100)
    status = ActionStatus(draft.status)
    if status is ActionStatus.DONE:
        status = ActionStatus.IN_PROGRESS
    if status is ActionStatus.PLANNED and percent > 0:
        status = ActionStatus.IN_PROGRESS
    return replace(draft, status=status, percent_complete=percent, completed_on=None)


class ActionPlanModel(QAbstractTableModel):
    """The stored actions; an edit asks for a save (``edit_requested``) instead of
    changing the row itself."""

    edit_requested = Signal(object, object)  # RemediationAction, ActionDraft

    def __init__(self, today: date):
        super().__init__()
        self.rows: list[RemediationAction] = []
        self.users: list[tuple[int, str]] = []
        self.editable = False
        self.today = today

    def set_rows(self, rows: list[RemediationAction]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if self.editable else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        action = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(action, column)
        if role == Qt.ItemDataRole.EditRole:
            return (action.title, action.owner_id, action.due_date, action.status.value,
                    action.percent_complete)[column]
        overdue = action.is_overdue(self.today)
        if role == Qt.ItemDataRole.ForegroundRole and overdue and column in (DUE, TITLE):
            return QBrush(QColor(theme.ERROR_FG))
        if role == Qt.ItemDataRole.ToolTipRole:
            if action.is_overdue(self.today):
                return f"Overdue by {(self.today - action.due_date).days} days"
            if action.description:
                return action.description
        return None

    def display(self, action: RemediationAction, column: int) -> str:
        if column == TITLE:
            return action.title
        if column == OWNER:
            return action.owner_name or "—"
        if column == DUE:
            return action.due_date.isoformat()
        if column == STATUS:
            done = f" on {action.completed_on.isoformat()}" if action.completed_on else ""
            return action.status.label + done
        return f"{action.percent_complete} %"

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        action = self.rows[index.row()]
        if value == self.data(index, Qt.ItemDataRole.EditRole):
            return False
        self.edit_requested.emit(action, edited_draft(action, index.column(), value))
        return False  # the stored row comes back from the save


class ActionDelegate(QStyledItemDelegate):
    """Editors per column: text, the tenant's people, a date, the statuses, 0–100."""

    def __init__(self, model: ActionPlanModel, parent=None):
        super().__init__(parent)
        self.plan = model

    def createEditor(self, parent, option, index):
        column = index.column()
        if column == OWNER:
            combo = QComboBox(parent)
            for user_id, name in self.plan.users:
                combo.addItem(name, user_id)
            return combo
        if column == DUE:
            editor = QDateEdit(parent)
            editor.setCalendarPopup(True)
            editor.setDisplayFormat("yyyy-MM-dd")
            return editor
        if column == STATUS:
            combo = QComboBox(parent)
            for status in ActionStatus:
                combo.addItem(status.label, status.value)
            return combo
        if column == PERCENT:
            spin = QSpinBox(parent)
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            return spin
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor, index):
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, QDateEdit):
            editor.setDate(QDate(value.year, value.month, value.day))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData())
        elif isinstance(editor, QDateEdit):
            model.setData(index, editor.date().toPython())
        elif isinstance(editor, QSpinBox):
            model.setData(index, editor.value())
        else:
            super().setModelData(editor, model, index)


class ActionPlanPanel(QWidget):
    """The action plan of one finding; ``changed`` after every stored change."""

    changed = Signal(object)  # the action added, changed or deleted
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("actionPlan")
        self._context = context
        self.observation_id: int | None = None
        self.finding_owner_id: int | None = None
        self.finding_due: date | None = None
        self.model = ActionPlanModel(context.today())
        self.model.edit_requested.connect(self.save_edit)
        self.table = QTableView()
        self.table.setObjectName("actionPlanTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(ActionDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.SelectedClicked)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for column in (OWNER, DUE, STATUS, PERCENT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.summary = QLabel("No actions yet.")
        self.summary.setObjectName("actionPlanSummary")
        self.message = QLabel()
        self.message.setObjectName("actionPlanMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color:{theme.ERROR_FG};")
        self.message.hide()
        self.add_button = QPushButton("Add action")
        self.add_button.clicked.connect(self.add_action)
        self.delete_button = QPushButton("Delete action")
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Management's actions to fix this finding. Double-click a cell "
                                "to change it; each change is saved at once."))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.set_editable(False, "Save the finding first: actions belong to a saved finding.")

    # -- state ---------------------------------------------------------------------------------
    def set_editable(self, editable: bool, reason: str = NOT_YOUR_FINDING) -> None:
        self.model.editable = editable
        for button in (self.add_button, self.delete_button):
            button.setEnabled(editable)
            button.setToolTip("" if editable else reason)
        self.table.setToolTip("" if editable else reason)

    def show_finding(self, observation_id: int, owner_id: int | None, due: date | None,
                     may_edit: bool, users: list[tuple[int, str]]) -> None:
        self.observation_id = observation_id
        self.finding_owner_id, self.finding_due = owner_id, due
        self.model.users = users
        self.set_editable(may_edit)
        self.reload()

    def reload(self) -> None:
        if self.observation_id is None:
            return
        tenant_id, observation_id = self._context.tenant_id, self.observation_id
        self._context.worker.submit(
            lambda s: action_service.list_actions(s, tenant_id, observation_id),
            self._show_rows, self._failed, owner=self,
        )

    def _show_rows(self, rows: list[RemediationAction]) -> None:
        self.model.today = self._context.today()
        self.model.set_rows(rows)
        done = sum(1 for a in rows if a.status is ActionStatus.DONE)
        late = sum(1 for a in rows if a.is_overdue(self.model.today))
        self.summary.setText(
            f"{done} of {len(rows)} done" + (f" · {late} overdue" if late else "")
            if rows else "No actions yet."
        )
        self.loaded.emit()

    def _failed(self, error: BaseException) -> None:
        text = user_message(error)
        self.message.setText(text)
        self.message.show()
        self.failed.emit(text)
        self.reload()

    def _stored(self, action: RemediationAction) -> None:
        # The runner announced what changed (the action and its finding's counts).
        self.message.hide()
        self.changed.emit(action)
        self.reload()

    # -- writes --------------------------------------------------------------------------------
    def add_action(self) -> None:
        if self.observation_id is None or not self.model.editable:
            return
        today = self._context.today()
        owner = self.finding_owner_id or (self._context.user.id if self._context.user else None)
        if owner is None and self.model.users:
            owner = self.model.users[0][0]
        due = self.finding_due if self.finding_due and self.finding_due >= today else (
            today + timedelta(days=30))
        draft = ActionDraft("New action", due, owner)
        actor, observation_id = self._context.actor, self.observation_id
        self._context.worker.submit(
            lambda s: action_service.add_action(s, actor, observation_id, draft),
            self._stored, self._failed, owner=self,
        )

    def save_edit(self, action: RemediationAction, draft: ActionDraft) -> None:
        actor = self._context.actor
        self._context.worker.submit(
            lambda s: action_service.update_action(s, actor, action.id, draft, action.version),
            self._stored, self._failed, owner=self,
        )

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not self.model.editable:
            return
        action = self.model.rows[rows[0].row()]
        actor = self._context.actor
        self._context.worker.submit(
            lambda s: action_service.delete_action(s, actor, action.id, action.version),
            self._stored, self._failed, owner=self,
        )
