"""What the client says when a person's role may not do something: the tooltip of the
disabled control. The database refuses the action anyway (docs/architecture.md,
"Security model"); these words only say so before anyone tries."""

from __future__ import annotations

ONLY_ADMINS_USERS = "Only an admin of this organisation may manage users."
ONLY_ADMINS_ENGAGEMENTS = "Only an admin may create, change or delete engagements."
ONLY_MANAGERS_SNAPSHOTS = "Only a manager or an admin may capture or rebuild snapshots."
ONLY_MANAGERS_DELETE = "Only a manager or an admin may delete findings."
NOT_YOUR_FINDING = (
    "You may change only findings of engagements you lead or belong to "
    "(or unassigned findings that are unowned or yours)."
)
ONLY_MANAGERS_ACCEPT_RISK = "Only a manager or an admin may accept a risk."
OWN_FINDING_VALIDATION = "You own this finding: another auditor records its validation."
NOT_PENDING_VALIDATION = "A validation is recorded when the finding is pending validation."
ONLY_ADMINS_DUE_POLICY = "Only an admin may change the due-date policy."
