"""``auditdesk db status`` and ``auditdesk db upgrade``."""

from __future__ import annotations

from auditdesk.db.migrate import ensure_schema, head_revision, schema_state


def register(subparsers, add_globals) -> None:
    db = subparsers.add_parser("db", help="database status and schema upgrades")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    status = db_sub.add_parser("status", help="revision, server version and location")
    add_globals(status)
    status.set_defaults(handler=status_command)
    up = db_sub.add_parser("upgrade", help="upgrade the schema to this client's revision")
    add_globals(up)
    up.set_defaults(handler=upgrade_command)
    add_globals(db)


def status_command(ctx) -> int:
    database = ctx.database(migrate=False)
    state = schema_state(database.engine)
    payload = {
        "current_revision": state.current,
        "head_revision": head_revision(),
        "up_to_date": state.up_to_date,
        "server_version": database.server_version,
        "embedded": database.embedded_server is not None,
        "workspace": str(database.embedded_server.workspace) if database.embedded_server else None,
        "location": database.location,
        "url": database.masked_url,
        "source": database.source.origin,
    }
    lines = [
        f"location:         {payload['location']}",
        f"url:              {payload['url']}",
        f"server version:   {payload['server_version']}",
        f"schema revision:  {state.current or '(empty database)'}",
        f"client head:      {payload['head_revision']}"
        + ("" if state.up_to_date else "  (run `auditdesk db upgrade`)"),
    ]
    ctx.emit(payload, "\n".join(lines))
    return 0


def upgrade_command(ctx) -> int:
    database = ctx.database(migrate=False)
    before = schema_state(database.engine)
    if before.up_to_date:
        after = before
    else:
        after = ensure_schema(database.engine, ctx.note)
    payload = {"from": before.current, "to": after.current, "changed": before != after}
    ctx.emit(payload, f"schema at {after.current}" + (" (upgraded)" if payload["changed"] else ""))
    return 0
