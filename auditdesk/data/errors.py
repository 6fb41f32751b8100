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
    # remediation (migration 0011)
    "remediation_action_status_check": ("status", "must be planned, in progress, done or cancelled"),
    "remediation_action_title_length_check": ("title", "must be 1 to 200 characters"),
    "remediation_action_description_length_check": (
        "description", "must be at most 10,000 characters",
    ),
    "remediation_action_percent_range_check": ("percent_complete", "must be between 0 and 100"),
    "remediation_action_completed_on_matches_status_check": (
        "completed_on", "a done action has a completion date, and only a done action",
    ),
    "remediation_action_done_is_complete_check": (
        "percent_complete", "a done action is 100 % complete",
    ),
    "remediation_action_complete_is_done_check": (
        "status", "an action 100 % complete must be marked done",
    ),
    "remediation_action_tenant_id_owner_id_fkey": ("owner_id", "no such user in this tenant"),
    "remediation_action_tenant_id_observation_id_fkey": ("observation_id", "no such finding"),
    "observation_validation_result_check": ("result", "must be passed or failed"),
    "observation_validation_notes_length_check": ("notes", "must be at most 10,000 characters"),
    "observation_reason_length_check": ("reason", "a reason must be at most 2,000 characters"),
    "observation_risk_fields_match_status_check": (
        "risk_accepted_until", "only a risk-accepted finding has an acceptance and its expiry",
    ),
    "observation_closure_reason_matches_status_check": (
        "closure_reason", "only a closed finding has a closure reason",
    ),
    "due_date_policy_days_range_check": ("days", "must be 1 to 3,650 days"),
    "due_date_policy_severity_check": ("severity", "must be critical, high, medium or low"),
    "attachment_file_name_check": (
        "file_name",
        "must be 1 to 255 characters without / or \\ or control characters",
    ),
    "attachment_size_check": ("size_bytes", "an evidence file must hold 1 byte to 100 MB"),
    "attachment_sha256_check": ("sha256", "must be 64 lowercase hexadecimal digits"),
    "attachment_content_type_check": ("content_type", "must be 1 to 255 printable characters"),
    "attachment_complete_check": (
        "file", "the upload is incomplete: its stored bytes do not add up to the file's size"
    ),
    "attachment_chunk_size_check": ("file", "each stored piece must hold 1 byte to 1 MB"),
    "attachment_tenant_id_observation_id_fkey": ("observation_id", "no such finding"),
    "attachment_tenant_id_action_id_fkey": ("action_id", "no such action"),
    "attachment_action_of_finding_check": ("action_id", "is not one of this finding's actions"),
}

# Refusals a trigger raises in words (the message names the finding or its actions):
# constraint -> the field the message belongs to.
WORDED_CONSTRAINTS = {
    "remediation_action_due_after_identified": "due_date",
    "observation_actions_open_check": "status",
    "observation_closure_reason_check": "closure_reason",
    "observation_risk_accepted_until_check": "risk_accepted_until",
    "observation_risk_acceptance_reason_check": "risk_acceptance_reason",
    "observation_due_date_extension_reason_check": "due_date_extension_reason",
    "observation_validation_pending_check": "status",
    "observation_validation_not_owner_check": "validated_by",
    "observation_validation_date_check": "validated_on",
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
        if name in WORDED_CONSTRAINTS:
            message = primary_message(error)
            raise ValidationError(
                {WORDED_CONSTRAINTS[name]: message[:1].upper() + message[1:] + "."}
            ) from error
        if name in CONSTRAINT_MESSAGES:
            field, message = CONSTRAINT_MESSAGES[name]
            raise ValidationError({field: message}) from error
        raise AuditDeskError(
            f"The database refused the change: {primary_message(error)}"
        ) from error
