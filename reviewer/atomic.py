"""Durable file writes: temp file in the target folder, fsync, atomic rename, fsync of the folder.

Every temp file we make holds an exclusive flock for as long as its maker lives, so that on the next start
reviewer/leftovers.py can tell one abandoned by a killed process (nobody holds the lock) from one still being
written by another running process (the lock is held).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers.py falls back to the temp file's age
    fcntl = None  # type: ignore[assignment]


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def locked_temp(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """mkstemp in `folder`, with the fd holding an exclusive flock: (fd, path). Closing the fd releases it.

    A sweeper may take and delete a brand-new file in the moment before we lock it; we then find our path
    gone or replaced and make another."""
    while True:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
        if fcntl is None:
            return fd, Path(name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without flock (some network shares): the sweeper cannot lock it either,
            return fd, Path(name)  # so it treats the temp as in use and leaves it
        try:
            if os.path.samestat(os.fstat(fd), os.stat(name)):
                return fd, Path(name)
        except FileNotFoundError:
            pass
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(target: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Yield a file object; on clean exit the data becomes `target` in one step, on error nothing is left."""
    from reviewer.leftovers import sweep_for

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_for(target.parent, f".{target.name}.", ".part")  # what a killed writer of this same file left
    fd, tmp_path = locked_temp(target.parent, f".{target.name}.", ".part")
    lock = os.dup(fd)  # shares the flock, held until the rename is done (closing `fh` alone would drop it)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise
    finally:
        os.close(lock)


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_writer(target, "wb") as fh:
        fh.write(data)


def write_text(target: str | Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


# flock fds of staged temps, held until reviewer.outputs names or discards them (release_staged), so no sweeper
# takes a staged file for an abandoned one while its export waits for the disclosure to be recorded
_staged_locks: dict[Path, int] = {}


def stage_bytes(target: str | Path, data: bytes) -> Path:
    """Write `data` to a fsynced, locked temp file beside `target` and return it; the caller gives it its final
    name (reviewer.outputs.publish) once the disclosure is on record, or deletes it (reviewer.outputs.discard)."""
    return stage_with(target, lambda fh: fh.write(data))


def stage_with(target: str | Path, fill: Callable[[IO], object]) -> Path:
    """stage_bytes for content written by `fill(fh)` (a "w+b" file: a writer may read back what it wrote)."""
    from reviewer.leftovers import sweep_for

    target = Path(target)
    sweep_for(target.parent, f".{target.name}.", ".part")  # what a killed writer of this same file left
    fd, tmp = locked_temp(target.parent, f".{target.name}.", ".part")
    lock = os.dup(fd)
    try:
        with os.fdopen(fd, "w+b") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.close(lock)
        raise
    _staged_locks[tmp] = lock
    return tmp


def release_staged(tmp: Path) -> None:
    """Drop the lock of a staged temp once it has its final name or is gone."""
    fd = _staged_locks.pop(Path(tmp), None)
    if fd is not None:
        os.close(fd)
