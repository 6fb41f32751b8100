"""Column titles of the read-only models: one answer to ``headerData`` for a fixed list."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt


def horizontal_title(headers: Sequence[str], section: int, orientation: Qt.Orientation, role: int) -> str | None:
    """The title of column ``section`` for the display role; None for anything else."""
    if (
        orientation == Qt.Orientation.Horizontal
        and role == Qt.ItemDataRole.DisplayRole
        and 0 <= section < len(headers)
    ):
        return headers[section]
    return None
