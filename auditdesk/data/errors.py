"""Turn the database's refusals into domain errors a user can read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError

from auditdesk.domain.errors import AuditDeskError, LineageError, ValidationError

CONSTRAINT_MESSAGES = {
    "audit_engagement_tenant_id_code_key": ("code", "is already used by another engagement"),
    "app_user_tenant_id_email_key": ("email", "is already used by another user"),
    "app_user_db_login_key": ("db_login", "is already mapped to another user"),
    "tenant_slug_key": ("slug", "is already used by another tenant"),
    "observation_tenant_id_ref_key": ("ref", "is already used"),
    "audit_engagement_period_order_check": ("period_end", "must not be before period start"),
    "audit_engagement_planned_order_check": ("planned_end", "must not be before planned start"),
    "observation_due_after_identified_check": ("due_date", "must not be before identified on"),
    "observation_tenant_id_engagement_id_fkey": ("engagement_id", "no such engagement"),
    "observation_tenant_id_owner_id_fkey": ("owner_id", "no such user in this tenant"),
    "audit_engagement_tenant_id_lead_auditor_id_fkey": (
        "lead_auditor_id",
        "no such user in this tenant",
    ),
    "engagement_member_tenant_id_user_id_fkey": ("member_ids", "no such user in this tenant"),
    "observation_title_length_check": ("title", "must be 1 to 200 characters"),
    "observation_text_length_check": ("condition", "each text field must be at most 10,000 characters"),
    "observation_original_due_after_identified_check": (
        "original_due_date",
        "must not be before identified on",
    ),
    "observation_severity_check": ("severity", "must be critical, high, medium or low"),
    "observation_status_check": ("status", "is not a known status"),
    "observation_closed_at_matches_status_check": (
        "status",
        "closed and risk-accepted findings need a closing time, others must not have one",
    ),
    "tenant_slug_format_check": ("slug", "use lowercase letters, digits and dashes"),
    "tenant_time_zone_check": ("time_zone", "is not a time zone the database knows"),
    "app_user_email_format_check": ("email", "must be an e-mail address"),
    "app_user_display_name_length_check": ("display_name", "must be 1 to 200 characters"),
    "audit_engagement_code_format_check": ("code", "use capitals, digits and dashes, e.g. ENG-2026-014"),
    "audit_engagement_title_length_check": ("title", "must be 1 to 200 characters"),
    "audit_engagement_auditee_length_check": ("auditee", "must be 1 to 120 characters"),
}


# Repeat-link refusals: the lineage trigger's and the self-link CHECK's own message.
LINEAGE_CONSTRAINTS = frozenset({"observation_lineage_check", "observation_not_self_repeat_check"})
MISSING_ORIGINAL_CONSTRAINT = "observation_tenant_id_repeat_of_id_fkey"


def constraint_name(error: DBAPIError) -> str | None:
    diag = getattr(getattr(error, "orig", None), "diag", None)
    return getattr(diag, "constraint_name", None)


def primary_message(error: DBAPIError) -> str:
    diag = getattr(getattr(error, "orig", None), "diag", None)
    message = getattr(diag, "message_primary", None)
    return message or str(getattr(error, "orig", error)).splitlines()[0]


@contextmanager
def translated_errors() -> Iterator[None]:
    """Raise a domain error for a constraint the database enforced."""
    try:
        yield
    except IntegrityError as error:
        name = constraint_name(error)
        if name in LINEAGE_CONSTRAINTS:
            raise LineageError(primary_message(error).capitalize() + ".") from error
        if name == MISSING_ORIGINAL_CONSTRAINT:
            raise LineageError(
                "The earlier finding does not exist in this tenant."
            ) from error
        if name in CONSTRAINT_MESSAGES:
            field, message = CONSTRAINT_MESSAGES[name]
            raise ValidationError({field: message}) from error
        raise AuditDeskError(
            f"The database refused the change: {primary_message(error)}"
        ) from error
