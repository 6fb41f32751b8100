"""Shared colours and the application style sheet loader.

Views and charts import their colours from here so that a severity is drawn the
same everywhere (tables, charts, the lineage tree).
"""

from __future__ import annotations

from functools import lru_cache

#: Severity name (lowercase, as stored) -> hex colour.
SEVERITY_COLORS: dict[str, str] = {
    "critical": "#b71c1c",
    "high": "#e65100",
    "medium": "#f9a825",
    "low": "#2e7d32",
}

#: Engagement / observation status name -> hex colour (muted tones for table text/badges).
STATUS_COLORS: dict[str, str] = {
    "planned": "#607d8b",
    "fieldwork": "#1565c0",
    "reporting": "#6a1b9a",
    "closed": "#2e7d32",
    "draft": "#78909c",
    "open": "#1565c0",
    "in_remediation": "#ef6c00",
    "pending_validation": "#6a1b9a",
    "risk_accepted": "#5d4037",
}

ACCENT = "#1f5f8b"
OVERDUE = "#c62828"
PROGRESS = "#2e7d32"
PROGRESS_TRACK = "#e3e8ee"
ERROR_BG = "#fdecea"
ERROR_FG = "#8e1c1c"
WARNING_BG = "#fff4e5"
WARNING_FG = "#7a4a00"
MUTED_TEXT = "#5f6b7a"


def severity_color(name: str | None) -> str:
    """The colour of a severity (accepts the enum or its value); grey when unknown."""
    if name is None:
        return MUTED_TEXT
    key = getattr(name, "value", name)
    return SEVERITY_COLORS.get(str(key).lower(), MUTED_TEXT)


@lru_cache(maxsize=1)
def style_sheet() -> str:
    """The contents of resources/style.qss (``@RESOURCES@`` replaced by the resources
    folder, for images), or an empty string when it is missing."""
    from auditdesk.paths import resource, resources_dir

    try:
        text = resource("style.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
    return text.replace("@RESOURCES@", resources_dir().as_posix())
