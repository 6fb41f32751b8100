"""What the forms propose before the user chooses: the next free engagement code, and the
engagement a recurrence was most likely found in. Pure rules; the candidates come from
the database through ``auditdesk/services/proposals.py``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from auditdesk.domain.enums import EngagementStatus

CODE_DIGITS = 3


def code_prefix(year: int) -> str:
    return f"ENG-{year}-"


def next_engagement_code(taken: Iterable[str], year: int) -> str:
    """``ENG-<year>-<n>`` one above the highest number of that year in ``taken`` (gaps left
    by deleted engagements are not reused), at least three digits wide."""
    pattern = re.compile(rf"^{re.escape(code_prefix(year))}(\d+)$", re.IGNORECASE)
    numbers = [int(match.group(1)) for code in taken if (match := pattern.match(code.strip()))]
    return f"{code_prefix(year)}{max(numbers, default=0) + 1:0{CODE_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class EngagementCandidate:
    id: int
    auditee: str
    status: EngagementStatus
    planned_start: date | None


def recurrence_engagement(
    auditee: str | None, candidates: Iterable[EngagementCandidate], earlier_id: int | None = None
) -> int | None:
    """The engagement of the same auditee that is in fieldwork (the latest planned start
    when several are), other than ``earlier_id`` where the finding was first made; None
    when there is none."""
    if not auditee:
        return None
    wanted = auditee.strip().casefold()
    matching = [
        c
        for c in candidates
        if c.id != earlier_id
        and c.status is EngagementStatus.FIELDWORK
        and c.auditee.strip().casefold() == wanted
    ]
    if not matching:
        return None
    best = max(matching, key=lambda c: (c.planned_start or date.min, c.id))
    return best.id
