"""Small builders for test data through the real data layer."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from auditdesk.domain.drafts import EngagementDraft, ObservationDraft
from auditdesk.domain.enums import Role
from auditdesk.domain.records import Actor, Tenant, User
from auditdesk.services import engagements as engagement_service
from auditdesk.services import observations as observation_service
from auditdesk.services import tenants as tenant_service

_numbers = count(1)


def tenant(session, slug: str | None = None, time_zone: str | None = None) -> Tenant:
    """A tenant on ``time_zone``'s clock (default: the workstation's zone)."""
    n = next(_numbers)
    return tenant_service.create_tenant(session, slug or f"t{n}", f"Tenant {n}", time_zone).value


def user(session, tenant_id: int, role: Role = Role.AUDITOR, name: str | None = None) -> User:
    n = next(_numbers)
    return tenant_service.create_user(
        session, tenant_id, f"user{n}@example.org", name or f"User {n}", role
    ).value


def actor(t: Tenant, u: User | None = None) -> Actor:
    if u is None:
        return Actor(tenant_id=t.id)
    return Actor(t.id, u.id, u.role, u.display_name)


def engagement(session, who: Actor, **fields):
    n = next(_numbers)
    values = {"code": f"ENG-2026-{n:03d}", "title": f"Engagement {n}", "auditee": "Treasury"}
    values.update(fields)
    return engagement_service.create(session, who, EngagementDraft(**values)).value


def observation(session, who: Actor, **fields):
    n = next(_numbers)
    values = {
        "title": f"Finding {n}",
        "severity": "medium",
        "identified_on": date.today() - timedelta(days=30),
        "condition": f"Condition text {n}",
    }
    values.update(fields)
    return observation_service.create(session, who, ObservationDraft(**values)).value


def empty_tables(connection, tables: str) -> None:
    """TRUNCATE for test isolation: the audit log refuses TRUNCATE, so the guard is
    switched off for this one transaction (only the table owner may do that)."""
    from sqlalchemy import text

    connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate"))
    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_truncate"))


def walk(session, who: Actor, observation_id: int, target: str):
    """Move an observation to ``target`` along the workflow's shortest path of steps."""
    from collections import deque

    from auditdesk.domain.enums import ObservationStatus
    from auditdesk.domain.transitions import WORKFLOW

    goal = ObservationStatus(target)
    start = observation_service.get(session, who.tenant_id, observation_id).status
    paths = deque([[start]])
    seen = {start}
    while paths:
        path = paths.popleft()
        if path[-1] is goal:
            current = None
            for status in path[1:]:
                # The walk closes as a manager does without a validation, with a reason.
                reason = "Closed by the test walk" if status is ObservationStatus.CLOSED else None
                accepted = None
                if status is ObservationStatus.RISK_ACCEPTED:
                    from auditdesk.data.tenants import tenant_today
                    from auditdesk.domain.remediation import RiskAcceptance

                    accepted = RiskAcceptance(
                        tenant_today(session, who.tenant_id) + timedelta(days=90),
                        "Accepted by the test walk",
                    )
                current = observation_service.change_status(
                    session, who, observation_id, status, closure_reason=reason,
                    acceptance=accepted,
                ).value
            return current
        for step in WORKFLOW[path[-1]]:
            if step.target not in seen:
                seen.add(step.target)
                paths.append([*path, step.target])
    raise ValueError(f"no path to {target}")
