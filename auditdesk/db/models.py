"""ORM models: the database schema (tables, keys, constraints).

Every tenant-owned table keys on ``(tenant_id, id)``; references inside a tenant
are composite foreign keys so that no row can point into another tenant. The
schema is created by Alembic migrations only; these models are what
``alembic check`` compares the migrations with.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from auditdesk.domain.enums import (
    RESOLVED_STATUSES,
    ActionStatus,
    EngagementStatus,
    ObservationStatus,
    Role,
    Severity,
    ValidationResult,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def _in(column: str, values: list[str]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({listed})"


# The values the CHECK constraints allow: the domain's enumerations.
ROLES = [r.value for r in Role]
SUGGESTION_STATUSES = ["pending", "accepted", "rejected"]
# Must match migration 0006 exactly.
SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, condition), 'B') || "
    "setweight(to_tsvector('english'::regconfig, cause), 'C')"
)
SEARCH_TEXT = "lower(ref || ' ' || title || ' ' || condition)"
ENGAGEMENT_STATUSES = [s.value for s in EngagementStatus]
SEVERITIES = [s.value for s in Severity]
OBSERVATION_STATUSES = [s.value for s in ObservationStatus]
RESOLVED = [s.value for s in ObservationStatus if s in RESOLVED_STATUSES]
ACTION_STATUSES = [s.value for s in ActionStatus]
VALIDATION_RESULTS = [r.value for r in ValidationResult]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantRow(Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    # An IANA name; migration 0005's constraint trigger tenant_time_zone_check refuses
    # a name the server does not know.
    time_zone: Mapped[str] = mapped_column(Text, server_default=text("'UTC'"))

    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'", name="slug_format"),
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="name_length"),
    )


class TenantCounterRow(Base):
    """Per-tenant counters for human references (``OBS-000123``)."""

    __tablename__ = "tenant_counter"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class UserRow(Base):
    __tablename__ = "app_user"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    email: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, server_default=text("'auditor'"))
    db_login: Mapped[str | None] = mapped_column(Text, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "email"),
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("email ~ '^[^@[:space:]]+@[^@[:space:]]+$'", name="email_format"),
        CheckConstraint(
            "char_length(btrim(display_name)) BETWEEN 1 AND 200", name="display_name_length"
        ),
    )


class EngagementRow(Base):
    __tablename__ = "audit_engagement"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    code: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    auditee: Mapped[str] = mapped_column(Text)
    lead_auditor_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text, server_default=text("'planned'"))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),
        ForeignKeyConstraint(
            ["tenant_id", "lead_auditor_id"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (lead_auditor_id)",
        ),
        CheckConstraint(_in("status", ENGAGEMENT_STATUSES), name="status"),
        CheckConstraint("char_length(btrim(code)) BETWEEN 2 AND 32", name="code_length"),
        # Added by migration 0003; the same rule as domain/drafts.py CODE_PATTERN.
        CheckConstraint("code ~ '^[A-Z0-9][A-Z0-9._/-]{1,31}$'", name="code_format"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("char_length(btrim(auditee)) BETWEEN 1 AND 120", name="auditee_length"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("planned_end >= planned_start", name="planned_order"),
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "auditee"),
        Index(None, "tenant_id", "planned_end"),
        Index(None, "tenant_id", "title"),
        Index(None, "tenant_id", "lead_auditor_id"),
        Index(None, "tenant_id", "period_start"),
    )


class EngagementMemberRow(Base):
    __tablename__ = "engagement_member"

    tenant_id: Mapped[int] = mapped_column(BigInteger)
    engagement_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "engagement_id", "user_id"),
        ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["app_user.tenant_id", "app_user.id"], ondelete="CASCADE"
        ),
        Index(None, "tenant_id", "user_id"),
    )


class ObservationRowModel(Base):
    __tablename__ = "observation"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    ref: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text, server_default=text("''"))
    condition: Mapped[str] = mapped_column(Text, server_default=text("''"))
    cause: Mapped[str] = mapped_column(Text, server_default=text("''"))
    effect: Mapped[str] = mapped_column(Text, server_default=text("''"))
    recommendation: Mapped[str] = mapped_column(Text, server_default=text("''"))
    management_response: Mapped[str] = mapped_column(Text, server_default=text("''"))
    severity: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'draft'"))
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    identified_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    original_due_date: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    engagement_id: Mapped[int | None] = mapped_column(BigInteger)
    repeat_of_id: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Depth from the root of the repeat tree; kept by triggers (migration 0004).
    recurrence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The root of its repeat tree, and (on a root) the tree's summary; kept by triggers.
    root_id: Mapped[int | None] = mapped_column(BigInteger)
    tree_size: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    tree_depth: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    tree_open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    tree_reopened: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    tree_auditees: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    # Copies of what its links point at, for indexed sorts; kept by triggers (0009).
    engagement_code: Mapped[str | None] = mapped_column(Text)
    owner_name: Mapped[str | None] = mapped_column(Text)
    repeat_of_ref: Mapped[str | None] = mapped_column(Text)
    # Remediation (0011): risk acceptance that expires, closing and extension reasons.
    risk_accepted_until: Mapped[date | None] = mapped_column(Date)
    risk_accepted_by: Mapped[int | None] = mapped_column(BigInteger)  # set by the database
    risk_acceptance_reason: Mapped[str | None] = mapped_column(Text)
    closure_reason: Mapped[str | None] = mapped_column(Text)
    due_date_extension_reason: Mapped[str | None] = mapped_column(Text)
    # When it last entered pending_validation; set by the database.
    validation_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Its actions, counted by the trigger on remediation_action (0011).
    actions_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    actions_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_action_due_min: Mapped[date | None] = mapped_column(Date)
    # Weighted title/condition/cause for full-text search (see docs/architecture.md).
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR, persisted=True)
    )
    # Ref, title and condition lower-cased, for the table's text filter (migration 0021).
    search_text: Mapped[str | None] = mapped_column(
        Text, Computed(SEARCH_TEXT, persisted=True), deferred=True
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "ref"),
        ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (owner_id)",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            ondelete="SET NULL (engagement_id)",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "repeat_of_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="SET NULL (repeat_of_id)",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "risk_accepted_by"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (risk_accepted_by)",
        ),
        CheckConstraint(
            "greatest(char_length(risk_acceptance_reason), char_length(closure_reason), "
            "char_length(due_date_extension_reason)) <= 2000",
            name="reason_length",
        ),
        CheckConstraint(
            "status = 'risk_accepted' OR (risk_accepted_until IS NULL AND "
            "risk_acceptance_reason IS NULL)",
            name="risk_fields_match_status",
        ),
        CheckConstraint(
            "status = 'closed' OR closure_reason IS NULL", name="closure_reason_matches_status"
        ),
        # Mostly empty: only the rows with a value (migration 0029).
        Index(None, "tenant_id", "open_action_due_min",
              postgresql_where=text("open_action_due_min IS NOT NULL")),
        Index(None, "tenant_id", "risk_accepted_until",
              postgresql_where=text("risk_accepted_until IS NOT NULL")),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("status", OBSERVATION_STATUSES), name="status"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint(
            "greatest(char_length(criteria), char_length(condition), char_length(cause), "
            "char_length(effect), char_length(recommendation), "
            "char_length(management_response)) <= 10000",
            name="text_length",
        ),
        CheckConstraint("repeat_of_id <> id", name="not_self_repeat"),
        CheckConstraint("due_date >= identified_on", name="due_after_identified"),
        CheckConstraint(
            "original_due_date >= identified_on", name="original_due_after_identified"
        ),
        CheckConstraint(
            f"({_in('status', RESOLVED)}) = (closed_at IS NOT NULL)",
            name="closed_at_matches_status",
        ),
        Index(None, "tenant_id", "identified_on", "id"),
        Index(None, "tenant_id", "due_date", "id"),
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "severity"),
        Index(None, "tenant_id", "title", "id"),
        Index(None, "tenant_id", "owner_id", "id"),
        Index(None, "tenant_id", "engagement_id", "id"),
        Index(None, "tenant_id", "repeat_of_id", "id",
              postgresql_where=text("repeat_of_id IS NOT NULL")),
        Index(None, "tenant_id", "closed_at", "id"),
        Index(None, "tenant_id", "updated_at", "id"),
        Index(None, "tenant_id", "recurrence", "id"),
        Index(None, "tenant_id", "root_id", "id"),
        Index(None, "tenant_id", "engagement_code", "id"),
        Index(None, "tenant_id", "owner_name", "id"),
        Index(None, "tenant_id", "repeat_of_ref", "id"),
        CheckConstraint("recurrence >= 0", name="recurrence_non_negative"),
        CheckConstraint("tree_size >= 0", name="tree_size_non_negative"),
    )


class RemediationActionRow(Base):
    """One action of a finding's action plan (migration 0011)."""

    __tablename__ = "remediation_action"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    observation_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default=text("'planned'"))
    percent_complete: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    completed_on: Mapped[date | None] = mapped_column(Date)
    # The finding's engagement, kept by the database (migration 0015); never written here.
    finding_engagement_id: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "observation_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (owner_id)",
        ),
        CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("char_length(description) <= 10000", name="description_length"),
        CheckConstraint("percent_complete BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint(
            "(status = 'done') = (completed_on IS NOT NULL)", name="completed_on_matches_status"
        ),
        CheckConstraint("status <> 'done' OR percent_complete = 100", name="done_is_complete"),
        CheckConstraint("percent_complete < 100 OR status = 'done'", name="complete_is_done"),
        Index(None, "tenant_id", "observation_id", "due_date"),
        Index(None, "tenant_id", "owner_id"),
        Index(None, "tenant_id", "status", "due_date"),
    )


class ObservationValidationRow(Base):
    """A recorded validation of a finding's fix; inserted only (migration 0011)."""

    __tablename__ = "observation_validation"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    observation_id: Mapped[int] = mapped_column(BigInteger)
    validated_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, server_default=text("''"))
    validated_by: Mapped[int | None] = mapped_column(BigInteger)  # set by the database
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "observation_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "validated_by"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (validated_by)",
        ),
        CheckConstraint(_in("result", VALIDATION_RESULTS), name="result"),
        CheckConstraint("char_length(notes) <= 10000", name="notes_length"),
        Index(None, "tenant_id", "observation_id", "recorded_at"),
    )


class DueDatePolicyRow(Base):
    """Days from identification to the due date, per severity, for one tenant (0011)."""

    __tablename__ = "due_date_policy"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    severity: Mapped[str] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "severity"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint("days BETWEEN 1 AND 3650", name="days_range"),
    )


class TenantFigureDayRow(Base):
    """Per tenant and day, the change of each dashboard counter over the findings as they
    are now; kept by triggers (migration 0022, ``auditdesk.data.figure_days``). The
    columns are the counters of ``auditdesk.data.metrics`` (a test holds them equal)."""

    __tablename__ = "tenant_figure_day"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_critical: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_high: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_medium: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_low: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    overdue: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    closed_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    repeat_open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    due_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    compliant_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ObservationWordsRow(Base):
    """Each finding's searchable words (its ``search_vector``) and identified date, narrow,
    for the repeat candidates; kept by triggers (migration 0027,
    ``auditdesk.data.observation_words``)."""

    __tablename__ = "observation_words"

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    identified_on: Mapped[date] = mapped_column(Date)
    words: Mapped[str] = mapped_column(TSVECTOR)

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "id"], ["observation.tenant_id", "observation.id"], ondelete="CASCADE"
        ),
        Index(None, "tenant_id", "identified_on", "id"),
    )


class TenantTallyRow(Base):
    """All findings of a tenant, and the day its engagements' overdue tallies count as of;
    kept by triggers (see docs/architecture.md)."""

    __tablename__ = "tenant_tally"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    observations: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    overdue_as_of: Mapped[date] = mapped_column(Date)


class EngagementTallyRow(Base):
    """An engagement's findings (drafts excluded), open, closed and overdue as of the
    tenant's ``overdue_as_of``; kept by triggers."""

    __tablename__ = "engagement_tally"

    tenant_id: Mapped[int] = mapped_column(BigInteger)
    engagement_id: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    closed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    overdue: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "engagement_id"),
        ForeignKeyConstraint(
            ["tenant_id", "engagement_id"],
            ["audit_engagement.tenant_id", "audit_engagement.id"],
            ondelete="CASCADE",
        ),
    )


class RepeatSuggestionRow(Base):
    """A proposed repeat pair: ``observation`` may repeat the earlier ``candidate``."""

    __tablename__ = "repeat_suggestion"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    observation_id: Mapped[int] = mapped_column(BigInteger)
    candidate_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    reasons: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "observation_id", "candidate_id"),
        ForeignKeyConstraint(
            ["tenant_id", "observation_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "candidate_id"],
            ["observation.tenant_id", "observation.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "decided_by"],
            ["app_user.tenant_id", "app_user.id"],
            ondelete="SET NULL (decided_by)",
        ),
        CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        CheckConstraint("observation_id <> candidate_id", name="distinct_pair"),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_at_matches_status"
        ),
        CheckConstraint("jsonb_typeof(reasons) = 'array'", name="reasons_list"),
        Index(None, "tenant_id", "status", "score", "id"),
        Index(None, "tenant_id", "candidate_id"),
    )


class SnapshotRow(Base):
    __tablename__ = "dashboard_snapshot"

    tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenant.id", ondelete="CASCADE")
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    snapshot_date: Mapped[date] = mapped_column(Date)
    captured_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    source: Mapped[str] = mapped_column(Text, server_default=text("'captured'"))
    metrics_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    total: Mapped[int] = mapped_column(Integer)
    open_total: Mapped[int] = mapped_column(Integer)
    open_critical: Mapped[int] = mapped_column(Integer)
    open_high: Mapped[int] = mapped_column(Integer)
    open_medium: Mapped[int] = mapped_column(Integer)
    open_low: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    closed_total: Mapped[int] = mapped_column(Integer)
    repeat_open: Mapped[int] = mapped_column(Integer)
    compliance_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 6))

    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "snapshot_date"),
        CheckConstraint(_in("source", ["captured", "backfilled"]), name="source"),
        CheckConstraint("compliance_rate BETWEEN 0 AND 1", name="compliance_range"),
        CheckConstraint(
            "open_total = open_critical + open_high + open_medium + open_low",
            name="open_sum",
        ),
        CheckConstraint(
            "least(total, open_total, overdue, closed_total, repeat_open) >= 0",
            name="non_negative",
        ),
    )


class AuditLogRow(Base):
    """Written only by the ``audit_row_change`` trigger; never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    table_name: Mapped[str] = mapped_column(Text)
    row_id: Mapped[int | None] = mapped_column(BigInteger)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(Text)
    old_values: Mapped[dict | None] = mapped_column(JSONB)
    new_values: Mapped[dict | None] = mapped_column(JSONB)
    changed_columns: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    db_login: Mapped[str] = mapped_column(Text, server_default=text("session_user"))
    app_user_id: Mapped[int | None] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )

    __table_args__ = (
        CheckConstraint(_in("action", ["insert", "update", "delete"]), name="action"),
        Index(None, "tenant_id", "table_name", "row_id", "changed_at"),
        Index(None, "tenant_id", "changed_at"),
        Index(
            "ix_audit_log_observation_changes", "tenant_id", "row_id",
            postgresql_where=text("table_name = 'observation' AND action <> 'insert'"),
        ),
    )


# The evidence tables live in their own module; importing it here puts them on
# ``Base.metadata`` whenever the schema is loaded.
from auditdesk.db import evidence_models as _evidence_models  # noqa: E402, F401
