"""How the audit trail is read: which columns a person sees, what names a row, which ids
point at other rows, and the filter of the audit-trail list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Bookkeeping columns that change with every save; the history shows what a person changed.
#: Columns no person writes: bookkeeping, and what the database derives from the links
#: (tree summaries, sort-key copies of the linked engagement/owner/earlier ref, action
#: counts). A change of their source is shown; the copy would only say it twice.
HIDDEN_FIELDS = frozenset({
    "version", "updated_at", "created_at", "tenant_id", "id", "search_vector",
    "root_id", "tree_size", "tree_depth", "tree_open", "tree_reopened", "tree_auditees",
    "engagement_code", "owner_name", "repeat_of_ref",
    "actions_total", "actions_done", "open_action_due_min",
})
LABEL_FIELDS = ("ref", "code", "email", "slug", "snapshot_date")
#: Id columns whose values read better as what they point at: field -> kind of row.
ID_FIELDS = {
    "engagement_id": "engagement",
    "owner_id": "user",
    "lead_auditor_id": "user",
    "user_id": "user",
    "app_user_id": "user",
    "repeat_of_id": "observation",
}


@dataclass(frozen=True)
class AuditFilter:
    table_name: str | None = None
    app_user_id: int | None = None
    db_login: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    row_id: int | None = None
