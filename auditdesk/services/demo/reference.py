"""The demo's small reference data, generated in Python from a seeded ``random.Random``:
users, and engagements per auditee spaced over three years with their teams. Inserted
as rows through the ORM table definitions; the observations follow in ``bulk.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from auditdesk.db.models import EngagementMemberRow, EngagementRow, UserRow
from auditdesk.services.demo.fixtures import (
    AUDITEES,
    ENGAGEMENT_FOCUS,
    FIRST_NAMES,
    LAST_NAMES,
    Auditee,
)

MAX_ENGAGEMENTS = 8_000
"""Engagements grow with ``--observations`` (one per 100 findings) up to this many."""


@dataclass(frozen=True)
class User:
    id: int
    role: str


def insert_users(
    connection: Connection,
    rng: random.Random,
    tenant_id: int,
    domain: str,
    roles: tuple[int, int, int],
) -> list[User]:
    admins, managers, auditors = roles
    people = rng.sample(
        [(f, last) for f in FIRST_NAMES for last in LAST_NAMES], admins + managers + auditors
    )
    wanted = ["admin"] * admins + ["manager"] * managers + ["auditor"] * auditors
    rows: list[dict[str, Any]] = []
    for (first, last), role in zip(people, wanted, strict=True):
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        local = local.translate(str.maketrans("áéíóöüß", "aeioous"))
        rows.append(
            {
                "tenant_id": tenant_id,
                "email": f"{local}@{domain}",
                "display_name": f"{first} {last}",
                "role": role,
            }
        )
    ids = connection.execute(
        insert(UserRow).returning(UserRow.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    return [User(id=i, role=r["role"]) for i, r in zip(ids, rows, strict=True)]


def pick_auditees(rng: random.Random, count: int) -> list[Auditee]:
    return rng.sample(list(AUDITEES), count)


@dataclass(frozen=True)
class PlannedEngagement:
    id: int
    auditee: int  # 1-based index into the tenant's auditees
    seq: int  # 1-based order within the auditee
    start: date
    window_end: date  # last day observations can be identified on
    status: str


def _engagement_status(start: date, end: date, today: date) -> str:
    if start > today:
        return "planned"
    if end >= today:
        return "fieldwork"
    if (today - end).days <= 40:
        return "reporting"
    return "closed"


def insert_engagements(
    connection: Connection,
    rng: random.Random,
    tenant_id: int,
    users: list[User],
    auditees: list[Auditee],
    total: int,
    today: date,
) -> list[PlannedEngagement]:
    """Engagements per auditee, spaced without overlap from three years ago to a few
    months ahead; statuses follow the dates."""
    weights = [a.weight + rng.random() for a in auditees]
    counts = [max(2, round(total * w / sum(weights))) for w in weights]
    while sum(counts) > total and max(counts) > 2:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < total:
        counts[rng.randrange(len(counts))] += 1
    span_start = today - timedelta(days=3 * 365)
    span_days = 3 * 365 + 180
    # A few auditees are in fieldwork today: their cycle is phased to start just before.
    in_fieldwork = set(rng.sample(range(len(auditees)), max(2, len(auditees) // 6)))
    leads = [u.id for u in users if u.role in ("auditor", "manager")]
    auditors = [u.id for u in users if u.role == "auditor"]
    drafts: list[dict[str, Any]] = []
    for a_index, (auditee, count) in enumerate(zip(auditees, counts, strict=True), start=1):
        slot = span_days / count
        if a_index - 1 in in_fieldwork:
            phase = ((today - span_start).days - rng.randint(5, 25)) % slot
        else:
            phase = rng.random() * slot
        starts = [
            span_start + timedelta(days=int(phase + i * slot + rng.random() * slot * 0.1))
            for i in range(count)
        ]
        for seq, start in enumerate(starts, start=1):
            duration = int(min(slot * 0.6, rng.randint(30, 70)))
            end = start + timedelta(days=duration)
            if seq < count:
                end = min(end, starts[seq])  # engagements of one auditee never overlap
            process = rng.choice(auditee.processes)
            focus = rng.choice(ENGAGEMENT_FOCUS)
            period_end = start - timedelta(days=1)
            lead = rng.choice(leads)
            team = {lead, *rng.sample(auditors, min(len(auditors), rng.randint(1, 3)))}
            drafts.append(
                {
                    "auditee_index": a_index,
                    "seq": seq,
                    "row": {
                        "tenant_id": tenant_id,
                        "title": f"{auditee.name} — {process.capitalize()} {focus}",
                        "auditee": auditee.name,
                        "lead_auditor_id": lead,
                        "status": _engagement_status(start, end, today),
                        "period_start": period_end - timedelta(days=364),
                        "period_end": period_end,
                        "planned_start": start,
                        "planned_end": end,
                    },
                    "team": sorted(team),
                }
            )
    # Codes are numbered per year in order of planned start.
    drafts.sort(key=lambda d: (d["row"]["planned_start"], d["auditee_index"]))
    per_year: dict[int, int] = {}
    for d in drafts:
        year = d["row"]["planned_start"].year
        per_year[year] = per_year.get(year, 0) + 1
        d["row"]["code"] = f"ENG-{year}-{per_year[year]:03d}"
    ids = connection.execute(
        insert(EngagementRow).returning(EngagementRow.id, sort_by_parameter_order=True),
        [d["row"] for d in drafts],
    ).scalars().all()
    members = [
        {"tenant_id": tenant_id, "engagement_id": e_id, "user_id": user_id}
        for e_id, d in zip(ids, drafts, strict=True)
        for user_id in d["team"]
    ]
    connection.execute(insert(EngagementMemberRow), members)
    return [
        PlannedEngagement(
            id=e_id,
            auditee=d["auditee_index"],
            seq=d["seq"],
            start=d["row"]["planned_start"],
            window_end=min(d["row"]["planned_end"], today),
            status=d["row"]["status"],
        )
        for e_id, d in zip(ids, drafts, strict=True)
    ]

