"""Schema revisions: compare the database with this client and migrate through Alembic's API.

An older schema is upgraded; a schema newer than this client knows is refused
before anything is written. Upgrades take an advisory lock so that two clients
starting together do not migrate the same database twice, and a process lock because
Alembic keeps the running migration in module globals (``alembic.context``,
``alembic.op``): two threads of one process (the desktop client opening two databases)
migrate one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from auditdesk.domain.errors import SchemaError
from auditdesk.paths import migrations_dir

MIGRATION_LOCK_KEY = 742_195_001
_ONE_MIGRATION_PER_PROCESS = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return SchemaState(current=current_revision(connection), head=head_revision())


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def ensure_schema(engine: Engine, announce: Callable[[str], None] | None = None) -> SchemaState:
    """Upgrade an older schema to head; refuse a newer or unknown one without writing."""
    state = schema_state(engine)
    if state.up_to_date:
        return state
    if state.current is not None and state.current not in _known_revisions():
        raise SchemaError(
            f"The database schema is at revision {state.current}, which this version of "
            f"AuditDesk does not know (it knows up to {state.head}). Install a newer "
            "AuditDesk; nothing was changed."
        )
    if announce:
        announce(
            f"Upgrading the database schema from {state.current or 'empty'} to {state.head}…"
        )
    upgrade(engine)
    return schema_state(engine)


def upgrade(engine: Engine, target: str = "head") -> None:
    _run(engine, lambda config: command.upgrade(config, target))


def downgrade(engine: Engine, target: str = "base") -> None:
    _run(engine, lambda config: command.downgrade(config, target))


# A schema change waiting for a table lock queues every later query behind it, for
# every tenant: it gives up after this long instead, and nothing is changed.
MIGRATION_LOCK_TIMEOUT = "10s"
BUSY = (
    "The database is busy: another session holds a lock the schema upgrade needs. "
    "Nothing was changed; try again in a minute."
)


def _run(engine: Engine, action: Callable[[Config], None]) -> None:
    with _ONE_MIGRATION_PER_PROCESS, engine.connect() as connection:
        connection.execute(text("SELECT set_config('lock_timeout', :t, false)"),
                           {"t": MIGRATION_LOCK_TIMEOUT})
        try:
            try:
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
            except OperationalError as error:
                raise _busy_or(error) from error
            try:
                action(alembic_config(connection))
                connection.commit()
            except CommandError as error:
                raise SchemaError(str(error)) from error
            except OperationalError as error:
                raise _busy_or(error) from error
            finally:
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
        finally:
            connection.rollback()
            connection.execute(text("RESET lock_timeout"))
            connection.commit()


def _busy_or(error: OperationalError) -> Exception:
    if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
        return SchemaError(BUSY)
    return error
