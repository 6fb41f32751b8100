"""Where the data comes from: File → Connect to server… (the connection dialog) and
File → Use embedded workspace, each turned into the ``DatabaseSource`` to open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from auditdesk.config import DatabaseSource
from auditdesk.services.errors import user_message
from auditdesk.ui.context import AppContext


def ask_for_server(parent: QWidget, context: AppContext, current: DatabaseSource | None,
                   profile_path: Path | None, embedded: Callable[[], DatabaseSource],
                   ) -> DatabaseSource | None:
    """The source the user chose in the connection dialog, or None when cancelled."""
    from auditdesk.ui.dialogs.connection import ConnectionDialog

    dialog = ConnectionDialog(parent, profile_path=profile_path, runner=context.worker)
    if current is not None and current.url:
        dialog.set_url(current.url)
    if dialog.exec() != ConnectionDialog.DialogCode.Accepted:
        return None
    if dialog.use_embedded:
        return embedded()
    if dialog.profile_error:
        context.status_message.emit(dialog.profile_error)
    return DatabaseSource(dialog.url(), None, "option")


def embedded_source(profile_path: Path | None, workspace: Path | None,
                    warn: Callable[[str], None]) -> DatabaseSource:
    """The embedded workspace, remembered as the choice (the saved server profile goes)."""
    from auditdesk.config import write_profile
    from auditdesk.paths import default_workspace

    if profile_path is not None or workspace is None:
        try:
            write_profile(None, profile_path)
        except OSError as error:
            warn(f"Could not update the saved profile: {user_message(error)}")
    return DatabaseSource(None, workspace or default_workspace(), "embedded")
