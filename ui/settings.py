"""Per-user UI state (window layout, recent folders, where each recording was left) in an INI file inside the library home.

Keeping it beside the library rather than in the platform registry means REVIEWER_HOME isolates it too: tests
and portable installs never read or overwrite the real user's layout.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from reviewer.config import default_home

MAX_RECENT = 8


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_home() / "ui-settings.ini"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(self.path), QSettings.Format.IniFormat)

    # -- window layout --------------------------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
        self._q.sync()

    # -- recent folders -------------------------------------------------------------------------------------------
    def recent_folders(self) -> list[Path]:
        raw = self._q.value("recent/folders", [])
        if isinstance(raw, str):  # QSettings returns a bare string for a one-element list in INI files
            raw = [raw]
        return [Path(p) for p in raw or [] if p]

    def add_recent_folder(self, folder: Path) -> None:
        folder = Path(folder)
        folders = [folder] + [p for p in self.recent_folders() if p != folder]
        self._q.setValue("recent/folders", [str(p) for p in folders[:MAX_RECENT]])
        self._q.sync()

    def last_folder(self) -> Path | None:
        folders = self.recent_folders()
        return folders[0] if folders else None

    # -- where each recording was left ----------------------------------------------------------------------------
    def last_position(self, recording_id: str) -> int | None:
        v = self._q.value(f"positions/{recording_id}")
        try:
            return int(v) if v is not None else None
        except (TypeError, ValueError):
            return None  # a hand-edited or damaged entry: start from the beginning

    def save_position(self, recording_id: str, index: int) -> None:
        self._q.setValue(f"positions/{recording_id}", int(index))
        self._q.sync()

    # -- flags ----------------------------------------------------------------------------------------------------
    def flag(self, name: str) -> bool:
        return str(self._q.value(f"flags/{name}", "false")).lower() == "true"

    def set_flag(self, name: str, value: bool = True) -> None:
        self._q.setValue(f"flags/{name}", "true" if value else "false")
        self._q.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        v = self._q.value(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None
