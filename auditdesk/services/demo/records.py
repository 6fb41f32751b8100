"""What a demo load reports back (its progress lines and summary), and the refusal to
load it twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditdesk.domain.errors import AuditDeskError

Progress = Callable[[str], None]
"""``progress(line)``: one line per step of a load."""


@dataclass(frozen=True)
class TenantDemoSummary:
    slug: str
    name: str
    users: int
    engagements: int
    auditees: int
    observations: int
    repeats: int


@dataclass(frozen=True)
class DemoSummary:
    tenants: tuple[TenantDemoSummary, ...]
    seed: int
    elapsed_seconds: float

    @property
    def users(self) -> int:
        return sum(t.users for t in self.tenants)

    @property
    def engagements(self) -> int:
        return sum(t.engagements for t in self.tenants)

    @property
    def observations(self) -> int:
        return sum(t.observations for t in self.tenants)

    @property
    def repeats(self) -> int:
        return sum(t.repeats for t in self.tenants)

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "tenants": [t.__dict__.copy() for t in self.tenants],
            "users": self.users,
            "engagements": self.engagements,
            "observations": self.observations,
            "repeats": self.repeats,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
        }


class DemoDataExists(AuditDeskError):
    """The demo tenants are already in the database."""

