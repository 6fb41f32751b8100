"""Engines and sessions: one session (one transaction) per user action.

Every connection runs in UTC so that dates derived from timestamps (``closed_at``)
mean the same on every workstation, and checks every few seconds during a long
statement that its client is still there (PostgreSQL ≥ 14), so that work a
vanished client started is abandoned. ``actor()`` tells the audit trigger which
application user is acting, for the length of the current transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from auditdesk.domain.errors import ConnectionFailed
from auditdesk.domain.messages import elide

CLIENT_CHECK_MS = 5000
"""How often (ms) the server checks, during a long statement, that the client is still there."""


def normalise_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` or ``postgres://`` and use the psycopg 3 driver."""
    if isinstance(url, str):
        try:
            parsed = make_url(url.replace("postgres://", "postgresql://", 1))
        except (ValueError, ArgumentError) as error:
            shown = url.split("@")[-1] if "@" in url else url  # never echo a password
            raise ConnectionFailed(
                f"Not a valid PostgreSQL URL (…@{elide(shown, 80)}): {elide(str(error), 120)}"
            ) from None
    else:
        parsed = url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise ConnectionFailed(
            f"Not a PostgreSQL URL: {elide(parsed.render_as_string(), 120)} "
            "(write postgresql://user@host/database)"
        )
    if parsed.drivername != "postgresql+psycopg":
        driver = elide(parsed.drivername.partition("+")[2], 40)
        raise ConnectionFailed(
            f"The URL names the database driver '{driver}', which AuditDesk does not use; "
            "write postgresql://… (AuditDesk connects with psycopg 3)."
        )
    return parsed


def masked(url: str | URL) -> str:
    """The URL with any password replaced by ``***``."""
    return normalise_url(url).render_as_string(hide_password=True)


_show_parameters = False


def show_parameters(enabled: bool) -> None:
    """``--debug``: let errors and the SQL log show statement parameters again."""
    global _show_parameters
    _show_parameters = enabled


def make_engine(url: str | URL, *, pool_size: int = 5, application_name: str = "auditdesk") -> Engine:
    """An engine whose errors never carry the statement's parameters (unless ``--debug``):
    they may hold what a user typed, and error text can reach a screen or a log."""
    return create_engine(
        normalise_url(url),
        hide_parameters=not _show_parameters,
        pool_size=pool_size,
        max_overflow=5,
        pool_pre_ping=True,
        # The connection used last is handed out first: its server process keeps the
        # trigger functions it compiled and the plans it cached (the first delete of a
        # finding on a connection took 0.3-0.4 s, the next ones 70-90 ms), and the
        # others stay idle.
        pool_use_lifo=True,
        connect_args={
            # The server checks every few seconds that the client is still there, so a
            # long statement (a demo load, a backfill) stops when the client goes away.
            # No JIT: compiling a plan costs 0.5-2 s, far more than it saves on the
            # application's queries (measured at 1,000,000 findings: tests/benchmarks).
            "options": f"-c timezone=UTC -c client_connection_check_interval={CLIENT_CHECK_MS}"
            " -c jit=off",
            "application_name": application_name,
            "connect_timeout": 10,
        },
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def actor(session: Session, app_user_id: int | None) -> None:
    """Record ``app_user_id`` as the acting user for the audit trail of this transaction."""
    session.execute(
        text("SELECT set_config('auditdesk.app_user_id', :value, true)"),
        {"value": "" if app_user_id is None else str(app_user_id)},
    )


def check_connection(engine: Engine) -> str:
    """Return the server version, or raise ``ConnectionFailed`` with the server's reason."""
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    except (OperationalError, DBAPIError) as error:
        raise ConnectionFailed(describe_db_error(error)) from error


def describe_db_error(error: BaseException) -> str:
    """The server's own reason, in one line."""
    original = getattr(error, "orig", None) or error
    message = str(original).strip().splitlines()
    return message[0] if message else "the server gave no reason"
