"""Where the local library lives and the settings that are not per-user UI state.

REVIEWER_HOME overrides the location (tests and portable installs); otherwise the platform's user data dir.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "BWVReviewer"


def default_home() -> Path:
    env = os.environ.get("REVIEWER_HOME")
    return Path(env).expanduser() if env else Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Paths:
    """Every location the core writes to, all under one home folder."""

    home: Path

    @property
    def database(self) -> Path:
        return self.home / "library.sqlite3"

    @property
    def originals(self) -> Path:
        """Content-addressed, read-only copies of ingested files. Nothing ever writes into it after ingest."""
        return self.home / "originals"

    @property
    def cache(self) -> Path:
        return self.home / "cache"

    @property
    def frame_tables(self) -> Path:
        return self.cache / "frametables"

    @property
    def thumbnails(self) -> Path:
        return self.cache / "thumbnails"

    @property
    def onsets(self) -> Path:
        """Onset envelopes of recordings' audio, for alignment (reviewer/incident/onset.py)."""
        return self.cache / "onsets"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def demo(self) -> Path:
        return self.home / "demo"

    def ensure(self) -> "Paths":
        # exports/ is the library's default output folder: made with the library, so no output creates it unasked
        for p in (self.home, self.originals, self.frame_tables, self.thumbnails, self.exports):
            p.mkdir(parents=True, exist_ok=True)
        return self


def workstation_id(home: Path) -> str:
    """Stable id for this workstation's library, created once; the hostname alone is not unique enough."""
    f = home / "workstation_id"
    try:
        return f.read_text().strip()
    except FileNotFoundError:
        from reviewer.atomic import write_text

        wid = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        write_text(f, wid)
        return wid
