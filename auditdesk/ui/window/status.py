"""The main window's status bar: where the data is, the schema, the tenant, who is
signed in, and a busy indicator while background work runs.

A message (``context.status_message``) is shown whole: while it is on screen the
permanent labels it needs the room of step aside, the location first, then who is
signed in, the schema and the tenant; they come back when it goes."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from auditdesk.ui.context import AppContext

#: Room a message needs beyond its text: the bar's margins and the size grip.
MESSAGE_MARGIN = 40


class StatusLabels:
    """The permanent widgets of ``bar``; ``update()`` after the database or tenant changed."""

    def __init__(self, context: AppContext, bar: QStatusBar):
        self.context = context
        self.location_label = QLabel("", bar)
        self.tenant_status = QLabel("", bar)
        self.user_label = QLabel("", bar)
        self.schema_label = QLabel("", bar)
        self.busy = QProgressBar(bar)
        self.busy.setObjectName("busy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(90)
        self.busy.hide()
        for widget in (self.location_label, self.tenant_status, self.user_label, self.schema_label):
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.busy)
        self.bar = bar
        self.stepped_aside: list[QLabel] = []
        bar.messageChanged.connect(self.make_room)

    def make_room(self, message: str) -> None:
        """Hide the labels ``message`` needs the room of (none when it is cleared)."""
        for label in self.stepped_aside:
            label.show()
        self.stepped_aside = []
        if not message:
            return
        needed = self.bar.fontMetrics().horizontalAdvance(message) + MESSAGE_MARGIN
        shown = [w for w in (*self._labels_in_order(), self.busy) if not w.isHidden()]
        spacing = self.bar.style().pixelMetric(self.bar.style().PixelMetric.PM_LayoutHorizontalSpacing)
        taken = sum(w.sizeHint().width() + max(spacing, 6) for w in shown)
        for label in self._labels_in_order():
            if self.bar.width() - taken >= needed:
                break
            if label.isHidden():
                continue
            label.hide()
            self.stepped_aside.append(label)
            taken -= label.sizeHint().width() + max(spacing, 6)

    def _labels_in_order(self) -> tuple[QLabel, ...]:
        """The permanent labels, the first to step aside first."""
        return (self.location_label, self.user_label, self.schema_label, self.tenant_status)

    def update(self) -> None:
        database = self.context.database
        if database is None:
            self.location_label.setText("Not connected")
            for label in (self.schema_label, self.user_label, self.tenant_status):
                label.setText("")
            return
        self.location_label.setText(database.location)
        self.location_label.setToolTip(database.masked_url)
        self.schema_label.setText(f"Schema {database.schema.current or 'empty'}")
        tenant = self.context.tenant
        self.tenant_status.setText(f"Tenant: {tenant.name}" if tenant else "No tenant")
        user = self.context.user
        if user is not None:
            self.user_label.setText(f"Signed in: {user.display_name} ({user.role.value})")
        elif database.embedded_server is not None:
            self.user_label.setText("Workspace owner")
        else:
            login = _login(database.url)
            self.user_label.setText(f"Login {login} (no application user)" if login else "")


def _login(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).username
    except Exception:  # noqa: BLE001 - an odd URL just shows no login
        return None
