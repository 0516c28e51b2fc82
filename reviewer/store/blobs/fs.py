"""Filesystem blob store (the embedded default): root/ab/<sha256>, read-only files, written by hash-while-copy.

Locks are kept beside the blob (<sha256>.lock, JSON) and enforced by this code only: on one machine whoever
holds the operating system's administrator rights can still delete files. Storage-level write-once retention
needs the S3 backend with Object Lock (ADR 0008 notes this).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

from reviewer.atomic import fsync_dir, write_text
from reviewer.store.blobs.base import CHUNK, BlobStore, Lock, Stored, aware, check_key, utcnow
from reviewer.store.errors import BlobLocked, BlobNotFound, ChecksumMismatch, RetentionShortened

TEMP_PREFIX = ".incoming-"
# a file changed within this long of a read may change again within the same timestamp tick (coarse kernel
# clocks, file systems with 1-2 s times): its fingerprint cannot yet tell the versions apart ("racy git")
SETTLE_S = 2.0


class FileBlobStore(BlobStore):
    kind = "filesystem"

    def __init__(self, root: Path, settle_s: float = SETTLE_S):
        super().__init__()
        self.settle_s = settle_s
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        check_key(sha256)
        return self.root / sha256[:2] / sha256

    def _lock_path(self, sha256: str) -> Path:
        return self.path(sha256).with_suffix(".lock")

    def put(self, sha256: str, path: Path) -> None:
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            h = hashlib.sha256()
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                while chunk := src.read(CHUNK):
                    h.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if h.hexdigest() != sha256:
                raise ChecksumMismatch(str(path), sha256, h.hexdigest())
            if target.exists():
                return  # same key, same verified bytes: already stored
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
            fsync_dir(target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    # ---- writing while receiving: one temp file in the blob root, renamed into place once verified -------------
    def _staged(self, state: dict) -> Path:
        name = state["temp"]
        if "/" in name or not name.startswith(TEMP_PREFIX):
            raise ValueError(f"not a staging file name: {name!r}")
        return self.root / name

    def stage_open(self, upload_id: str, sha256: str) -> dict:
        check_key(sha256)
        state = {"temp": f"{TEMP_PREFIX}{upload_id}"}
        self._staged(state).touch()
        fsync_dir(self.root)
        return state

    def stage_part(self, state: dict, number: int, offset: int, data: bytes) -> dict:
        fd = os.open(self._staged(state), os.O_WRONLY)
        try:
            written = 0
            while written < len(data):  # at its fixed place: a part resent after a crash overwrites itself
                written += os.pwrite(fd, memoryview(data)[written:], offset + written)
            os.fsync(fd)
        finally:
            os.close(fd)
        return {"n": number, "size": len(data)}

    def stage_finish(self, state: dict, sha256: str, parts: list[dict], length: int) -> None:
        temp, target = self._staged(state), self.path(sha256)
        if target.exists():  # same key, same verified bytes: already stored
            self.stage_abort(state)
            return
        os.truncate(temp, length)  # nothing past the verified bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp, 0o444)
        os.replace(temp, target)
        fsync_dir(target.parent)

    def stage_abort(self, state: dict) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._staged(state).unlink()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def _chunks(self, sha256: str) -> Iterator[bytes]:
        return self._stored(sha256).chunks

    def _stored(self, sha256: str) -> Stored:
        """The open file's identity and times: any write to it moves its ctime (which no caller can set back), a
        replacement changes its inode. Compared at the end with what the path names then."""
        path = self.path(sha256)
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        opened = _identity(os.fstat(fh.fileno()))
        settled = opened[4] < time.time_ns() - int(self.settle_s * 1e9)

        def chunks() -> Iterator[bytes]:
            with fh:
                while chunk := fh.read(CHUNK):
                    yield chunk

        def now():
            try:
                return _identity(os.stat(path))
            except FileNotFoundError:
                return None
        return Stored(opened if settled else None, chunks(), now)

    def read_range(self, sha256: str, start: int, length: int) -> Iterator[bytes]:
        try:
            fh = open(self.path(check_key(sha256)), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        with fh:
            fh.seek(start)
            while length > 0 and (chunk := fh.read(min(CHUNK, length))):
                length -= len(chunk)
                yield chunk

    def get_lock(self, sha256: str) -> Lock:
        try:
            raw = json.loads(self._lock_path(sha256).read_text())
        except FileNotFoundError:
            return Lock()
        until = raw.get("retain_until")
        return Lock(bool(raw.get("legal_hold")), dt.datetime.fromisoformat(until) if until else None)

    def lock(self, sha256: str, legal_hold: bool | None = None, retain_until: dt.datetime | None = None) -> Lock:
        if not self.exists(sha256):
            raise BlobNotFound(sha256)
        current = self.get_lock(sha256)
        until = current.retain_until
        if retain_until is not None:
            retain_until = aware(retain_until)
            if until is not None and retain_until < until:
                raise RetentionShortened(sha256, until, retain_until)
            until = retain_until
        new = Lock(current.legal_hold if legal_hold is None else legal_hold, until)
        write_text(self._lock_path(sha256), json.dumps(
            {"legal_hold": new.legal_hold, "retain_until": until.isoformat() if until else None}))
        return new

    def delete(self, sha256: str) -> None:
        why = self.get_lock(sha256).active(utcnow())
        if why:
            raise BlobLocked(sha256, why)
        target = self.path(sha256)
        if not target.exists():
            raise BlobNotFound(sha256)
        target.unlink()
        with contextlib.suppress(FileNotFoundError):
            self._lock_path(sha256).unlink()
        fsync_dir(target.parent)

    def clean_stale_temps(self, older_than_s: float = 24 * 3600) -> None:
        import time

        cutoff = time.time() - older_than_s
        for p in [*self.root.glob(f"*/{TEMP_PREFIX}*"), *self.root.glob(f"{TEMP_PREFIX}*")]:
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < cutoff:
                    p.unlink()




def _identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns
