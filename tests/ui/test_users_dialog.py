"""The Users dialog: an admin (here the workspace owner) adds a person with their own
login, changes the role and disables them; anyone else sees the controls disabled with
the reason, and the window's role-limited actions say why they are off."""

from __future__ import annotations

import uuid

import factories
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget
from sqlalchemy import text

from auditdesk.domain.enums import Role
from auditdesk.ui.dialogs.users import UsersDialog
from auditdesk.ui.role_reasons import ONLY_ADMINS_USERS as ONLY_ADMINS
from auditdesk.ui.window import permissions


@pytest.fixture
def login_name(database):
    name = f"ui_{uuid.uuid4().hex[:8]}"
    yield name
    with database.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT")
        c.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def _rows(dialog) -> list[tuple[str, ...]]:
    return [
        tuple(dialog.table.item(r, c).text() for c in range(dialog.table.columnCount()))
        for r in range(dialog.table.rowCount())
    ]


def test_owner_adds_a_person_changes_the_role_and_disables_them(
    qtbot, ui_context, ui_idle, login_name
):
    dialog = UsersDialog(ui_context)
    qtbot.addWidget(dialog)
    ui_idle(ui_context)
    assert _rows(dialog) == []
    dialog.email.setText("dee@acme.example")
    dialog.name.setText("Dee Auditor")
    dialog.login.setText(login_name)
    dialog.password.setText("short")
    dialog.add_button.click()
    ui_idle(ui_context)
    assert dialog.message.isVisibleTo(dialog)
    assert "Password: must be 10 to 200 characters" in dialog.message.text()
    dialog.password.setText("a long enough password")
    dialog.add_button.click()
    ui_idle(ui_context)
    assert _rows(dialog) == [("Dee Auditor", "dee@acme.example", "auditor", login_name, "yes")]
    assert dialog.password.text() == ""
    dialog.table.selectRow(0)
    dialog.role_choice.setCurrentIndex(dialog.role_choice.findData("manager"))
    dialog.set_role_button.click()
    ui_idle(ui_context)
    assert _rows(dialog)[0][2] == "manager"
    dialog.table.selectRow(0)
    dialog.disable_button.click()
    ui_idle(ui_context)
    assert _rows(dialog)[0][4] == "no"
    dialog.table.selectRow(0)
    assert not dialog.disable_button.isEnabled()


def test_non_admins_see_why_they_cannot_manage_users(qtbot, ui_context, ui_idle, database):
    with database.sessions.begin() as s:
        auditor = factories.user(s, ui_context.tenant_id, Role.AUDITOR, "Ann Auditor")
    ui_context.set_tenant(ui_context.tenant, auditor)
    dialog = UsersDialog(ui_context)
    qtbot.addWidget(dialog)
    ui_idle(ui_context)
    assert [r[0] for r in _rows(dialog)] == ["Ann Auditor"]
    for widget in (dialog.add_button, dialog.email, dialog.set_role_button, dialog.disable_button):
        assert not widget.isEnabled()
        assert widget.toolTip() == ONLY_ADMINS

    window = QWidget()
    qtbot.addWidget(window)
    window.context = ui_context
    names = ("capture_action", "backfill_action", "users_action")
    window.capture_action, window.backfill_action, window.users_action = (
        QAction(name, window) for name in names
    )
    permissions.apply(window)
    assert not window.users_action.isEnabled() and window.users_action.toolTip() == ONLY_ADMINS
    assert not window.capture_action.isEnabled()
    assert "manager or an admin" in window.backfill_action.toolTip()
    ui_context.set_tenant(ui_context.tenant)  # the workspace owner again
    permissions.apply(window)
    assert all(a.isEnabled() for a in (window.capture_action, window.backfill_action,
                                       window.users_action))
