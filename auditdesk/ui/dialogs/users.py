"""The Users dialog: the tenant's people, and for admins adding one (with their own
PostgreSQL login), changing a role and disabling a login (``auditdesk.services.admin``).

Who may do what is decided by the database (docs/architecture.md, "Security model");
the dialog shows what the signed-in person may not do as disabled, with the reason in
the tooltip, and shows any refusal in words.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from shiboken6 import isValid

from auditdesk.domain.enums import Role
from auditdesk.domain.errors import ValidationError
from auditdesk.domain.records import User
from auditdesk.services import admin
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext
from auditdesk.ui.role_reasons import ONLY_ADMINS_USERS

COLUMNS = ("Name", "E-mail", "Role", "Login", "Active")


def may_manage_users(context: AppContext) -> bool:
    """Admins, and the workspace or schema owner (no mapped person)."""
    return context.user is None or context.user.role is Role.ADMIN


class UsersDialog(QDialog):
    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.users: list[User] = []
        self.setWindowTitle("Users")
        self.resize(720, 520)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.role_choice = QComboBox(self)
        for role in Role:
            self.role_choice.addItem(role.value.capitalize(), role.value)
        self.set_role_button = QPushButton("Set role", self)
        self.set_role_button.clicked.connect(self.set_role)
        self.disable_button = QPushButton("Disable sign-in", self)
        self.disable_button.clicked.connect(self.disable)
        selected = QHBoxLayout()
        selected.addWidget(QLabel("Selected person:", self))
        selected.addWidget(self.role_choice)
        selected.addWidget(self.set_role_button)
        selected.addWidget(self.disable_button)
        selected.addStretch(1)

        self.email = QLineEdit(self)
        self.name = QLineEdit(self)
        self.new_role = QComboBox(self)
        for role in Role:
            self.new_role.addItem(role.value.capitalize(), role.value)
        self.login = QLineEdit(self)
        self.login.setPlaceholderText("from the e-mail address")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {admin.MIN_PASSWORD} characters")
        self.add_button = QPushButton("Add person", self)
        self.add_button.clicked.connect(self.add)
        adding = QGroupBox("Add a person", self)
        form = QFormLayout(adding)
        form.addRow("E-mail:", self.email)
        form.addRow("Name:", self.name)
        form.addRow("Role:", self.new_role)
        form.addRow("Login:", self.login)
        form.addRow("Password:", self.password)
        form.addRow("", self.add_button)

        self.message = QLabel("", self)
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(selected)
        layout.addWidget(adding)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self._editing = (self.role_choice, self.set_role_button, self.disable_button,
                         self.email, self.name, self.new_role, self.login, self.password,
                         self.add_button)
        self._apply_rights()
        self.reload()

    # -- rights ------------------------------------------------------------------------------
    def _apply_rights(self) -> None:
        allowed = may_manage_users(self.context)
        for widget in self._editing:
            widget.setEnabled(allowed)
            widget.setToolTip("" if allowed else ONLY_ADMINS_USERS)
        if allowed:
            self._selection_changed()

    def _selection_changed(self) -> None:
        user = self.selected_user()
        me = self.context.user
        mine = user is not None and me is not None and user.id == me.id
        for button in (self.set_role_button, self.disable_button, self.role_choice):
            enabled = may_manage_users(self.context) and user is not None and not mine
            button.setEnabled(enabled)
            button.setToolTip(
                ONLY_ADMINS_USERS if not may_manage_users(self.context)
                else "Nobody may change their own role or disable themselves." if mine
                else "" if user is not None else "Select a person first."
            )
        if user is not None:
            self.role_choice.setCurrentIndex(self.role_choice.findData(user.role.value))
            if not user.active:
                self.disable_button.setEnabled(False)
                self.disable_button.setToolTip("Already disabled.")

    def selected_user(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    # -- data --------------------------------------------------------------------------------
    def reload(self) -> None:
        tenant_id = self.context.tenant_id
        self.context.worker.submit(
            lambda s: admin.list_users(s, tenant_id), self._show, self._failed, owner=self,
            key="users",
        )

    def _show(self, users: list[User]) -> None:
        if not isValid(self):
            return
        self.users = list(users)
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            values = (user.display_name, user.email, user.role.value, user.db_login or "—",
                      "yes" if user.active else "no")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def add(self) -> None:
        tenant_id = self.context.tenant_id
        email, name = self.email.text(), self.name.text()
        role, login = self.new_role.currentData(), self.login.text().strip() or None
        password = self.password.text()
        self._submit(lambda s: admin.create_user(s, tenant_id, email, name, role, password, login),
                     clear_form=True)

    def set_role(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        tenant_id, role = self.context.tenant_id, self.role_choice.currentData()
        self._submit(lambda s: admin.set_role(s, tenant_id, user.email, role))

    def disable(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        tenant_id = self.context.tenant_id
        self._submit(lambda s: admin.disable_user(s, tenant_id, user.email))

    def _submit(self, job, *, clear_form: bool = False) -> None:
        self.message.hide()

        def done(_user: User) -> None:
            if not isValid(self):
                return
            if clear_form:
                for edit in (self.email, self.name, self.login, self.password):
                    edit.clear()
            self.reload()

        self.context.worker.submit(job, done, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        if isinstance(error, ValidationError):
            text = "; ".join(f"{field.replace('_', ' ').capitalize()}: {message}"
                             for field, message in error.problems.items())
        else:
            text = user_message(error)
        self.message.setText(text)
        self.message.show()
