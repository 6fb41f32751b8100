"""Helpers shared by the engagement views: the view header and table set-up."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget


def title_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("viewTitle")
    return label


def configure_table(table: QTableView) -> None:
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)


def save_header(settings: QSettings, key: str, header: QHeaderView) -> None:
    settings.setValue(key, header.saveState())


def restore_header(settings: QSettings, key: str, header: QHeaderView) -> bool:
    state = settings.value(key)
    if isinstance(state, QByteArray | bytes) and state:
        return bool(header.restoreState(QByteArray(state)))
    return False


def set_column_widths(table: QTableView, widths: tuple[int, ...], stretch: int | None = None) -> None:
    """Default widths, never narrower than the header text (plus room for the sort
    indicator); ``stretch`` takes the remaining width."""
    header = table.horizontalHeader()
    model = table.model()
    metrics = header.fontMetrics()
    for column, width in enumerate(widths):
        text = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        table.setColumnWidth(column, max(width, metrics.horizontalAdvance(text) + 34))
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
