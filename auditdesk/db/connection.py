"""Open the configured database: start the embedded server if needed, check the schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from auditdesk.config import DatabaseSource
from auditdesk.db import embedded
from auditdesk.db.engine import (
    check_connection,
    make_engine,
    make_session_factory,
    masked,
    normalise_url,
)
from auditdesk.db.migrate import SchemaState, ensure_schema, schema_state


@dataclass
class Database:
    """An open database: engine, session factory and a description of where it is."""

    source: DatabaseSource
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    server_version: str
    schema: SchemaState
    embedded_server: embedded.EmbeddedServer | None = field(default=None, repr=False)

    @property
    def masked_url(self) -> str:
        return masked(self.url)

    @property
    def location(self) -> str:
        """Where the data is, for a status bar."""
        if self.embedded_server is not None:
            return f"Embedded workspace {self.embedded_server.workspace}"
        parsed = make_url(self.url)
        host = parsed.host or parsed.query.get("host") or "local socket"
        port = f":{parsed.port}" if parsed.port else ""
        return f"{parsed.database} on {host}{port}"

    def close(self) -> None:
        self.engine.dispose()
        if self.embedded_server is not None:
            self.embedded_server.stop()
            self.embedded_server = None


def open_database(
    source: DatabaseSource,
    *,
    migrate: bool = True,
    announce: Callable[[str], None] | None = None,
) -> Database:
    """Connect (starting the embedded server when there is no URL) and bring the schema to head.

    With ``migrate=False`` the schema is only read, never changed.
    """
    server = None
    if source.url:
        url = normalise_url(source.url).render_as_string(hide_password=False)
    else:
        assert source.workspace is not None
        server = embedded.start(source.workspace)
        url = normalise_url(server.uri).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        version = check_connection(engine)
        state = ensure_schema(engine, announce) if migrate else schema_state(engine)
    except Exception:
        engine.dispose()
        if server is not None:
            server.stop()
        raise
    return Database(
        source=source,
        url=url,
        engine=engine,
        sessions=make_session_factory(engine),
        server_version=version,
        schema=state,
        embedded_server=server,
    )
