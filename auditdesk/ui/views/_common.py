"""Helpers shared by the table views: the view header, table set-up, the words shown
instead of an empty table (``EmptyOrTable``), and the title column that keeps its width
readable (``TitleColumnFit``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSplitter, QTableView, QWidget
from shiboken6 import isValid


class EmptyOrTable:
    """For a view whose ``stack`` shows its ``table``, or the ``empty`` label instead
    (no rows yet, or they could not load: ``failed_text``)."""

    failed_text = "Could not load engagements."

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):  # closed while the answer was on its way
            return
        if self.model.rowCount() == 0:
            self._show_empty(self.failed_text)
        self.context.show_error(error)

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)


def title_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("viewTitle")
    return label


def configure_table(table: QTableView) -> None:
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
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


def restore_splitter(settings: QSettings, key: str, splitter: QSplitter) -> bool:
    state = settings.value(key)
    if isinstance(state, QByteArray | bytes) and state:
        return bool(splitter.restoreState(QByteArray(state)))
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


HEADER_PADDING = 16  # a header section's padding (6 px a side, style.qss) and its border


class TitleColumnFit(QObject):
    """Keeps a table's title column readable: it stretches over the free width, and when
    that would leave it narrower than ``title_minimum`` the other columns give way first,
    each down to its own minimum (its header, or what ``minimums`` says).

    Runs whenever the table's viewport changes size; a user's own column widths are kept
    as long as the title still gets its minimum.
    """

    def __init__(
        self,
        view: QAbstractItemView,
        header: QHeaderView,
        title: int,
        title_minimum: int,
        minimums: dict[int, int] | None = None,
    ):
        super().__init__(view)
        self.view, self.header, self.title = view, header, title
        self.title_minimum = title_minimum
        self.minimums = dict(minimums or {})
        header.setSectionResizeMode(title, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(24)
        view.viewport().installEventFilter(self)
        header.sectionResized.connect(self._section_resized)
        self._fitting = False
        self._defaults = {c: header.sectionSize(c) for c in range(header.count())}

    @contextmanager
    def restoring(self) -> Iterator[None]:
        """Restore a saved layout inside this block: nothing gives way while it is applied,
        then the user's own widths are kept (``keep_restored_widths``)."""
        self._fitting = True
        try:
            yield
        finally:
            self._fitting = False
        self.keep_restored_widths()

    def keep_restored_widths(self) -> None:
        """After a saved layout is restored: a width the user chose (one that differs from
        the default) is kept; the columns still at their default give way."""
        for column, default in self._defaults.items():
            size = self.header.sectionSize(column)
            if column != self.title and size != default:
                self.minimums[column] = size
        self.fit()

    def minimum_of(self, column: int) -> int:
        if column in self.minimums:
            return self.minimums[column]
        model = self.view.model()
        text = str(model.headerData(column, Qt.Orientation.Horizontal) or "") if model else ""
        font = QFont(self.header.font())
        font.setWeight(QFont.Weight.DemiBold)  # the header sections' weight (style.qss)
        return QFontMetrics(font).horizontalAdvance(text) + HEADER_PADDING

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != self.title and not self._fitting:
            self.fit(keep=column)  # the column the user drags keeps its new width

    def fit(self, keep: int | None = None) -> None:
        """Shrink the other columns (those wider than their minimum, in proportion to what
        each can spare) until the title has its minimum or none can give more."""
        if self._fitting:
            return
        header = self.header
        available = self.view.viewport().width()
        if available <= 0 or header.count() == 0:
            return
        others = [
            c for c in range(header.count()) if c != self.title and not header.isSectionHidden(c)
        ]
        used = sum(header.sectionSize(c) for c in others)
        others = [c for c in others if c != keep]
        shortfall = self.title_minimum - (available - used)
        if shortfall <= 0:
            return
        spare = {c: max(header.sectionSize(c) - self.minimum_of(c), 0) for c in others}
        total_spare = sum(spare.values())
        if total_spare <= 0:
            return
        give = min(shortfall, total_spare)
        self._fitting = True
        try:
            for column, can in spare.items():
                if can:
                    header.resizeSection(column, header.sectionSize(column) - round(give * can / total_spare))
        finally:
            self._fitting = False


def text_width(view: QAbstractItemView, sample: str, padding: int = 14) -> int:
    """Pixels ``sample`` takes in the view's font, with a cell's padding."""
    view.ensurePolished()
    return view.fontMetrics().horizontalAdvance(sample) + padding


def readable_title_width(view: QAbstractItemView) -> int:
    """The least a title column gets: about 26 characters, the opening words of a title."""
    view.ensurePolished()
    return view.fontMetrics().averageCharWidth() * 26
