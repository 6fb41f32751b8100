"""What the row writes of every aggregate share: locking one row of a tenant."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditdesk.domain.errors import NotFoundError

M = TypeVar("M")


def locked_row(session: Session, model: type[M], tenant_id: int, row_id: int, what: str) -> M:
    """The ORM row, locked until the transaction ends; ``NotFoundError`` naming ``what``
    (e.g. "Observation 42") when the tenant has no such row."""
    table: Any = model
    row = session.scalar(
        select(model).where(table.tenant_id == tenant_id, table.id == row_id).with_for_update()
    )
    if row is None:
        raise NotFoundError(f"{what} does not exist (it may have been deleted).")
    return row
