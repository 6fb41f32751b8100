"""SQL expressions shared by queries and matched by expression indexes in migration 0002.

They are written as literal SQL on purpose: the planner uses an expression index
only when the query holds the same expression with constants, not bound parameters.
"""

from __future__ import annotations

from sqlalchemy import Integer, Text, literal_column

from auditdesk.db.models import ObservationRowModel

O = ObservationRowModel

SEVERITY_RANK = literal_column(
    "CASE observation.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 "
    "WHEN 'medium' THEN 2 ELSE 3 END",
    Integer,
)
STATUS_RANK = literal_column(
    "CASE observation.status WHEN 'draft' THEN 0 WHEN 'open' THEN 1 "
    "WHEN 'in_remediation' THEN 2 WHEN 'pending_validation' THEN 3 "
    "WHEN 'closed' THEN 4 ELSE 5 END",
    Integer,
)
OBSERVATION_SEARCH = literal_column(
    "(observation.ref || ' ' || observation.title || ' ' || observation.condition)", Text
)
ENGAGEMENT_SEARCH = literal_column(
    "(audit_engagement.code || ' ' || audit_engagement.title || ' ' || audit_engagement.auditee)",
    Text,
)

RESOLVED_STATUSES = ("closed", "risk_accepted")


def is_open():
    """Counted as open: not a draft, not closed, not risk-accepted."""
    return O.status.not_in(("draft", *RESOLVED_STATUSES))


def like_pattern(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
