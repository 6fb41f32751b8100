"""What the dashboard shows before the tenant has any snapshot: what it charts, the CLI
lines that capture or backfill from a scheduled task, and buttons to do it now."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from auditdesk.ui.widgets import EmptyState


class EmptyPage(QWidget):
    """The empty state with its own *Capture now* and *Backfill…* buttons."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.message = EmptyState(
            "No snapshot yet.\n\nThe dashboard charts one snapshot of the open, overdue and "
            "compliance figures per day.\nCapture today's now, rebuild past days from the "
            "audit trail,\nor let a scheduled task capture it daily:", self,
        )
        self.cli_label = QLabel("auditdesk snapshot capture", self)
        self.cli_label.setObjectName("cliLine")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.cli_label.setFont(mono)
        self.cli_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cli_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.cli_label.setStyleSheet(
            "background: #ffffff; border: 1px solid #d9dee5; border-radius: 3px; padding: 6px 10px;"
        )
        self.capture_button = QPushButton("Capture now", self)
        self.capture_button.setObjectName("primary")
        self.backfill_button = QPushButton("Backfill…", self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.capture_button)
        buttons.addWidget(self.backfill_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.cli_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def show_tenant(self, slug: str) -> None:
        """The CLI lines for this tenant."""
        self.cli_label.setText(
            f"auditdesk snapshot capture --tenant {slug}\n"
            f"auditdesk snapshot backfill --from 2025-01-01 --tenant {slug}"
        )
