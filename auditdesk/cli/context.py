"""What every command needs: the open database, the tenant, and output in text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from auditdesk.config import resolve_source
from auditdesk.db.connection import Database, open_database
from auditdesk.db.engine import transaction
from auditdesk.domain.records import Actor, Tenant
from auditdesk.services import tenants, workspace_person


class CliError(Exception):
    """A usage error found after parsing (unknown reference, missing option)."""


def date_option(value: str | None, option: str) -> date | None:
    """The date an option names (YYYY-MM-DD), None when not given; else one clear line."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: '{value}' is not a date (use YYYY-MM-DD)") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class CliContext:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._database: Database | None = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def database(self, *, migrate: bool = True) -> Database:
        if self._database is None:
            source = resolve_source(self.args.database_url, self.args.workspace)
            self._database = open_database(source, migrate=migrate, announce=self.note)
        return self._database

    def transaction(self):
        return transaction(self.database().sessions)

    def tenant(self, session) -> Tenant:
        """The tenant named by --tenant, else the signed-in user's, else the only one."""
        slug = getattr(self.args, "tenant", None)
        if slug:
            return tenants.get_tenant_by_slug(session, slug)
        user = tenants.user_for_login(session)
        if user is not None:
            return next(t for t in tenants.list_tenants(session) if t.id == user.tenant_id)
        known = tenants.list_tenants(session)
        if len(known) == 1:
            return known[0]
        if not known:
            raise CliError("The database has no tenant yet; run `auditdesk demo` to load demo data.")
        raise CliError(
            "Several tenants exist; choose one with --tenant SLUG ("
            + ", ".join(t.slug for t in known)
            + ")."
        )

    def actor(self, session, tenant: Tenant) -> Actor:
        """Who acts: the login's own user; in an embedded workspace the person it belongs
        to (``services.workspace_person``), once the desktop client asked who that is;
        else the workspace owner."""
        user = tenants.user_for_login(session)
        if user is not None and user.tenant_id == tenant.id:
            return tenants.actor_for(tenant.id, user)
        server = self.database().embedded_server
        person = workspace_person.read_person(server.workspace) if server is not None else None
        if user is None and person is not None:
            mine = workspace_person.user_in_tenant(session, tenant.id, person).value
            return tenants.actor_for(tenant.id, mine)
        return Actor(tenant_id=tenant.id)

    def note(self, message: str) -> None:
        """Progress and notices go to stderr so that stdout stays machine-readable."""
        print(message, file=sys.stderr)

    def emit(self, payload: Any, text: str | None = None) -> None:
        if self.json:
            json.dump(payload, sys.stdout, default=_json_default, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        elif text is not None:
            print(text)
        else:
            print(json.dumps(payload, default=_json_default, indent=2, ensure_ascii=False))

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None
