"""Which of the main window's actions the signed-in person may use: one their role may
not use is disabled, with the reason as its tooltip. The database refuses it anyway
(docs/architecture.md, "Security model"); this only says so before anyone tries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.users import ONLY_ADMINS, may_manage_users

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow

ONLY_MANAGERS = "Only a manager or an admin may capture or rebuild snapshots."

def _manager(context: AppContext) -> bool:
    return context.may_manage


def apply(window: MainWindow) -> None:
    """Enable or disable the actions for the current person (after a tenant is chosen)."""
    rules = (
        (window.capture_action, _manager, ONLY_MANAGERS),
        (window.backfill_action, _manager, ONLY_MANAGERS),
        (window.users_action, may_manage_users, ONLY_ADMINS),
    )
    for action, may, reason in rules:
        allowed = window.context.database is None or may(window.context)
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else reason)
