"""Bounds on what one request may ask for, so that a typo cannot fill a disk.

The demo loader and the snapshot backfill check these before any row is written
(see docs/architecture.md, "Bounded input").
"""

from __future__ import annotations

from datetime import date

from auditdesk.domain.errors import ValidationError

MAX_DEMO_OBSERVATIONS = 10_000_000
MAX_BACKFILL_YEARS = 20


def check_demo_observations(count: int | None) -> None:
    """Refuse a demo size below zero or above ``MAX_DEMO_OBSERVATIONS``."""
    if count is None:
        return
    if count < 0:
        raise ValidationError({"observations": "must be zero or more"})
    if count > MAX_DEMO_OBSERVATIONS:
        raise ValidationError(
            {"observations": f"must be at most {MAX_DEMO_OBSERVATIONS:,} (asked for more)"}
        )


def earliest_backfill_day(today: date) -> date:
    """The first day a backfill may start on: ``MAX_BACKFILL_YEARS`` years before today."""
    try:
        return today.replace(year=today.year - MAX_BACKFILL_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MAX_BACKFILL_YEARS, day=28)


def check_backfill_start(start: date, today: date, first_finding: date | None) -> None:
    """Refuse a backfill that starts before the first finding or more than 20 years ago.

    Before the first finding every figure is zero, so nothing is lost by refusing.
    """
    if first_finding is None:
        raise ValidationError({"from": "there are no findings yet, so there is nothing to backfill"})
    oldest = earliest_backfill_day(today)
    if start < oldest:
        raise ValidationError(
            {"from": f"{start.isoformat()} is more than {MAX_BACKFILL_YEARS} years ago; "
                     f"a backfill starts on {max(oldest, first_finding).isoformat()} or later"}
        )
    if start < first_finding:
        raise ValidationError(
            {"from": f"{start.isoformat()} is before the first finding "
                     f"({first_finding.isoformat()}); start on that day or later"}
        )
