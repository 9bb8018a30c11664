"""What the workbench remembers between runs (window layout, recent files, the folder file
dialogs start in), over QSettings.

One INI file per user; tests point QSettings' user path at a temporary folder so they never
touch the analyst's own settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ORGANIZATION = "CapexWorkbench"
APPLICATION = "capex-workbench"
MAX_RECENT_FILES = 8

DEFAULTS: dict[str, Any] = {
    "recent_files": [],
    "last_folder": "",
    "window/geometry": QByteArray(),
    "window/state": QByteArray(),
    "window/top_splitter": QByteArray(),
    "window/main_splitter": QByteArray(),
}


def _store() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def read_setting(key: str) -> Any:
    """The stored value of ``key``, or its default (lists always come back as lists)."""
    default = DEFAULTS[key]
    if isinstance(default, list):
        value = _store().value(key, [], type=list)
        return [str(item) for item in value]
    return _store().value(key, default, type=type(default))


def write_setting(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    _store().setValue(key, value)


def recent_files() -> list[str]:
    """Recently opened or saved model files, newest first, those that still exist."""
    return [path for path in read_setting("recent_files") if Path(path).is_file()]


def remember_file(path: str | Path) -> list[str]:
    """Put ``path`` first in the recent files (its folder is the last used) and return the new list."""
    resolved = str(Path(path).resolve())
    files = [resolved, *(p for p in read_setting("recent_files") if p != resolved)][:MAX_RECENT_FILES]
    write_setting("recent_files", files)
    remember_folder(resolved)
    return files


def remember_folder(path: str | Path) -> None:
    """The folder of ``path``, a file just opened, saved or exported, is where the next dialog starts."""
    write_setting("last_folder", str(Path(path).resolve().parent))


def start_folder() -> Path:
    """Where Open, Save As and Export start: the folder last used, else the user's Documents
    (never the folder the workbench is installed in, where its bundled model lives)."""
    folder = read_setting("last_folder")
    if folder and Path(folder).is_dir():
        return Path(folder)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()
