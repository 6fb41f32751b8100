"""Deleting an observation from the observations view: the confirmation, which says what
happens to the findings that repeat it (they are kept and lose their link), and the
status line once it is gone."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from auditdesk.domain.records import ObservationRow
from auditdesk.services.observations import DeletedObservation


def delete_confirmation_text(ref: str, title: str, repeats: list[str]) -> str:
    """What the Delete confirmation says, including the fate of the repeats."""
    text = f"Delete {ref} “{title}”? This cannot be undone (the audit trail keeps its history)."
    if repeats:
        listed = ", ".join(repeats)
        text += (
            f"\n\n{len(repeats)} later finding(s) repeat it: {listed}. "
            "They are kept and lose their link to it (they become originals)."
        )
    else:
        text += "\n\nNo other finding repeats it."
    return text


def ask_to_delete(
    parent: QWidget, row: ObservationRow, repeats: list[str], delete: Callable[[], None]
) -> QMessageBox:
    """Open the confirmation (Cancel is the default); ``delete`` runs on Delete."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        f"Delete {row.ref}",
        delete_confirmation_text(row.ref, row.title, repeats),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Yes).setText("Delete")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(
        lambda result: delete() if result == QMessageBox.StandardButton.Yes else None
    )
    box.open()
    return box


def deleted_message(deleted: DeletedObservation) -> str:
    message = f"Deleted {deleted.ref}."
    if deleted.detached_repeats:
        message += f" {', '.join(deleted.detached_repeats)} kept, no longer linked."
    return message
