"""Errors a user can cause. Each message is fit for a dialog or one line on stderr."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime


class AuditDeskError(Exception):
    """Base class: anything the UI or CLI may show to the user as it is."""


class NotFoundError(AuditDeskError):
    pass


class ValidationError(AuditDeskError):
    """One or more fields are invalid. ``problems`` maps field name to message."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        listed = "; ".join(f"{field}: {msg}" for field, msg in self.problems.items())
        super().__init__(f"Please correct the following — {listed}")


class ConflictError(AuditDeskError):
    """An optimistic-lock conflict: someone else saved the row first."""

    def __init__(
        self,
        what: str,
        changed_by: str | None,
        changed_at: datetime | None,
        current_version: int | None = None,
    ):
        self.what = what
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        who = changed_by or "another user"
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S}" if changed_at else ""
        super().__init__(
            f"{what} was changed by {who}{when} after you opened it; reload it or overwrite explicitly."
        )


class LineageError(AuditDeskError):
    """A repeat link was refused (self-link, cycle, other tenant, dates out of order)."""


class TransitionError(AuditDeskError):
    """A status change the rules do not allow."""


class PermissionDenied(AuditDeskError):
    pass


class SchemaError(AuditDeskError):
    """The database schema is newer than this client, or unknown."""


class ConnectionFailed(AuditDeskError):
    pass


class SettingsError(AuditDeskError):
    """A settings file (connection profile) that cannot be read."""
