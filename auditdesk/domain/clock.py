"""One clock per tenant: a tenant's time zone, and "today" in it.

Every date the application derives from the current moment — today, overdue, due-date
defaults, snapshot dates, trend buckets, report dates — is the date in the tenant's
IANA time zone (``tenant.time_zone``), never the workstation's local date and never the
database server's UTC date. See docs/architecture.md, "One clock".
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from auditdesk.domain.errors import ValidationError

DEFAULT_TIME_ZONE = "UTC"

# Region/City names (and UTC, Etc/GMT+5 ...), never a POSIX rule such as "EST5EDT+1".
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")


# Files in the zoneinfo folder that are not zones a tenant should pick.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES) | {DEFAULT_TIME_ZONE}


def validate_time_zone(name: str | None) -> str:
    """The zone name stripped, or ``ValidationError`` on ``time_zone`` in words."""
    zone = (name or "").strip()
    if not zone:
        raise ValidationError({"time_zone": "is required (an IANA name such as Europe/Berlin)"})
    if len(zone) > 64 or not _NAME.match(zone) or zone not in _known_zones():
        raise ValidationError(
            {"time_zone": f"'{zone[:64]}' is not a known time zone; use an IANA name such as "
             "Europe/Berlin, America/New_York or UTC"}
        )
    try:
        zone_info(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"time_zone": f"'{zone}' is not a known time zone"}) from error
    return zone


def zone_info(name: str) -> tzinfo:
    """The zone's rules; UTC works even on a host without time-zone data."""
    if name == DEFAULT_TIME_ZONE:
        return UTC
    return ZoneInfo(name)


def utc_now() -> datetime:
    """This instant: the one place the application reads the wall clock. Call it as
    ``clock.utc_now()`` (module attribute) so that a test can replace it."""
    return datetime.now(UTC)


def workstation_today() -> date:
    """The workstation's local date: only for a widget that belongs to no tenant (a
    tenant's dates are ``today_in(tenant.time_zone)``)."""
    return utc_now().astimezone().date()


def today_in(zone: str, now: datetime | None = None) -> date:
    """The calendar date in ``zone`` at ``now`` (an aware moment; default: this instant)."""
    moment = now if now is not None else utc_now()
    if moment.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return moment.astimezone(zone_info(zone)).date()


@dataclass(frozen=True, slots=True)
class Clock:
    """A tenant's clock: its zone, and optionally a fixed instant (tests, replays)."""

    zone: str = DEFAULT_TIME_ZONE
    fixed_now: datetime | None = None

    def now(self) -> datetime:
        moment = self.fixed_now if self.fixed_now is not None else utc_now()
        return moment.astimezone(zone_info(self.zone))

    def today(self) -> date:
        return today_in(self.zone, self.fixed_now)


# --------------------------------------------------------------------------------------
# The workstation's zone (what a new tenant starts with)

_ZONEINFO_MARKER = "zoneinfo/"


def _zone_or_none(candidate: str | None) -> str | None:
    if not candidate:
        return None
    candidate = candidate.strip().lstrip(":")
    if _ZONEINFO_MARKER in candidate:  # TZ=:/usr/share/zoneinfo/Europe/Berlin
        candidate = candidate.split(_ZONEINFO_MARKER, 1)[1]
    for prefix in ("posix/", "right/"):
        candidate = candidate.removeprefix(prefix)
    try:
        return validate_time_zone(candidate)
    except ValidationError:
        return None


def workstation_time_zone(
    environ: Mapping[str, str] | None = None, root: Path = Path("/")
) -> str:
    """The workstation's IANA zone: ``TZ``, ``/etc/timezone``, the ``/etc/localtime``
    link, else UTC. ``datetime.astimezone()`` only knows an abbreviation such as CET."""
    env = os.environ if environ is None else environ
    found = _zone_or_none(env.get("TZ"))
    if found:
        return found
    try:
        found = _zone_or_none((root / "etc/timezone").read_text(encoding="utf-8"))
    except OSError:
        found = None
    if found:
        return found
    try:
        found = _zone_or_none(os.readlink(root / "etc/localtime"))
    except OSError:
        found = None
    return found or DEFAULT_TIME_ZONE
