"""Any exception in words fit for a user: the one place the desktop client and the CLI
turn a failure into a message (docs/architecture.md, "How errors reach a user").

Domain errors (``AuditDeskError``) are already written for a user and are shown as they
are. A refusal by the database becomes the field message of the constraint it broke, or
the server's own one-line reason; the statement and its parameters are never shown.
Anything else is logged with its traceback and described without Python names.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from auditdesk.data.errors import primary_message, translated_errors
from auditdesk.domain.errors import AuditDeskError
from auditdesk.domain.messages import MAX_MESSAGE_CHARS, elide, printable

log = logging.getLogger(__name__)


def is_connection_error(error: BaseException) -> bool:
    """The server went away or could not be reached (worth retrying later)."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and bool(error.connection_invalidated)
    )


def user_message(error: BaseException) -> str:
    """One line (or a few) for a user; never SQL text, parameters or class names, and at
    most a few hundred characters (a long value someone typed is cut in the middle)."""
    return elide(printable(_in_words(error)), MAX_MESSAGE_CHARS + 100)


def _in_words(error: BaseException) -> str:
    if isinstance(error, AuditDeskError):
        return str(error)
    if isinstance(error, IntegrityError):
        try:
            with translated_errors():
                raise error
        except AuditDeskError as translated:
            return str(translated)
    if isinstance(error, DBAPIError):
        reason = primary_message(error)
        if is_connection_error(error):
            return f"Lost the connection to the database: {reason}"
        return f"The database refused the request: {reason}"
    if isinstance(error, UnicodeError) or isinstance(getattr(error, "orig", None), UnicodeError):
        return "Some text is not valid UTF-8 (check the arguments, settings and files used)."
    if isinstance(error, SQLAlchemyError):
        log.error("database layer failure", exc_info=error)
        return "The database request could not be made; the details are in the log."
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror or error}{where}"
    log.error("unexpected failure", exc_info=error)
    return "Something unexpected went wrong; the details are in the log."
