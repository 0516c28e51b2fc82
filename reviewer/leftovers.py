"""Temp files left by killed imports, exports and atomic writes: found by our own naming patterns and removed
only when no running process holds them.

Live temps hold an exclusive flock (reviewer/atomic.locked_temp); a temp nobody holds was abandoned. Only files
named exactly as we name temps, regular files (never a link) owned by this user, are candidates, so a user's
own file is never touched. Without flock (Windows) only temps untouched for a day are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from pathlib import Path

from reviewer.atomic import fcntl

log = logging.getLogger(__name__)

NO_LOCK_AGE_S = 24 * 3600
# mkstemp's random part: 8 characters of [a-z0-9_]
_RANDOM = r"[a-z0-9_]{8}"
# atomic_writer: .<name>.<random>.part   export pipeline: .<stem>.<random>.part.mp4
EXPORT_TEMP = re.compile(r"^\..+\." + _RANDOM + r"\.part(\.mp4)?$")


def _abandoned_removed(path: Path) -> bool:
    """Remove `path` if it is a regular file of ours that no live process holds; True when removed."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not os.path.isfile(path) or os.path.islink(path) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
        return False
    if fcntl is None:
        if time.time() - st.st_mtime < NO_LOCK_AGE_S:
            return False
        with contextlib.suppress(OSError):
            path.unlink()
            return True
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: a running import or export is writing it
            return False
        # still the file we locked (not renamed into place and replaced meanwhile)
        if not os.path.samestat(os.fstat(fd), os.lstat(path)):
            return False
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def sweep(paths) -> list[Path]:
    """Remove the abandoned temps among `paths`; the ones removed."""
    removed = [p for p in paths if _abandoned_removed(Path(p))]
    for p in removed:
        log.warning("removed %s, a temp file left by an interrupted import or export", p)
    return removed


def sweep_for(folder: Path, prefix: str, suffix: str) -> list[Path]:
    """Abandoned temps of one target in `folder` (made with this prefix and suffix), before it is written again."""
    pattern = re.compile(re.escape(prefix) + _RANDOM + re.escape(suffix) + "$")
    try:
        names = [e.name for e in os.scandir(folder) if e.name.startswith(prefix)]
    except OSError:
        return []
    return sweep(folder / n for n in names if pattern.match(n))


def sweep_exports(exports: Path) -> list[Path]:
    """Abandoned temps anywhere under the library's exports folder (exports, their manifests and reports)."""
    if not exports.is_dir():
        return []
    found = []
    for root, dirs, files in os.walk(exports):  # os.walk does not follow links into other folders
        found.extend(Path(root) / f for f in files if EXPORT_TEMP.match(f))
    return sweep(found)
