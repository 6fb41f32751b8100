"""The dashboard: trend charts of the daily snapshots, headline tiles, capture and backfill.

* ``view`` — :class:`DashboardView`, the page the main window shows;
* ``trend_panel`` — the three linked charts and the hover read-out;
* ``tiles`` — the headline tiles;
* ``backfill_dialog`` — *Backfill…*;
* ``auto_capture`` — the daily automatic capture while the app is open.

The rules behind the tiles and ranges are pure functions in ``auditdesk.domain.dashboard``,
the database job is ``auditdesk.services.snapshots.load_dashboard`` (see
``docs/architecture.md``).
"""

from __future__ import annotations

from auditdesk.domain.dashboard import CUSTOM, GRANULARITIES, RANGE_PRESETS, DashboardData
from auditdesk.ui.views.dashboard.view import DashboardView

__all__ = ["CUSTOM", "GRANULARITIES", "RANGE_PRESETS", "DashboardData", "DashboardView"]
