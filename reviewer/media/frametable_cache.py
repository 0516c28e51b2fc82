"""Frame tables cached on disk as .npz, keyed by the file's SHA-256 (the bytes, not the name, define the frames).

A cache file that cannot be read back as a sound table is deleted and rebuilt: the cache is never trusted over
the footage itself.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
from pathlib import Path

import numpy as np

from reviewer.atomic import atomic_writer
from reviewer.media.frametable import FrameTable, build_frame_table
from reviewer.progress import NO_TASK, Task

log = logging.getLogger(__name__)


class FrameTableCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / f"{sha256}.npz"

    def load(self, sha256: str) -> FrameTable | None:
        path = self.path_for(sha256)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                table = FrameTable.from_arrays({k: data[k] for k in data.files})
            _check(table)
            return table
        except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("frame table cache %s unusable (%s); rebuilding", path, exc)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None

    def save(self, sha256: str, table: FrameTable) -> Path:
        path = self.path_for(sha256)
        with atomic_writer(path, "wb") as fh:
            np.savez(fh, **table.to_arrays())
        return path

    def get_or_build(self, sha256: str, media: Path, task: Task = NO_TASK) -> FrameTable:
        table = self.load(sha256)
        if table is None:
            table = build_frame_table(media, task)
            self.save(sha256, table)
        return table


def _check(table: FrameTable) -> None:
    """Reject tables no builder could have produced (a half-written or tampered cache)."""
    pts = table.pts
    if pts.ndim != 1 or pts.size == 0:
        raise ValueError("empty frame list")
    if pts.size > 1 and not bool(np.all(np.diff(pts) > 0)):
        raise ValueError("pts not strictly ascending")
    ki = table.key_indices
    if ki.size and (int(ki.min()) < 0 or int(ki.max()) >= pts.size):
        raise ValueError("keyframe index out of range")
    if table.time_base <= 0:
        raise ValueError("bad time base")
