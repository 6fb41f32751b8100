"""The observations table: its set-up, column widths that show each column's widest
value and header whole in the table's font, the title taking what is left (and keeping
a readable width, ``views._common.TitleColumnFit``), and the header's menu that shows or
hides columns (the action-plan column starts hidden)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView

from auditdesk.ui.models.observation_cells import HIDDEN_AT_FIRST
from auditdesk.ui.models.observations import COLUMNS, ObservationTableModel
from auditdesk.ui.views._common import HEADER_PADDING, TitleColumnFit, readable_title_width

#: The widest text of each fixed-width column, and whether the model draws it bold
#: (``models/observations.py``); the title column takes the remaining width.
COLUMN_SAMPLES: dict[str, tuple[str, bool]] = {
    "ref": ("OBS-000000", True),
    "engagement": ("ENG-2026-000", False),
    "severity": ("Critical", True),
    "status": ("Pending validation", False),
    "owner": ("Anna Lambert", False),
    "due": ("2026-12-31", True),
    "repeat_of": ("OBS-000000", False),
    "recurrence": ("99", False),
    "actions": ("10/10", True),
}
CELL_PADDING = 10  # the delegate's text margins (3 px a side) and some air


def column_width(table: QTableView, key: str) -> int:
    """Width that shows ``key``'s widest value and its header whole, in the table's font."""
    table.ensurePolished()  # the font comes from the style sheet
    column = next(c for c in COLUMNS if c.key == key)
    sample, bold = COLUMN_SAMPLES[key]
    font = QFont(table.font())
    font.setBold(bold)
    content = QFontMetrics(font).horizontalAdvance(sample) + CELL_PADDING
    header_font = QFont(table.horizontalHeader().font())
    header_font.setWeight(QFont.Weight.DemiBold)
    header = QFontMetrics(header_font).horizontalAdvance(column.header) + HEADER_PADDING
    return max(content, header)




def fit_columns(table: QTableView, *, only_widen: bool = False) -> None:
    """Every column wide enough for its widest value; the title takes what is left."""
    header = table.horizontalHeader()
    for i, column in enumerate(COLUMNS):
        if column.key == "title":
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
            continue
        width = column_width(table, column.key)
        if not only_widen or header.sectionSize(i) < width:
            table.setColumnWidth(i, width)


def observation_table(model: ObservationTableModel) -> QTableView:
    """A table of ``model``: whole rows selected one at a time, fixed row height, movable
    columns sized by ``fit_columns``; Tab leaves it (arrows move in it)."""
    table = QTableView()
    table.setObjectName("observationsTable")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    vertical = table.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(24)
    vertical.hide()
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    fit_columns(table)
    for i, column in enumerate(COLUMNS):
        header.setSectionHidden(i, column.key in HIDDEN_AT_FIRST)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda point: column_menu(table).popup(header.mapToGlobal(point)))
    return table


#: Columns that are always shown (the table makes no sense without them).
ALWAYS_SHOWN = ("ref", "title")


def column_menu(table: QTableView) -> QMenu:
    """A menu of the columns, each checked when shown; choosing one shows or hides it."""
    header = table.horizontalHeader()
    menu = QMenu(table)
    menu.setObjectName("columnMenu")
    for i, column in enumerate(COLUMNS):
        if column.key in ALWAYS_SHOWN:
            continue
        action = menu.addAction(column.header)
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(i))
        action.toggled.connect(lambda shown, i=i: header.setSectionHidden(i, not shown))
    return menu


def sorts(column: int) -> bool:
    """Whether clicking the header of ``column`` sorts the table."""
    return 0 <= column < len(COLUMNS) and COLUMNS[column].sort is not None


def column_of(sort_key) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c.sort == sort_key)


def fit_title_column(table: QTableView) -> TitleColumnFit:
    """The title keeps a readable width; refs and dates give way last (they stay whole)."""
    keys = [c.key for c in COLUMNS]
    return TitleColumnFit(
        table, table.horizontalHeader(), keys.index("title"), readable_title_width(table),
        {keys.index(k): column_width(table, k) for k in ("ref", "due", "repeat_of")},
    )
