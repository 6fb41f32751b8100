"""Editing a stored row: the editable copy a form starts from, and optimistic locking
(a save names the version it started from; a stale one is refused with who saved last
and when)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from auditdesk.data.audit import last_change
from auditdesk.domain.changes import Table
from auditdesk.domain.errors import ConflictError

D = TypeVar("D", bound="DataclassInstance")


def editable_copy(record: Any, draft_type: type[D]) -> D:
    """A draft holding the record's value of every field the draft has (a field the
    record does not store keeps the draft's default)."""
    values = {f.name: getattr(record, f.name) for f in fields(draft_type) if hasattr(record, f.name)}
    return draft_type(**values)


def check_version(
    session: Session,
    tenant_id: int,
    table: Table,
    row_id: int,
    what: str,
    current_version: int,
    expected_version: int | None,
) -> None:
    """Raise ``ConflictError`` unless ``expected_version`` is the stored one; ``None``
    overwrites deliberately."""
    if expected_version is not None and current_version != expected_version:
        who, when = last_change(session, tenant_id, table.value, row_id)
        raise ConflictError(what, who, when, current_version)
