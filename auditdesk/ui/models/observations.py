"""The observations table model: lazy, paged, and bounded in memory.

The model never holds the whole result. It knows the row count (``count_observations``,
fetched in the background) and keeps a small LRU of 200-row pages. ``data()`` for a
row that is not cached returns a placeholder and asks the worker for its page; when
the page arrives the rows are announced with ``dataChanged``.

Each page is fetched the cheapest way available:

* the first page: ``OFFSET 0``;
* next to a cached page: a keyset walk from that page's edge row (``after=``),
  in the reversed order when the neighbour lies below;
* near the end: the reversed sort order (``descending`` flipped) with a small
  offset, reversed in Python, so "jump to the last row" never runs a huge OFFSET;
* anywhere else: the smallest offset counted from the nearest known point.

Sorting and filtering run in the database. A new query keeps showing the old rows
until its first page arrives, then swaps in one model reset; a re-sort keeps the
row count (it cannot change), a new filter counts again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.domain.records import ObservationRow
from auditdesk.services import observations as observation_service
from auditdesk.ui.context import AppContext
from auditdesk.ui.models.observation_cells import (
    COLUMN_KEYS,
    COLUMNS,
    PLACEHOLDER,
    IdRole,
    RowRole,
    cell_data,
    prepare_paint_cache,
)
from auditdesk.ui.models.observation_pages import PAGE_SIZE, PagePlan, Query, plan_page

# The columns and roles are the table's vocabulary: importable from here too.
__all__ = [
    "COLUMNS", "MAX_PAGES", "PAGE_SIZE", "PLACEHOLDER", "IdRole", "ObservationTableModel",
    "PagePlan", "Query", "RowRole",
]

MAX_PAGES = 8  # rows held at most: PAGE_SIZE * MAX_PAGES
MAX_IN_FLIGHT = 2
MAX_WANTED = 4  # newest page requests kept while scrolling fast; older ones are dropped

_Index = QModelIndex | QPersistentModelIndex


class ObservationTableModel(QAbstractTableModel):
    """Lazy, paged model of one tenant's observations."""

    #: emitted when the first page of a new query is shown (rows visible)
    first_page_loaded = Signal()
    #: emitted when the total row count of the current query is known
    count_known = Signal(int)
    #: emitted when only an estimate of a new filter's count is known yet (the planner's)
    count_estimated = Signal(int)
    #: every page that arrived (page number), for tests and the benchmark
    page_loaded = Signal(int)
    loading_changed = Signal(bool)
    failed = Signal(object)

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self._context = context
        self._query = Query()
        self._generation = 0  # bumped when the shown query changes
        self._pending_generation = 0  # the query being prepared (its first page is on the way)
        self._pending_query: Query | None = None
        self._pending_count: int | None = None
        self._rows_shown = 0  # rowCount()
        self._count: int | None = None
        self._pages: OrderedDict[int, list[ObservationRow]] = OrderedDict()
        self._wanted: list[int] = []  # newest last
        self._in_flight: set[int] = set()
        self._stale: set[int] = set()  # pages to refresh when next asked for
        self.fetch_count = 0  # pages fetched since construction (tests)
        self.page_plans: list[tuple[int, PagePlan]] = []  # last plans (tests, bounded)
        prepare_paint_cache()  # brushes and font made now, not during the first paint

    # -- public API ---------------------------------------------------------------------------
    @property
    def query(self) -> Query:
        return self._pending_query or self._query

    @property
    def total(self) -> int | None:
        return self._count

    @property
    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def cached_row_count(self) -> int:
        return sum(len(page) for page in self._pages.values())

    def is_loading(self) -> bool:
        return self._pending_query is not None

    def set_filter(self, flt: ObservationFilter) -> None:
        self.load(replace(self.query, flt=flt))

    def set_order(self, sort: ObservationSort, descending: bool) -> None:
        self.load(replace(self.query, sort=ObservationSort(sort), descending=descending))

    def reload(self) -> None:
        self.load(self.query, force=True)

    def load(self, query: Query, *, force: bool = False) -> None:
        """Show ``query``: the current rows stay until its first page arrives."""
        if self._context.tenant is None or self._context.database is None:
            return
        same_filter = query.flt == self._query.flt and self._count is not None and not force
        self._pending_generation += 1
        generation = self._pending_generation
        self._pending_query = query
        self._pending_count = self._count if same_filter else None
        tenant_id = self._context.tenant_id
        plan = PagePlan(query.descending, 0, PAGE_SIZE, None, False)
        self.loading_changed.emit(True)
        self._context.worker.submit(
            lambda s: plan.run(s, tenant_id, query),
            lambda rows: self._first_page_arrived(generation, rows),
            lambda error: self._failed(generation, error),
            key=f"obs-first-{id(self)}",
            owner=self,
        )
        if not same_filter:
            # Quick first (the tally, a capped count or an estimate); the exact count only
            # when that was an estimate, asked for once it arrived.
            self._context.worker.submit(
                lambda s: observation_service.count_at_once(s, tenant_id, query.flt),
                lambda found: self._estimate_arrived(generation, query, *found),
                lambda error: self._failed(generation, error),
                key=f"obs-estimate-{id(self)}",
                owner=self,
            )

    def clear(self) -> None:
        """Show nothing (no tenant, or no database): answers still on the way are dropped."""
        self.beginResetModel()
        self._generation += 1
        self._pending_generation += 1
        self._pending_query = None
        self._pending_count = None
        self._count = None
        self._rows_shown = 0
        self._pages.clear()
        self._wanted.clear()
        self._in_flight.clear()
        self._stale.clear()
        self.endResetModel()
        self.loading_changed.emit(False)

    def row_at(self, row: int) -> ObservationRow | None:
        """The cached row, or None (a fetch is requested)."""
        if row < 0 or row >= self._rows_shown:
            return None
        page_no, offset = divmod(row, PAGE_SIZE)
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            if page_no in self._stale:
                self._want(page_no)
            return page[offset] if offset < len(page) else None
        self._want(page_no)
        return None

    def row_of_id(self, observation_id: int) -> int | None:
        for page_no, page in self._pages.items():
            for i, row in enumerate(page):
                if row.id == observation_id:
                    return page_no * PAGE_SIZE + i
        return None

    def refresh_ids(self, ids) -> None:
        """Something changed these observations (or inserted/deleted some): refresh what is shown."""
        ids = set(ids or ())
        touched = {
            page_no
            for page_no, page in self._pages.items()
            if not ids or any(row.id in ids for row in page)
        }
        if self._context.tenant is None or self._context.database is None:
            return
        # A write may add or remove rows anywhere: count again; refresh affected pages.
        generation = self._generation
        tenant_id = self._context.tenant_id
        flt = self._query.flt
        self._context.worker.submit(
            lambda s: observation_service.count(s, tenant_id, flt),
            lambda n: self._recount_arrived(generation, n),
            lambda error: self._failed(generation, error),
            key=f"obs-recount-{id(self)}",
            owner=self,
        )
        self._stale |= touched
        for page_no in touched:
            self._want(page_no)

    # -- Qt model -------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows_shown

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].header
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {COLUMNS[section].header.lower()}"
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called thousands of times per paint: see observation_cells.cell_data.
        if not index.isValid():
            return None
        row_number, column_number = index.row(), index.column()
        if row_number >= self._rows_shown or not 0 <= column_number < len(COLUMNS):
            return None
        return cell_data(self.row_at(row_number), COLUMN_KEYS[column_number], role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS) and (key := COLUMNS[column].sort) is not None:
            self.set_order(key, order == Qt.SortOrder.DescendingOrder)

    # -- paging ---------------------------------------------------------------------------------
    def plan_page(self, page_no: int) -> PagePlan:
        """The cheapest way to fetch ``page_no`` given what is cached and known."""
        fresh = {p: rows for p, rows in self._pages.items() if p not in self._stale}
        return plan_page(page_no, self._query, self._count, fresh)

    def _want(self, page_no: int) -> None:
        if page_no in self._in_flight:
            return
        if page_no in self._wanted:
            self._wanted.remove(page_no)
        self._wanted.append(page_no)
        del self._wanted[:-MAX_WANTED]
        self._pump()

    def _pump(self) -> None:
        if self._context.tenant is None or self._context.database is None:
            return
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            page_no = self._wanted.pop()  # newest first: what the user looks at now
            if page_no * PAGE_SIZE >= max(self._rows_shown, 1):
                continue
            plan = self.plan_page(page_no)
            self.page_plans.append((page_no, plan))
            del self.page_plans[:-50]
            self._in_flight.add(page_no)
            generation = self._generation
            tenant_id = self._context.tenant_id
            query = self._query
            self._context.worker.submit(
                lambda s, plan=plan, t=tenant_id, q=query: plan.run(s, t, q),
                lambda rows, p=page_no, g=generation: self._page_arrived(g, p, rows),
                lambda error, p=page_no, g=generation: self._page_failed(g, p, error),
                owner=self,
            )

    def _store(self, page_no: int, rows: list[ObservationRow]) -> None:
        self._pages[page_no] = rows
        self._pages.move_to_end(page_no)
        self._stale.discard(page_no)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    def _page_arrived(self, generation: int, page_no: int, rows: list[ObservationRow]) -> None:
        if generation != self._generation:
            return
        self._in_flight.discard(page_no)
        self.fetch_count += 1
        self._store(page_no, rows)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._rows_shown) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page_no)
        self._pump()

    def _page_failed(self, generation: int, page_no: int, error: BaseException) -> None:
        if generation == self._generation:
            self._in_flight.discard(page_no)
            self.failed.emit(error)

    def _first_page_arrived(self, generation: int, rows: list[ObservationRow]) -> None:
        if generation != self._pending_generation or self._pending_query is None:
            return
        self.beginResetModel()
        self._generation += 1
        self._query = self._pending_query
        self._pending_query = None
        self._count = self._pending_count
        self._pages.clear()
        self._wanted.clear()
        self._in_flight.clear()
        self._stale.clear()
        self._store(0, rows)
        if self._count is not None:
            self._rows_shown = self._count
        else:
            self._rows_shown = len(rows)
            if len(rows) < PAGE_SIZE:
                self._count = len(rows)
        self.fetch_count += 1
        self.endResetModel()
        self.loading_changed.emit(False)
        self.first_page_loaded.emit()
        if self._count is not None:
            self.count_known.emit(self._count)

    def _count_arrived(self, generation: int, count: int) -> None:
        if generation != self._pending_generation:
            return
        if self._pending_query is not None:
            self._pending_count = count  # first page still on the way
            return
        self._set_count(count)

    def _estimate_arrived(self, generation: int, query: Query, count: int, exact: bool) -> None:
        if generation != self._pending_generation:
            return
        if exact:
            self._count_arrived(generation, count)
            return
        self.count_estimated.emit(count)
        tenant_id = self._context.tenant_id
        self._context.worker.submit(
            lambda s: observation_service.count(s, tenant_id, query.flt),
            lambda n: self._count_arrived(generation, n),
            lambda error: self._failed(generation, error),
            key=f"obs-count-{id(self)}",
            owner=self,
        )

    def _recount_arrived(self, generation: int, count: int) -> None:
        if generation == self._generation and self._pending_query is None:
            if count != self._count:
                # Rows moved: every cached page may be shifted; refresh them as they are seen.
                self._stale |= set(self._pages)
            self._set_count(count)

    def _set_count(self, count: int) -> None:
        old = self._rows_shown
        self._count = count
        if count > old:
            self.beginInsertRows(QModelIndex(), old, count - 1)
            self._rows_shown = count
            self.endInsertRows()
        elif count < old:
            self.beginRemoveRows(QModelIndex(), count, old - 1)
            self._rows_shown = count
            for page_no in [p for p in self._pages if p * PAGE_SIZE >= count]:
                del self._pages[page_no]
            self.endRemoveRows()
        self.count_known.emit(count)
        if self._stale:
            first, last = 0, self._rows_shown - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._pending_generation:
            self._pending_query = None
            self.loading_changed.emit(False)
            self.failed.emit(error)


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
