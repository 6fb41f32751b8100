"""Exact text edits of a stored PostgreSQL function, for migrations that change a few
lines of a function several migrations built (whatever earlier ones made of it); the
downgrade applies the same edits in reverse."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text


def edit_function(
    connection: Connection, name: str, edits: Sequence[tuple[str, str]], *, reverse: bool = False
) -> None:
    """Replace each ``old`` text of function ``name()`` (no arguments) by its ``new`` one
    (the other way round with ``reverse``); refuse when a text is not there."""
    definition = connection.execute(
        text("SELECT pg_get_functiondef(CAST(:name AS regprocedure))"), {"name": f"{name}()"}
    ).scalar_one()
    for old, new in edits:
        if reverse:
            old, new = new, old
        if old not in definition:
            raise RuntimeError(f"{name}() does not hold the expected text: {old!r}")
        definition = definition.replace(old, new)
    # the driver reads % as a placeholder (RAISE messages hold some)
    connection.exec_driver_sql(definition.replace("%", "%%"))
