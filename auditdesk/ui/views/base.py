"""What the main window may ask of a view: the ``View`` protocol (docs/architecture.md,
"Where a new view goes").

The main window knows views only through this protocol: it never probes them for
attributes. A view listens to ``AppContext.changed`` itself and refreshes only when a
change touches one of the tables it ``shows``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLineEdit, QWidget

from auditdesk.domain.changes import Table


@runtime_checkable
class View(Protocol):
    """A main-window page (a QWidget that also has these members)."""

    title: str  # the navigation entry and the window title
    shows: tuple[Table, ...]  # the tables whose changes it refreshes for

    def reload(self) -> None:
        """Fetch again what the view shows (F5, a tenant change, a retry)."""

    def has_data(self) -> bool:
        """Something is shown (the window loads a view the first time it is visited)."""

    def navigate(self, payload: Mapping[str, object]) -> None:
        """Show what ``payload`` names, e.g. ``{"engagement_id": 7}``."""

    def focus_search(self) -> None:
        """Put the keyboard focus in the view's search field (Edit → Find)."""

    def new_item(self) -> None:
        """Start creating what the view lists (Edit → New); a view that creates nothing
        does nothing."""

    def selected_id(self) -> int | None:
        """The id of the selected row, if any."""

    def save_state(self, settings: QSettings) -> None:
        """Columns, sort, splitters, filters: into ``settings`` (a group of its own)."""

    def restore_state(self, settings: QSettings) -> None:
        """What ``save_state`` wrote; bad or missing values leave the defaults."""


def focus_field(field: QLineEdit | None, view: QWidget) -> None:
    """Focus ``field`` (or the view's first visible text field) and select its text."""
    if field is None:
        field = next((e for e in view.findChildren(QLineEdit) if e.isVisible()), None)
    if field is not None:
        field.setFocus()
        field.selectAll()
