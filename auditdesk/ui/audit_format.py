"""How audit-trail fields and values read in the history panel and the audit trail view.

Field and table names become labels ("owner_id" → "Owner", "app_user" → "User"); ids
become what they point at, from the names ``services.audit_trail`` looked up in the
background job with the page; stored
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

#: Table names as a person reads them; an unknown table reads as words.
TABLE_LABELS: dict[str, str] = {
    "tenant": "Tenant",
    "app_user": "User",
    "audit_engagement": "Engagement",
    "engagement_member": "Engagement team",
    "observation": "Observation",
    "dashboard_snapshot": "Dashboard snapshot",
    "audit_log": "Audit trail",
    "repeat_suggestion": "Repeat suggestion",
    "remediation_action": "Remediation action",
    "attachment": "Attachment",
}

#: What each recorded action did, in words.
ACTION_LABELS: dict[str, str] = {"insert": "Created", "update": "Changed", "delete": "Deleted"}

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


def table_label(table_name: str) -> str:
    """``app_user`` → ``User``; an unknown table reads as words."""
    if table_name in TABLE_LABELS:
        return TABLE_LABELS[table_name]
    words = table_name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def action_label(action: str) -> str:
    """``insert`` → ``Created``."""
    value = getattr(action, "value", action)
    return ACTION_LABELS.get(value, str(value).capitalize())


def summary_text(row: str, action: str, fields: list[str]) -> str:
    """"OBS-000650: Title, Repeat of" for a change; "OBS-000650 created" otherwise."""
    value = getattr(action, "value", action)
    if value == "update":
        return f"{row}: " + ", ".join(field_label(f) for f in fields)
    return f"{row} {'created' if value == 'insert' else 'deleted'}"


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
