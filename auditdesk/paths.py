"""Every path the application uses, in development and in a frozen bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from auditdesk import APP_ID


def bundle_root() -> Path:
    """Folder holding ``migrations/`` and ``resources/``: the repo, or PyInstaller's folder."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    return bundle_root() / "migrations"


def resources_dir() -> Path:
    return bundle_root() / "resources"


def resource(name: str) -> Path:
    return resources_dir() / name


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False))


def default_workspace() -> Path:
    env = os.environ.get("AUDITDESK_WORKSPACE")
    if env:
        return Path(env).expanduser()
    return user_data_dir() / "workspace"


def config_file_candidates() -> list[Path]:
    """Config files read in order; later ones win. A file beside a frozen bundle comes last."""
    candidates = [user_config_dir() / "auditdesk.ini"]
    if getattr(sys, "frozen", False):
        candidates.append(Path(sys.executable).resolve().parent / "auditdesk.ini")
    return candidates


def documents_dir() -> Path:
    """The user's documents folder (the desktop's own setting, else ``~/Documents``),
    created when it is missing so that a save dialog can start in it; the home folder
    when it cannot be created."""
    folder = Path(platformdirs.user_documents_dir()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder
