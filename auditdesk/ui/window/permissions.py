"""Which of the main window's actions the signed-in person may use: one their role may
not use is disabled, with the reason as its tooltip. The database refuses it anyway
(docs/architecture.md, "Security model"); this only says so before anyone tries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.users import may_manage_users
from auditdesk.ui.role_reasons import ONLY_ADMINS_USERS, ONLY_MANAGERS_SNAPSHOTS

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow


def _manager(context: AppContext) -> bool:
    return context.may_manage


def apply(window: MainWindow) -> None:
    """Enable or disable the actions for the current person (after a tenant is chosen)."""
    rules = (
        (window.capture_action, _manager, ONLY_MANAGERS_SNAPSHOTS),
        (window.backfill_action, _manager, ONLY_MANAGERS_SNAPSHOTS),
        (window.users_action, may_manage_users, ONLY_ADMINS_USERS),
    )
    for action, may, reason in rules:
        allowed = window.context.database is None or may(window.context)
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else reason)
