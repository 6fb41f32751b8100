"""Which of the main window's actions the signed-in person may use: one their role may
not use is disabled, with the reason as its tooltip. The database refuses it anyway
(docs/architecture.md, "Security model"); this only says so before anyone tries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from auditdesk.ui.context import AppContext
from auditdesk.ui.dialogs.users import ONLY_ADMINS, may_manage_users

if TYPE_CHECKING:
    from auditdesk.ui.main_window import MainWindow

ONLY_MANAGERS = "Only a manager or an admin may capture or rebuild snapshots."

# window attribute -> (who may, why not)
RULES: dict[str, tuple[Callable[[AppContext], bool], str]] = {
    "capture_action": (lambda c: c.may_manage, ONLY_MANAGERS),
    "backfill_action": (lambda c: c.may_manage, ONLY_MANAGERS),
    "users_action": (may_manage_users, ONLY_ADMINS),
}


def apply(window: MainWindow) -> None:
    """Enable or disable the actions for the current person (after a tenant is chosen)."""
    for name, (may, reason) in RULES.items():
        action = getattr(window, name, None)
        if action is None:
            continue
        allowed = window.context.database is None or may(window.context)
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else reason)
        action.setStatusTip(action.statusTip() if allowed else reason)
