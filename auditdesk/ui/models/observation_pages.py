"""How the observations table fetches a page: what it shows (``Query``), and the cheapest
plan for one page given the pages it holds (``plan_page``, see ``models/observations.py``
for the strategies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditdesk.domain.queries import ObservationFilter, ObservationSort
from auditdesk.domain.records import ObservationRow
from auditdesk.services import observations as observation_service

PAGE_SIZE = 200


@dataclass(frozen=True)
class Query:
    """What the table shows: filter and order."""

    flt: ObservationFilter = ObservationFilter()
    sort: ObservationSort = ObservationSort.REF
    descending: bool = False


@dataclass(frozen=True)
class PagePlan:
    """How one page is fetched (exposed for tests and the benchmark)."""

    descending: bool
    offset: int
    limit: int
    after: tuple[Any, int] | None
    reverse: bool

    def run(self, session, tenant_id: int, query: Query) -> list[ObservationRow]:
        rows = observation_service.list_page(
            session,
            tenant_id,
            query.flt,
            query.sort,
            self.descending,
            offset=self.offset,
            limit=self.limit,
            after=self.after,
        )
        if self.reverse:
            rows.reverse()
        return rows


def plan_page(
    page_no: int, query: Query, total: int | None, pages: Mapping[int, list[ObservationRow]]
) -> PagePlan:
    """The cheapest way to fetch ``page_no`` of ``query`` (``total`` rows if known) given
    the cached ``pages`` that are up to date."""
    start = page_no * PAGE_SIZE
    end = start + PAGE_SIZE if total is None else min(start + PAGE_SIZE, total)
    limit = max(end - start, 1)
    options: list[tuple[int, PagePlan]] = [
        (start, PagePlan(query.descending, start, limit, None, False))
    ]
    if total is not None:
        options.append(
            (total - end, PagePlan(not query.descending, total - end, limit, None, True))
        )
    below = [p for p in pages if p < page_no and pages[p]]
    above = [p for p in pages if p > page_no and pages[p]]
    if below:
        q = max(below)
        edge = pages[q][-1]
        gap = (page_no - q - 1) * PAGE_SIZE + (PAGE_SIZE - len(pages[q]))
        after = (observation_service.sort_value(edge, query.sort), edge.id)
        options.append((gap, PagePlan(query.descending, gap, limit, after, False)))
    if above:
        r = min(above)
        edge = pages[r][0]
        gap = max((r * PAGE_SIZE) - end, 0)
        after = (observation_service.sort_value(edge, query.sort), edge.id)
        options.append((gap, PagePlan(not query.descending, gap, limit, after, True)))
    return min(options, key=lambda option: option[0])[1]
