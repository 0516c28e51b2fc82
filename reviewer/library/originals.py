"""The content-addressed originals store: <root>/<sha[:2]>/<sha><ext>, read-only, never written again.

Files are hashed while they are copied, so the hash describes exactly the bytes we keep, not a file that may
change under us between hashing and copying.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from reviewer.atomic import fsync_dir, locked_temp
from reviewer.errors import MediaError
from reviewer.leftovers import sweep
from reviewer.progress import NO_TASK, Task

CHUNK = 1024 * 1024
READ_ONLY = stat.S_IRUSR  # 0o400: the originals are evidence, readable by the library's own account only
TEMP_PREFIX = ".incoming-"
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_EXT_RE = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_TEMP_RE = re.compile(r"^" + re.escape(TEMP_PREFIX) + r"[a-z0-9_]{8}\.part(\.[A-Za-z0-9]{1,10})?$")


def safe_ext(name: str) -> str:
    """The file's extension, kept so FFmpeg and people can tell the format; dropped if it is odd."""
    ext = Path(name).suffix.lower()
    return ext if _EXT_RE.match(ext) else ""


def sha256_file(path: Path, task: Task = NO_TASK, what: str = "verifying") -> str:
    h = hashlib.sha256()
    size = max(1, path.stat().st_size)
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            done += len(chunk)
            task.check(what)
            task.report(done / size, what)
    return h.hexdigest()


@dataclass
class Incoming:
    """A hashed copy waiting in the store's root; either commit() it into place or discard() it."""

    store: "OriginalStore"
    temp: Path
    sha256: str
    size: int
    ext: str
    lock: int | None = None  # fd holding the temp's flock until it is committed or discarded (see leftovers.py)

    def commit(self) -> Path:
        try:
            return self.store._commit(self)
        finally:
            self.release()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()
        self.release()

    def release(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None


class OriginalStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str, ext: str = "") -> Path:
        if not _SHA_RE.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}{ext}"

    def find(self, sha256: str) -> Path | None:
        folder = self.root / sha256[:2]
        if not folder.is_dir():
            return None
        for p in folder.glob(f"{sha256}*"):
            return p
        return None

    def copy_in(self, source: Path, task: Task = NO_TASK) -> Incoming:
        """Copy `source` to a temp file inside the store, hashing on the way. Nothing is in the store yet.

        Raises MediaError naming `source` if it cannot be read, Cancelled if the task is cancelled; in both
        cases the partial copy is gone.
        """
        source = Path(source)
        self.root.mkdir(parents=True, exist_ok=True)
        ext = safe_ext(source.name)
        try:
            src = open(source, "rb")
        except FileNotFoundError:
            raise MediaError(source, "file not found (it may have been moved or deleted)") from None
        except IsADirectoryError:
            raise MediaError(source, "is a folder, not a media file") from None
        except OSError as exc:
            raise MediaError(source, f"cannot be read ({exc.strerror or exc})") from None
        fd, temp = locked_temp(self.root, TEMP_PREFIX, f".part{ext}")
        lock = os.dup(fd)  # keeps the flock after the copy's fd is closed, for the Incoming's whole life
        h = hashlib.sha256()
        done = 0
        try:
            with src, os.fdopen(fd, "wb") as dst:
                total = max(1, os.fstat(src.fileno()).st_size)
                while True:
                    try:
                        chunk = src.read(CHUNK)
                    except OSError as exc:
                        raise MediaError(source, f"read failed during import ({exc.strerror or exc})") from None
                    if not chunk:
                        break
                    h.update(chunk)
                    dst.write(chunk)
                    done += len(chunk)
                    task.check("import")
                    task.report(done / total, f"copying {source.name}")
                dst.flush()
                os.fsync(dst.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            os.close(lock)
            raise
        return Incoming(self, temp, h.hexdigest(), done, ext, lock)

    def _commit(self, inc: Incoming) -> Path:
        existing = self.find(inc.sha256)
        if existing is not None:
            # same bytes are already stored (e.g. left by a removed recording): keep the one we have
            inc.discard()
            return existing
        target = self.path_for(inc.sha256, inc.ext)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(inc.temp, READ_ONLY)  # read-only before it has its final name, so it is never writable there
        os.replace(inc.temp, target)
        fsync_dir(target.parent)
        return target

    def restore(self, inc: Incoming, target: Path) -> None:
        """Replace a damaged or missing original at `target` with a copy whose hash was just checked to be the
        recorded one. Read-only before it takes the name, as in _commit; whatever was at `target` is replaced
        (a file or link is; a folder planted there is refused)."""
        if target.is_dir() and not target.is_symlink():
            raise MediaError(target, "is a folder where the original belongs; remove it and import again")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(inc.temp, READ_ONLY)
        os.replace(inc.temp, target)
        fsync_dir(target.parent)

    def remove(self, path: Path) -> None:
        """Only for undoing an import whose database commit failed; originals are otherwise never removed here."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def verify(self, sha256: str, path: Path | None = None, task: Task = NO_TASK) -> str:
        """Re-hash the stored file and return the digest found (compare it with the expected one)."""
        path = path or self.find(sha256)
        if path is None or not path.exists():
            raise FileNotFoundError(str(path or self.path_for(sha256)))
        return sha256_file(path, task, "verifying original")

    def clean_stale_temps(self) -> list[Path]:
        """Remove copies abandoned by a killed import; one another running import holds is left alone."""
        if not self.root.is_dir():
            return []
        return sweep(p for p in self.root.iterdir() if _TEMP_RE.match(p.name))

