"""The ``Changes`` a write reports: the rows it changed, and the audit trail it extended.

Every write adds rows to ``audit_log`` (the database's trigger writes them), so each
use case that writes reports that table as changed too (see docs/architecture.md,
"The path of one action").
"""

from __future__ import annotations

from collections.abc import Iterable

from auditdesk.domain.changes import Changes, Table


def written(table: Table, ids: Iterable[int] | None = None) -> Changes:
    """``ids`` of ``table`` changed (``None``: the whole table), and the audit trail grew."""
    return Changes.of(table, ids) | Changes.tables(Table.AUDIT_LOG)
