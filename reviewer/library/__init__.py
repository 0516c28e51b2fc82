"""The local library: ingest into a read-only originals store, metadata in SQLite, search, integrity checks.

Names are loaded on first use, so light users (the CLI probing a plain file needs only originals.sha256_file)
do not pay for SQLAlchemy and Alembic at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewer.library.ingest import ImportReport
    from reviewer.library.library import Library, OpenRecording
    from reviewer.library.views import RecordingView

__all__ = ["Library", "RecordingView", "ImportReport", "OpenRecording"]

_HOMES = {
    "Library": "reviewer.library.library",
    "OpenRecording": "reviewer.library.library",
    "ImportReport": "reviewer.library.ingest",
    "RecordingView": "reviewer.library.views",
}


def __getattr__(name: str):
    if name in _HOMES:
        import importlib

        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'reviewer.library' has no attribute {name!r}")
