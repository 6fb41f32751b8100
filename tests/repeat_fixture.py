"""Loads the hand-written repeat pairs (fixtures/repeat_pairs.json) into a tenant."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import factories as f

FIXTURE = Path(__file__).parent / "fixtures" / "repeat_pairs.json"


def load(session, slug: str = "pairs"):
    """Create a tenant with every finding of the fixture; returns (tenant, actor,
    {key: observation}, pairs)."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    tenant = f.tenant(session, slug)
    who = f.actor(tenant)
    engagements: dict[tuple[str, str], int] = {}
    found = {}
    for item in sorted(data["findings"], key=lambda x: x["identified_on"]):
        engagement_id = None
        if item["auditee"]:
            key = (item["auditee"], item["engagement"])
            if key not in engagements:
                engagements[key] = f.engagement(
                    session, who, code=f"ENG-{len(engagements) + 1:03d}",
                    title=item["engagement"], auditee=item["auditee"],
                ).id
            engagement_id = engagements[key]
        found[item["key"]] = f.observation(
            session, who, title=item["title"], condition=item["condition"], cause=item["cause"],
            identified_on=date.fromisoformat(item["identified_on"]), engagement_id=engagement_id,
            severity="medium",
        )
    return tenant, who, found, [(p["later"], p["earlier"]) for p in data["pairs"]]
