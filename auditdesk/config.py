"""Where the database comes from: option, environment, saved profile, else the embedded workspace.

Saved profiles live in ``auditdesk.ini`` (user config folder, or beside a frozen
bundle) and never hold a password: libpq reads ``~/.pgpass`` / ``PGPASSFILE``,
or the desktop client asks for it each time.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from auditdesk.domain.errors import SettingsError
from auditdesk.domain.messages import elide
from auditdesk.paths import config_file_candidates, default_workspace


@dataclass(frozen=True)
class DatabaseSource:
    """``url`` for a server; otherwise ``workspace`` for the embedded server."""

    url: str | None
    workspace: Path | None
    origin: str  # "option", "environment", "profile", "embedded"

    @property
    def is_embedded(self) -> bool:
        return self.url is None


def read_profile(paths: list[Path] | None = None) -> dict[str, str]:
    """The ``[server]`` section of the settings files; ``SettingsError`` names a broken file."""
    parser = configparser.ConfigParser(interpolation=None)
    for path in paths or config_file_candidates():
        if not path.is_file():
            continue
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as error:
            raise SettingsError(
                f"The settings file {path} cannot be read ({_reason(error)}); "
                "correct it or delete it to use the embedded workspace."
            ) from None
    if not parser.has_section("server"):
        return {}
    return dict(parser.items("server"))


def _reason(error: Exception) -> str:
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} comes before any [section] header"
    if isinstance(error, configparser.DuplicateSectionError | configparser.DuplicateOptionError):
        return f"line {error.lineno} repeats a section or setting"
    if isinstance(error, configparser.ParsingError):
        return "some lines are neither a [section] header nor a name = value setting"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return elide(str(error).splitlines()[0] if str(error) else "it is not a valid settings file", 120)


def write_profile(url: str | None, path: Path | None = None) -> Path:
    """Save (or with ``None`` remove) the server URL. Any password in it is dropped."""
    from sqlalchemy.engine import make_url

    path = path or config_file_candidates()[0]
    parser = configparser.ConfigParser(interpolation=None)
    if path.is_file():
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser = configparser.ConfigParser(interpolation=None)  # unreadable: start afresh
    if url:
        safe = make_url(url)._replace(password=None).render_as_string(hide_password=False)
        if not parser.has_section("server"):
            parser.add_section("server")
        parser.set("server", "url", safe)
    elif parser.has_section("server"):
        parser.remove_section("server")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        parser.write(handle)
    return path


def resolve_source(
    database_url: str | None = None, workspace: str | Path | None = None
) -> DatabaseSource:
    if database_url:
        return DatabaseSource(database_url, None, "option")
    if workspace:
        return DatabaseSource(None, Path(workspace).expanduser(), "option")
    env_url = os.environ.get("AUDITDESK_DATABASE_URL")
    if env_url:
        return DatabaseSource(env_url, None, "environment")
    if os.environ.get("AUDITDESK_WORKSPACE"):
        return DatabaseSource(None, default_workspace(), "environment")
    profile_url = read_profile().get("url")
    if profile_url:
        return DatabaseSource(profile_url, None, "profile")
    return DatabaseSource(None, default_workspace(), "embedded")
