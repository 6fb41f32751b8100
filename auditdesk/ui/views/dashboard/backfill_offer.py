"""The offer a new dashboard makes: while the tenant has at most one day of snapshots,
a bar above the charts proposes to rebuild the last year from the audit trail at once
(``domain.dashboard.backfill_offer``), so that nobody has to discover *Backfill…* first.

*Not now* hides it for that tenant for good (QSettings, the view's group).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from auditdesk.domain.dashboard import format_day

DISMISSED_KEY = "backfill_offer_dismissed"  # tenant slugs that said "Not now"


class BackfillOffer(QFrame):
    """"Rebuild the past year now?" with *Backfill …* and *Not now*."""

    accepted = Signal(object, object)  # start, end

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("backfillOffer")
        self.setStyleSheet(
            "QFrame#backfillOffer { background: #fff8e1; border: 1px solid #f0d48a;"
            " border-radius: 4px; } QFrame#backfillOffer QLabel { border: none; }"
        )
        self.settings: QSettings | None = None
        self.tenant_slug: str | None = None
        self.dates: tuple[date, date] | None = None
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.accept_button = QPushButton(self)
        self.accept_button.setObjectName("primary")
        self.dismiss_button = QPushButton("Not now", self)
        self.accept_button.clicked.connect(self._accept)
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        row.addWidget(self.message, 1)
        row.addWidget(self.accept_button)
        row.addWidget(self.dismiss_button)
        self.hide()

    def propose(self, tenant_slug: str, dates: tuple[date, date] | None, days_shown: int) -> None:
        """Show the offer of ``dates`` for this tenant (unless it said "Not now"), or hide."""
        self.tenant_slug = tenant_slug
        self.dates = dates
        if dates is None or tenant_slug in self._dismissed():
            self.hide()
            return
        start, end = dates
        so_far = "no snapshot yet" if days_shown == 0 else "only one day so far"
        self.message.setText(
            f"This dashboard has {so_far}. The figures of every day since "
            f"{format_day(start)} can be rebuilt from the audit trail now."
        )
        self.accept_button.setText(f"Backfill {format_day(start)} – {format_day(end)}")
        self.show()

    def dismiss(self) -> None:
        """*Not now*: hidden, and not offered again for this tenant."""
        self.hide()
        if self.tenant_slug is None:
            return
        dismissed = self._dismissed()
        dismissed.add(self.tenant_slug)
        self._settings().setValue(DISMISSED_KEY, sorted(dismissed))

    def _accept(self) -> None:
        if self.dates is not None:
            self.hide()
            self.accepted.emit(*self.dates)

    def _settings(self) -> QSettings:
        return self.settings if self.settings is not None else QSettings()

    def _dismissed(self) -> set[str]:
        value = self._settings().value(DISMISSED_KEY, [])
        if isinstance(value, str):  # QSettings gives one value back as a string
            return {value} if value else set()
        return {str(v) for v in (value or [])}
