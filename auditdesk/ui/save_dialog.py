"""Where every save dialog of the client starts: the folder the user saved into last
(any kind of file), else the user's documents folder (``paths.documents_dir``, created
when missing), never the program's own folder.

The last folder is one application-wide setting (QSettings ``files/last_folder``),
whatever settings group the caller is in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from auditdesk.paths import documents_dir

LAST_FOLDER_KEY = "files/last_folder"


def _top_level(settings: QSettings | None) -> QSettings:
    """The settings without a group: a view's group would keep one folder per view."""
    if settings is None:
        return QSettings()
    return QSettings(settings.fileName(), settings.format())


def start_folder(settings: QSettings | None = None) -> Path:
    """The last folder saved into when it still exists, else the documents folder."""
    last = _top_level(settings).value(LAST_FOLDER_KEY, "")
    if last and Path(str(last)).is_dir():
        return Path(str(last))
    return documents_dir()


def remember_folder(path: str | Path, settings: QSettings | None = None) -> None:
    """Remember the folder of ``path`` as where the next save dialog starts."""
    stored = _top_level(settings)
    stored.setValue(LAST_FOLDER_KEY, str(Path(path).expanduser().parent))
    stored.sync()


def suggested_path(file_name: str, settings: QSettings | None = None) -> Path:
    """``file_name`` in the folder a save dialog starts in."""
    return start_folder(settings) / file_name


def ask_save_path(
    parent: QWidget,
    caption: str,
    file_name: str,
    filters: str,
    selected_filter: str = "",
    *,
    settings: QSettings | None = None,
) -> str | None:
    """Ask where to save ``file_name`` (starting in ``start_folder``); the chosen path,
    whose folder is remembered, or None when the user cancelled."""
    path, _chosen_filter = QFileDialog.getSaveFileName(
        parent, caption, str(suggested_path(file_name, settings)), filters, selected_filter
    )
    if not path:
        return None
    remember_folder(path, settings)
    return path
