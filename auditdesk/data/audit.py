"""Reading the audit trail written by the ``audit_row_change`` trigger (never writing it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session

from auditdesk.data.tenants import clock_zone
from auditdesk.db.models import AuditLogRow, EngagementRow, ObservationRowModel, UserRow
from auditdesk.domain.audit import HIDDEN_FIELDS, ID_FIELDS, LABEL_FIELDS, AuditFilter
from auditdesk.domain.clock import zone_info
from auditdesk.domain.enums import AuditAction
from auditdesk.domain.records import AuditEntry, FieldChange

A = AuditLogRow


def _entry(row: A, user_name: str | None) -> AuditEntry:
    old, new = row.old_values or {}, row.new_values or {}
    action = AuditAction(row.action)
    if action is AuditAction.UPDATE:
        fields = [c for c in (row.changed_columns or []) if c not in HIDDEN_FIELDS]
        changes = tuple(FieldChange(f, old.get(f), new.get(f)) for f in fields)
    elif action is AuditAction.INSERT:
        changes = tuple(
            FieldChange(f, None, v)
            for f, v in sorted(new.items())
            if f not in HIDDEN_FIELDS and v not in (None, "")
        )
    else:
        changes = ()
    values = new or old
    label = next((str(values[k]) for k in LABEL_FIELDS if values.get(k)), str(row.row_id or ""))
    if action is AuditAction.UPDATE:
        summary = f"{label}: " + ", ".join(c.field for c in changes)
    else:
        summary = f"{label} {'created' if action is AuditAction.INSERT else 'deleted'}"
    return AuditEntry(
        id=row.id,
        table_name=row.table_name,
        row_id=row.row_id,
        action=action,
        changed_at=row.changed_at,
        db_login=row.db_login,
        app_user_id=row.app_user_id,
        user_name=user_name,
        changes=changes,
        summary=summary,
    )


def _query(session: Session, tenant_id: int, flt: AuditFilter):
    """The filter's conditions; its days run from midnight to midnight on the tenant's clock."""
    query = (
        select(A, UserRow.display_name)
        .outerjoin(UserRow, and_(UserRow.tenant_id == A.tenant_id, UserRow.id == A.app_user_id))
        .where(A.tenant_id == tenant_id)
    )
    if flt.table_name:
        query = query.where(A.table_name == flt.table_name)
    if flt.row_id is not None:
        query = query.where(A.row_id == flt.row_id)
    if flt.app_user_id is not None:
        query = query.where(A.app_user_id == flt.app_user_id)
    if flt.db_login:
        query = query.where(A.db_login == flt.db_login)
    if flt.date_from or flt.date_to:
        midnight = time.min.replace(tzinfo=zone_info(clock_zone(session, tenant_id)))
        if flt.date_from:
            query = query.where(A.changed_at >= datetime.combine(flt.date_from, midnight))
        if flt.date_to:
            query = query.where(
                A.changed_at < datetime.combine(flt.date_to + timedelta(days=1), midnight)
            )
    return query


def row_history(
    session: Session, tenant_id: int, table_name: str, row_id: int, limit: int = 500
) -> list[AuditEntry]:
    """Every change of one row, newest first, with the fields changed from → to and who."""
    return list_entries(
        session, tenant_id, AuditFilter(table_name=table_name, row_id=row_id), limit=limit
    )


def list_entries(
    session: Session,
    tenant_id: int,
    flt: AuditFilter = AuditFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
) -> list[AuditEntry]:
    query = _query(session, tenant_id, flt).order_by(A.changed_at.desc(), A.id.desc())
    rows = session.execute(query.offset(offset).limit(limit)).all()
    return [_entry(row, name) for row, name in rows]


def count_entries(session: Session, tenant_id: int, flt: AuditFilter = AuditFilter()) -> int:
    subquery = _query(session, tenant_id, flt).with_only_columns(A.id).subquery()
    return int(session.execute(select(func.count()).select_from(subquery)).scalar_one())


def audited_tables(session: Session, tenant_id: int) -> list[str]:
    return list(
        session.scalars(
            select(A.table_name).where(A.tenant_id == tenant_id).distinct().order_by(A.table_name)
        )
    )


def resolve_labels(
    session: Session, tenant_id: int, entries: list[AuditEntry]
) -> dict[str, dict[int, str]]:
    """What the ids in ``entries`` point at, for people to read: ``{field: {id: label}}``.

    Engagements read as their code, users as their name, observations as their ref
    (``ID_FIELDS``). One query for the whole page; an id whose row is gone is left out.
    """
    wanted: dict[str, set[int]] = {"engagement": set(), "user": set(), "observation": set()}
    for entry in entries:
        for change in entry.changes:
            kind = ID_FIELDS.get(change.field)
            if kind is None:
                continue
            for value in (change.old, change.new):
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted[kind].add(value)
    parts = []
    if wanted["engagement"]:
        parts.append(
            select(literal("engagement").label("kind"), EngagementRow.id, EngagementRow.code.label("label"))
            .where(EngagementRow.tenant_id == tenant_id, EngagementRow.id.in_(wanted["engagement"]))
        )
    if wanted["user"]:
        parts.append(
            select(literal("user").label("kind"), UserRow.id, UserRow.display_name.label("label"))
            .where(UserRow.tenant_id == tenant_id, UserRow.id.in_(wanted["user"]))
        )
    if wanted["observation"]:
        O = ObservationRowModel  # noqa: N806
        parts.append(
            select(literal("observation").label("kind"), O.id, O.ref.label("label"))
            .where(O.tenant_id == tenant_id, O.id.in_(wanted["observation"]))
        )
    names: dict[str, dict[int, str]] = {kind: {} for kind in wanted}
    if parts:
        query = parts[0] if len(parts) == 1 else union_all(*parts)
        for kind, row_id, label in session.execute(query):
            names[kind][row_id] = label
    return {field: names[kind] for field, kind in ID_FIELDS.items() if names[kind]}


def last_change(session: Session, tenant_id: int, table: str, row_id: int):
    """(who, when) of the latest audit entry for a row."""
    found = session.execute(
        select(
            func.coalesce(UserRow.display_name, AuditLogRow.db_login), AuditLogRow.changed_at
        )
        .outerjoin(
            UserRow,
            and_(UserRow.tenant_id == AuditLogRow.tenant_id, UserRow.id == AuditLogRow.app_user_id),
        )
        .where(
            AuditLogRow.tenant_id == tenant_id,
            AuditLogRow.table_name == table,
            AuditLogRow.row_id == row_id,
        )
        .order_by(AuditLogRow.changed_at.desc(), AuditLogRow.id.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else (None, None)
