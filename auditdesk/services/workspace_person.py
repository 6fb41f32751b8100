"""Who works in an embedded workspace: the one person it belongs to.

The embedded server has a single login, the workspace's owner role, which is nobody's
name. On first start the desktop client asks the person for their name and e-mail
address (``os_account_defaults`` proposes them from the operating-system account) and
keeps them in the workspace folder (``person.json``, readable by its owner only). In
each tenant the person becomes an application user, an admin (``user_in_tenant``,
created when missing), and the client records every change as that user: the audit
trigger takes the application's hint from the schema owner (docs/architecture.md,
"Security model").
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from auditdesk.domain.accounts import validated_user
from auditdesk.domain.changes import Outcome
from auditdesk.domain.enums import Role
from auditdesk.domain.errors import NotFoundError, SettingsError
from auditdesk.domain.records import User
from auditdesk.services import tenants as tenant_service

PERSON_FILE = "person.json"


@dataclass(frozen=True)
class WorkspacePerson:
    display_name: str
    email: str


def validated_person(display_name: str, email: str) -> WorkspacePerson:
    """The person cleaned, or one ``ValidationError`` naming each field's problem."""
    email, display_name, _role = validated_user(email, display_name, Role.ADMIN)
    return WorkspacePerson(display_name, email)


def os_account_defaults() -> WorkspacePerson:
    """What the operating-system account says: the full name (else the login name) and
    ``login@host`` (the host's domain name when it has one)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "me"
    name = login
    try:
        import pwd

        gecos = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
        name = gecos or login
    except (ImportError, KeyError):
        pass
    host = socket.getfqdn() or socket.gethostname() or "localhost"
    if "." not in host:
        host = f"{host}.local"
    local = re.sub(r"[^A-Za-z0-9._+-]", "", login).lower() or "me"
    return WorkspacePerson(name, f"{local}@{host.lower()}")


def person_path(workspace: Path) -> Path:
    return Path(workspace) / PERSON_FILE


def read_person(workspace: Path) -> WorkspacePerson | None:
    """The workspace's person, or None before the first start asked for them."""
    path = person_path(workspace)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return validated_person(stored["display_name"], stored["email"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SettingsError(f"{path} cannot be read ({error}); delete it to be asked again.") from None


def save_person(workspace: Path, display_name: str, email: str) -> WorkspacePerson:
    """Validate and keep the person in the workspace folder (owner-only file)."""
    person = validated_person(display_name, email)
    path = person_path(workspace)
    temporary = path.with_name(f".{PERSON_FILE}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump({"display_name": person.display_name, "email": person.email}, stream)
    os.replace(temporary, path)
    return person


def user_in_tenant(session: Session, tenant_id: int, person: WorkspacePerson) -> Outcome[User]:
    """The person's application user in the tenant, found by e-mail or created (admin:
    the workspace is theirs)."""
    try:
        return Outcome(tenant_service.get_user_by_email(session, tenant_id, person.email))
    except NotFoundError:
        return tenant_service.create_user(
            session, tenant_id, person.email, person.display_name, Role.ADMIN
        )
