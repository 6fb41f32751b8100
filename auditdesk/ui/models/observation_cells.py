"""What each cell of the observations table shows: the columns, a row's text in each,
and its colours, fonts, alignment and tooltips (``cell_data``).

``cell_data`` runs thousands of times per paint: roles are compared as plain ints and
the brushes and the bold font are made once (``prepare_paint_cache``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from auditdesk.domain.enums import Severity
from auditdesk.domain.queries import ObservationSort
from auditdesk.domain.records import ObservationRow
from auditdesk.ui.theme import OVERDUE, STATUS_COLORS, severity_color

PLACEHOLDER = "…"
RowRole = Qt.ItemDataRole.UserRole + 1  # the ObservationRow (or None while loading)
IdRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    sort: ObservationSort | None  # None: the column does not sort the table


COLUMNS: tuple[Column, ...] = (
    Column("ref", "Ref", ObservationSort.REF),
    Column("title", "Title", ObservationSort.TITLE),
    Column("engagement", "Engagement", ObservationSort.ENGAGEMENT),
    Column("severity", "Severity", ObservationSort.SEVERITY),
    Column("status", "Status", ObservationSort.STATUS),
    Column("owner", "Owner", ObservationSort.OWNER),
    Column("due", "Due date", ObservationSort.DUE),
    Column("repeat_of", "Repeat of", ObservationSort.REPEAT_OF),
    Column("recurrence", "Recurrence", ObservationSort.RECURRENCE),
    Column("actions", "Actions", None),  # done / total of the action plan; hidden at first
)
#: Columns shown only when the user asks for them (the header's context menu).
HIDDEN_AT_FIRST = ("actions",)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)



def display_value(row: ObservationRow, key: str) -> str:
    """The text a column shows for a row."""
    if key == "ref":
        return row.ref
    if key == "title":
        return row.title
    if key == "engagement":
        return row.engagement_code or "—"
    if key == "severity":
        return row.severity.label
    if key == "status":
        return row.status.label
    if key == "owner":
        return row.owner_name or "—"
    if key == "due":
        return row.due_date.isoformat() if row.due_date else "—"
    if key == "repeat_of":
        return row.repeat_of_ref or ""
    if key == "recurrence":
        return str(row.recurrence) if row.recurrence else ""
    if key == "actions":
        return f"{row.actions_done}/{row.actions_total}" if row.actions_total else ""
    raise KeyError(key)



def cell_data(row: ObservationRow | None, column: str, role: int) -> Any:
    """What the cell of ``column`` shows for ``row`` in ``role`` (``row`` None: its page
    is on its way)."""
    role = int(role)
    if row is None:
        if role == _DISPLAY:
            return PLACEHOLDER
        if role == _FOREGROUND:
            return _BRUSHES["placeholder"]
        return None
    if role == _DISPLAY:
        return display_value(row, column)
    if role == _ROW:
        return row
    if role == _ID:
        return row.id
    if role == _FOREGROUND:
        if column == "severity":
            return _BRUSHES["white"]
        if (column == "due" and row.overdue) or (column == "actions" and row.has_overdue_actions):
            return _BRUSHES["overdue"]
        if column == "status":
            return _brush(STATUS_COLORS.get(row.status.value, "#333333"))
        return None
    if role == _BACKGROUND:
        if column == "severity":
            return _brush(severity_color(row.severity))
        if column == "due" and row.overdue:
            return _BRUSHES["overdue_background"]
        return None
    if role == _FONT:
        if column in ("ref", "severity") or (column == "due" and row.overdue) or (
            column == "actions" and row.has_overdue_actions
        ):
            return _bold_font()
        return None
    if role == _ALIGNMENT:
        return _CENTER if column in ("severity", "recurrence", "actions") else _LEFT
    if role == _TOOLTIP:
        if column == "due" and row.overdue:
            return f"Overdue since {row.due_date:%Y-%m-%d}"
        if column == "recurrence" and row.recurrence:
            return f"Repeat number {row.recurrence} of its original finding"
        if column == "actions" and row.actions_total:
            late = "; an open action is past its due date" if row.has_overdue_actions else ""
            return f"{row.actions_done} of {row.actions_total} actions done{late}"
        if column in ("title", "owner", "engagement", "status"):
            return display_value(row, column)  # in full, when the column is narrow
    return None


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROW = int(RowRole)
_ID = int(IdRole)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_BRUSH_CACHE: dict[str, QBrush] = {}
_FONT_CACHE: list[QFont] = []


def _brush(color: str) -> QBrush:
    brush = _BRUSH_CACHE.get(color)
    if brush is None:
        brush = _BRUSH_CACHE[color] = QBrush(QColor(color))
    return brush


def _bold_font() -> QFont:
    if not _FONT_CACHE:
        font = QFont()
        font.setBold(True)
        _FONT_CACHE.append(font)
    return _FONT_CACHE[0]


class _Brushes(dict):
    def __missing__(self, key: str) -> QBrush:
        colors = {
            "placeholder": "#9aa5b1",
            "white": "#ffffff",
            "overdue": OVERDUE,
            "overdue_background": "#fdecea",
        }
        brush = self[key] = _brush(colors[key])
        return brush


_BRUSHES = _Brushes()


def prepare_paint_cache() -> None:
    """Brushes and the bold font made now, not during the first paint."""
    for key in ("placeholder", "white", "overdue", "overdue_background"):
        _BRUSHES[key]  # noqa: B018 - fills the cache
    for severity in Severity:
        _brush(severity_color(severity))
    for color in STATUS_COLORS.values():
        _brush(color)
    _bold_font()
