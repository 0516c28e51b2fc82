"""The library home is private to the account that runs it: folders 0700, files 0600, originals 0400.

The process umask is narrowed when a library opens, so everything it creates afterwards (the database and its
WAL, caches, exports, checkpoints) is born private; a home made by an older version, or loosened by hand, is
tightened on open and the Library audits what was changed. On Windows the bits mean little and are left alone.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE, FILE_MODE, ORIGINAL_MODE = 0o700, 0o600, 0o400
POSIX = os.name == "posix"


def restrict_umask() -> None:
    if POSIX:
        os.umask(PRIVATE_UMASK)


def tighten(home: Path, originals: Path) -> list[str]:
    """Set the private modes under `home`; returns the paths (relative to home) whose mode was changed."""
    if not POSIX:
        return []
    changed: list[str] = []

    def fix(path: Path, mode: int) -> None:
        try:
            st = path.lstat()
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == mode:
            return
        os.chmod(path, mode)
        changed.append(str(path.relative_to(home)) if path != home else ".")

    fix(home, DIR_MODE)
    for root, dirs, files in os.walk(home):
        base = Path(root)
        in_originals = base == originals or originals in base.parents
        for d in dirs:
            fix(base / d, DIR_MODE)
        for f in files:
            # an original's temp copy (".incoming-") is still being written: the store makes it 0400 itself
            fix(base / f, ORIGINAL_MODE if in_originals and not f.startswith(".incoming-") else FILE_MODE)
    return changed
