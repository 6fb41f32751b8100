"""Alembic environment: runs against the connection the application hands over.

The application calls Alembic through ``auditdesk.db.migrate`` with a live
connection in ``config.attributes["connection"]``; the ``alembic`` command line
(for ``alembic check`` and new revisions) uses ``AUDITDESK_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context

from auditdesk.db.engine import make_engine
from auditdesk.db.models import Base

config = context.config
target_metadata = Base.metadata

IGNORED_TABLES = {"alembic_version"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name in IGNORED_TABLES:
        return False
    # Expression indexes (trigram search, severity rank) are owned by migrations, not models.
    return not (type_ == "index" and reflected and name.startswith("expr_"))


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        transaction_per_migration=False,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("AUDITDESK_DATABASE_URL")
    if not url:
        raise SystemExit("Set AUDITDESK_DATABASE_URL to run alembic from the command line.")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported.")
run_migrations_online()
