"""How audit-trail fields and values read in the history panel and the audit trail view.

Field names become labels ("owner_id" → "Owner"); ids become what they point at, from
the names ``services.audit_trail`` looked up in the background job with the page; stored
enumeration names become their labels. Long text is shortened to one line for a cell,
with the whole text in a (wrapping) tooltip.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from auditdesk.domain.audit import ID_FIELDS
from auditdesk.domain.enums import EngagementStatus, ObservationStatus, Severity
from auditdesk.ui.dialogs.observation_editor import FIELD_LABELS

EMPTY = "—"
CELL_CHARS = 160  # a cell shows one line; the view elides it to its width

LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "ref": "Ref",
    "code": "Code",
    "auditee": "Auditee",
    "lead_auditor_id": "Lead auditor",
    "period_start": "Period start",
    "period_end": "Period end",
    "planned_start": "Planned start",
    "planned_end": "Planned end",
    "closed_at": "Closed at",
    "email": "E-mail",
    "display_name": "Name",
    "role": "Role",
    "db_login": "Database login",
    "active": "Active",
    "user_id": "User",
    "app_user_id": "User",
    "slug": "Short name",
    "name": "Name",
    "snapshot_date": "Snapshot date",
}

_ENUMS = {
    "severity": (Severity,),
    "status": (ObservationStatus, EngagementStatus),
}


def field_label(field: str) -> str:
    """``owner_id`` → ``Owner``; an unknown column reads as words."""
    if field in LABELS:
        return LABELS[field]
    words = field.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def field_value(field: str, value: Any, names: Mapping[str, Mapping[int, str]] | None = None) -> str:
    """The whole stored value as a person reads it."""
    if value is None or value == "":
        return EMPTY
    if field in ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        label = (names or {}).get(field, {}).get(value)
        return label if label is not None else f"#{value} (deleted)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    for enum in _ENUMS.get(field, ()):
        try:
            return enum(value).label
        except ValueError:
            continue
    if field == "role" and isinstance(value, str):
        return value.capitalize()
    return str(value)


def cell_text(text: str) -> str:
    """One line for a table cell (the view elides what does not fit)."""
    line = " ".join(text.split())
    return line if len(line) <= CELL_CHARS else line[: CELL_CHARS - 1] + "…"


def tooltip_text(text: str) -> str:
    """The whole text as a tooltip that wraps instead of running off the screen."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"
