"""The set-based reads and inserts an import of findings needs.

``auditdesk.services.importing`` decides what to write; this module looks up many refs,
codes and people in a few queries and inserts new findings in batches (each row still
passes every constraint and trigger, so the audit trail and the repeat trees are kept
by PostgreSQL as for a single save). See docs/architecture.md, "Import and export".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from auditdesk.data.errors import translated_errors
from auditdesk.data.observation_writes import REF_PREFIX, next_ref
from auditdesk.data.planning import custom_plans
from auditdesk.db.engine import actor as set_actor
from auditdesk.db.models import EngagementRow, ObservationRowModel, UserRow
from auditdesk.domain.records import Actor

O = ObservationRowModel
Earlier = aliased(ObservationRowModel, name="earlier")
_CHUNK = 5_000
__all__ = ["next_ref"]  # new rows without a ref take the next one, as in the editor
_NUMBERED_REF = re.compile(rf"^{re.escape(REF_PREFIX)}(\d{{1,12}})$")

#: The columns an import compares and writes, besides ref and id.
COMPARED = (
    "title", "severity", "status", "owner_id", "identified_on", "due_date",
    "original_due_date", "engagement_id", "repeat_of_id", "criteria", "condition", "cause",
    "effect", "recommendation", "management_response",
)


@dataclass(frozen=True, slots=True)
class StoredFinding:
    id: int
    ref: str
    version: int
    identified_on: date
    repeat_of_ref: str | None
    values: dict[str, Any]  # COMPARED column -> stored value


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _listed(refs: Sequence[str]):
    """``refs`` as a set the planner can hash or probe by index: an IN list of thousands
    of values is compared value by value against every row a sequential scan reads."""
    return select(func.unnest(cast(bindparam("refs", list(refs)), ARRAY(Text))))


def stored_by_ref(session: Session, tenant_id: int, refs: Iterable[str]) -> dict[str, StoredFinding]:
    """The tenant's findings with these refs, by ref.

    Each ref is probed through the (tenant, ref) index in a LATERAL subquery that the
    planner may not flatten (OFFSET 0): planned on statistics older than a bulk insert
    (an import again right after the first), the flattened join chose a nested loop that
    scanned every finding once per ref (minutes for 100,000 refs). Planned for each
    chunk (``custom_plans``: a 100,000-row import had prepared them while the table
    was still empty, and the generic plan kept from then scanned the table per ref),
    not once for the connection."""
    wanted = sorted(set(refs))
    found: dict[str, StoredFinding] = {}
    columns = [getattr(O, name) for name in COMPARED]
    wanted_ref = func.unnest(cast(bindparam("refs"), ARRAY(Text))).table_valued("ref").render_derived(
        name="wanted")
    probe = (
        select(O.id, O.ref, O.version, Earlier.ref.label("earlier_ref"), *columns)
        .outerjoin(Earlier, (Earlier.tenant_id == O.tenant_id) & (Earlier.id == O.repeat_of_id))
        .where(O.tenant_id == tenant_id, O.ref == wanted_ref.c.ref)
        .offset(0)
        .lateral("stored")
    )
    query = select(probe).select_from(wanted_ref).join(probe, text("true"))
    with custom_plans(session):
        for chunk in _chunks(wanted):
            for row in session.execute(query, {"refs": list(chunk)}):
                mapping = row._mapping
                found[row.ref] = StoredFinding(
                    row.id, row.ref, row.version, row.identified_on, row.earlier_ref,
                    {name: mapping[name] for name in COMPARED},
                )
    return found


def refs_of_other_tenants(session: Session, tenant_id: int, refs: Iterable[str]) -> set[str]:
    """Which of ``refs`` the login can see in another tenant (row-level security shows a
    tenant login none, so it learns nothing about other organisations)."""
    wanted = sorted(set(refs))
    seen: set[str] = set()
    with custom_plans(session):
        for chunk in _chunks(wanted):
            seen.update(session.scalars(
                select(O.ref).where(O.tenant_id != tenant_id, O.ref.in_(_listed(chunk))).distinct()
            ))
    return seen


def engagement_ids(session: Session, tenant_id: int) -> dict[str, int]:
    query = select(EngagementRow.code, EngagementRow.id).where(EngagementRow.tenant_id == tenant_id)
    return {code: engagement_id for code, engagement_id in session.execute(query)}


def people(session: Session, tenant_id: int) -> list[tuple[int, str, str]]:
    """(id, e-mail, display name) of every user of the tenant, active or not."""
    query = select(UserRow.id, UserRow.email, UserRow.display_name).where(UserRow.tenant_id == tenant_id)
    return [(uid, email, name) for uid, email, name in session.execute(query)]


_INSERT_COLUMNS = {
    "ref": "text", "title": "text", "severity": "text", "status": "text", "owner_id": "bigint",
    "identified_on": "date", "due_date": "date", "original_due_date": "date",
    "closed_at": "timestamptz", "closure_reason": "text", "engagement_id": "bigint",
    "repeat_of_id": "bigint",
    "criteria": "text", "condition": "text", "cause": "text", "effect": "text",
    "recommendation": "text", "management_response": "text",
}
_INSERT = text(
    f"""
    INSERT INTO observation (tenant_id, {", ".join(_INSERT_COLUMNS)})
    SELECT :tenant, {", ".join(f"r.{name}" for name in _INSERT_COLUMNS)}
      FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS r({", ".join(f"{name} {kind}" for name, kind in _INSERT_COLUMNS.items())})
    RETURNING ref, id
    """
)


def _json_value(value: Any) -> Any:
    """What ``json`` cannot write itself: dates and times (ISO, as PostgreSQL reads them)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def insert_findings(session: Session, actor: Actor, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert validated rows (each with a ``ref``, the COMPARED columns and ``closed_at``),
    a batch per statement; the new ids by ref."""
    if not rows:
        return {}
    set_actor(session, actor.user_id)
    ids: dict[str, int] = {}
    with translated_errors():
        for start in range(0, len(rows), _CHUNK):
            # the rows as they are: jsonb_to_recordset reads the named columns (a missing
            # one is NULL) and json asks _json_value only for the dates
            batch = json.dumps(rows[start:start + _CHUNK], default=_json_value,
                               check_circular=False)
            found = session.execute(_INSERT, {"tenant": actor.tenant_id, "rows": batch})
            ids.update({ref: new_id for ref, new_id in found})
    return ids


def keep_counter_ahead(session: Session, tenant_id: int, refs: Iterable[str]) -> None:
    """Move the tenant's ref counter past the highest imported OBS-number, so that the
    next finding made in the client does not take an imported ref."""
    highest = max(
        (int(m.group(1)) for ref in refs if (m := _NUMBERED_REF.match(ref))), default=0
    )
    if not highest:
        return
    session.execute(
        text(
            """
            INSERT INTO tenant_counter (tenant_id, name, last_value)
            VALUES (:tenant, 'observation', :value)
            ON CONFLICT (tenant_id, name)
            DO UPDATE SET last_value = greatest(tenant_counter.last_value, excluded.last_value)
            """
        ),
        {"tenant": tenant_id, "value": highest},
    )


def count_findings(session: Session, tenant_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(O).where(O.tenant_id == tenant_id)) or 0)
