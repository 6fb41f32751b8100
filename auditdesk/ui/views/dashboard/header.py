"""The dashboard's header row: its title, the busy indicator of a capture or backfill,
and the *Capture now*, *Backfill…* and *Export PNG* buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton, QWidget

from auditdesk.ui.views._common import title_label

EXPORTS = (
    ("severity", "Open findings chart…"),
    ("compliance", "Compliance chart…"),
    ("overdue", "Overdue and repeats chart…"),
    ("dashboard", "Whole dashboard…"),
)


class DashboardHeader(QWidget):
    """Title, busy text and progress bar, and the buttons for the charts page."""

    export_chosen = Signal(str)  # a key of EXPORTS

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = title_label(title, self)
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("muted")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("dashboardProgress")
        self.progress.setFixedWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.hide()
        self.capture_button = QPushButton("Capture now", self)
        self.capture_button.setToolTip("Capture today's snapshot of the current tenant")
        self.backfill_button = QPushButton("Backfill…", self)
        self.backfill_button.setToolTip("Rebuild past days from the audit trail")
        self.export_button = QPushButton("Export PNG", self)
        export_menu = QMenu(self.export_button)
        self.export_actions: dict[str, QAction] = {}
        for kind, text in EXPORTS:
            action = export_menu.addAction(text)
            action.triggered.connect(lambda _checked=False, k=kind: self.export_chosen.emit(k))
            self.export_actions[kind] = action
        self.export_button.setMenu(export_menu)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)  # as the page's own layout
        row.addWidget(self.heading)
        row.addStretch(1)
        row.addWidget(self.busy_label)
        row.addWidget(self.progress)
        row.addWidget(self.capture_button)
        row.addWidget(self.backfill_button)
        row.addWidget(self.export_button)

    def show_busy(self, text: str, maximum: int) -> None:
        """A run started: its text, and a progress bar of ``maximum`` steps (0: unknown)."""
        self.busy_label.setText(text)
        self.progress.setRange(0, maximum)
        self.progress.setValue(0)
        self.progress.show()

    def show_idle(self, message: str = "") -> None:
        """The run ended; ``message`` stays beside the title (an error), or nothing."""
        self.progress.hide()
        self.busy_label.setText(message)
