"""Dashboard (placeholder until the dashboard issue lands): an empty state that offers
to capture the first snapshot."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from auditdesk.ui.context import AppContext
from auditdesk.ui.views._common import title_label
from auditdesk.ui.widgets import EmptyState


class DashboardView(QWidget):
    title = "Dashboard"

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self._snapshots = 0
        self.heading = title_label(self.title, self)
        self.empty = EmptyState("No snapshots yet — Capture snapshot now", self)
        self.capture_button = QPushButton("Capture snapshot now", self)
        self.capture_button.setObjectName("primary")
        self.note = QLabel("", self)
        self.note.setObjectName("muted")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.heading)
        layout.addStretch(1)
        layout.addWidget(self.empty)
        layout.addWidget(self.capture_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.note)
        layout.addStretch(2)
        self.capture_button.clicked.connect(self.capture)
        context.data_changed.connect(
            lambda table, _ids: self.reload() if table == "dashboard_snapshot" else None
        )

    def reload(self) -> None:
        if self.context.database is None or self.context.tenant is None:
            return
        tenant_id = self.context.tenant_id

        def job(session):
            from auditdesk.data.snapshots import snapshot_bounds

            return snapshot_bounds(session, tenant_id)

        self.context.worker.submit(job, self._counted, key=f"dashboard:{id(self)}")

    def _counted(self, bounds) -> None:
        self._snapshots = 0 if bounds is None else (bounds[1] - bounds[0]).days + 1
        if self._snapshots:
            self.empty.setText(
                "Snapshots captured. Trend charts arrive with the dashboard."
            )
        else:
            self.empty.setText("No snapshots yet — Capture snapshot now")

    def capture(self) -> None:
        if self.context.database is None or self.context.tenant is None:
            return
        tenant_id = self.context.tenant_id

        def job(session):
            from auditdesk.services.snapshots import capture

            return capture(session, tenant_id=tenant_id)

        def done(snapshots) -> None:
            self.context.announce_change("dashboard_snapshot", ())
            self.context.status_message.emit(f"Captured {len(snapshots)} snapshot(s).")

        self.context.worker.submit(job, done)

    def has_data(self) -> bool:
        return self._snapshots > 0

    def navigate(self, payload: dict) -> None:
        pass

    def save_state(self, settings: QSettings) -> None:
        pass

    def restore_state(self, settings: QSettings) -> None:
        pass
