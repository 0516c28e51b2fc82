"""The dock's memory across crashes: one small JSON file (WATCH_DIR/.dock/state.json unless --state-dir), written
atomically after every step, so a killed dock resumes each upload where the store left it and never forgets which
files the store has confirmed."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from reviewer.atomic import write_text
from reviewer.store.dock_client import DockError

VERSION = 1
# the states of one camera file, in order; "confirmed" is the only one that lets the dock delete it
HASHED, UPLOADING, CONFIRMED = "hashed", "uploading", "confirmed"


@dataclass
class Entry:
    size: int
    mtime_ns: int
    sha256: str
    state: str = HASHED
    upload: str | None = None  # the tus upload's location on the store
    acked: int = 0  # the last offset the store acknowledged (made durable) for this upload
    sidecar: str | None = None  # name of the sidecar sent with it
    sidecar_sha256: str | None = None
    confirmed_at: str | None = None


class DockState:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "state.json"
        self.files: dict[str, Entry] = {}
        self._lock_fd: int | None = None

    def open(self) -> "DockState":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        self.files = self._load()
        return self

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self) -> None:
        """Two docks on one folder would race to upload and delete the same files: the second one refuses."""
        try:
            import fcntl
        except ImportError:
            return
        fd = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise DockError(f"{self.folder}: another dock is already watching this folder") from None
        self._lock_fd = fd

    def _load(self) -> dict[str, Entry]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise DockError(f"{self.path}: cannot read the dock state ({exc})") from None
        try:
            data = json.loads(raw)
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
            names = {f.name for f in fields(Entry)}
            return {name: Entry(**{k: v for k, v in e.items() if k in names}) for name, e in data["files"].items()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DockError(f"{self.path}: not a dock state file ({exc}); move it aside to start afresh "
                            "(files already in the store are then recognised by their hash)") from None

    def save(self) -> None:
        data = {"version": VERSION, "files": {n: asdict(e) for n, e in sorted(self.files.items())}}
        write_text(self.path, json.dumps(data, indent=1))

    def forget_missing(self, present: set[str]) -> None:
        """Entries of files no longer in the camera folder (deleted by us or by the station) are dropped."""
        gone = [n for n in self.files if n not in present]
        for n in gone:
            del self.files[n]
        if gone:
            with contextlib.suppress(OSError):
                self.save()
