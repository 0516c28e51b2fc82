"""Resumable uploads (the state behind the tus endpoints): staged on disk, hashed as received, verified against
the SHA-256 declared at creation, then moved into the blob store (which hashes again on that transfer)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import threading
import uuid
from pathlib import Path

from sqlalchemy import select

from reviewer.store.blobs.base import CHUNK, BlobStore
from reviewer.store.errors import ChecksumMismatch
from reviewer.store.models import Blob, Upload
from reviewer.store.tus import TusError, declared_sha256, parse_metadata

UTC = dt.timezone.utc
# bytes received are made durable and counted in the database at least this often within one PATCH, so a killed
# server loses at most this much of an upload that the client will then resend
PERSIST_EVERY = 8 * 1024 * 1024


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class Uploads:
    def __init__(self, sessions, blobs: BlobStore, staging: Path, expiry_s: float, max_size: int):
        self.sessions, self.blobs = sessions, blobs
        self.staging = Path(staging)
        self.staging.mkdir(parents=True, exist_ok=True)
        self.expiry = dt.timedelta(seconds=expiry_s)
        self.max_size = max_size
        self._guard = threading.Lock()
        self._busy: set[str] = set()
        # hash state carried between PATCHes to this process; rebuilt from the staged bytes when missing
        self._hashers: dict[str, tuple[int, "hashlib._Hash"]] = {}

    def part(self, upload_id: str) -> Path:
        return self.staging / f"{upload_id}.part"

    # ---- creation, lookup, termination --------------------------------------------------------------------------
    def create(self, length: int, metadata_header: str | None) -> Upload:
        sha = declared_sha256(parse_metadata(metadata_header))
        if length > self.max_size:
            raise TusError(413, f"Upload-Length {length} exceeds this store's maximum of {self.max_size} bytes")
        now = utcnow()
        up = Upload(id=uuid.uuid4().hex, length=length, offset=0, sha256=sha, metadata_header=metadata_header or "",
                    state="open", created_at=now, expires_at=now + self.expiry)
        self.part(up.id).touch()
        with self.sessions.begin() as s:
            s.add(up)
        if length == 0:
            return self._finish(up)
        return up

    def get(self, upload_id: str) -> Upload:
        with self.sessions() as s:
            up = s.get(Upload, upload_id) if len(upload_id) == 32 else None
        if up is None or up.state == "terminated":
            raise TusError(404, f"upload {upload_id}: not found")
        if up.state == "expired" or (up.state == "open" and up.expires_at <= utcnow()):
            raise TusError(410, f"upload {upload_id}: expired before it was completed; start a new upload")
        if up.state == "failed":
            raise TusError(410, f"upload {upload_id}: refused, its bytes did not match the declared SHA-256")
        return up

    def terminate(self, upload_id: str) -> None:
        up = self.get(upload_id)
        with self._exclusive(upload_id):
            self._discard(up.id, "terminated")

    def _discard(self, upload_id: str, state: str) -> None:
        with self.sessions.begin() as s:
            up = s.get(Upload, upload_id)
            if up is not None and up.state == "open":
                up.state = state
        self._hashers.pop(upload_id, None)
        with contextlib.suppress(FileNotFoundError):
            self.part(upload_id).unlink()

    def sweep(self, now: dt.datetime | None = None) -> int:
        """Expire incomplete uploads past their time and delete their staged bytes; returns how many."""
        now = now or utcnow()
        with self.sessions() as s:
            ids = s.scalars(select(Upload.id).where(Upload.state == "open", Upload.expires_at <= now)).all()
        for upload_id in ids:
            with contextlib.suppress(TusError):
                with self._exclusive(upload_id):
                    self._discard(upload_id, "expired")
        self._remove_orphans(now)
        return len(ids)

    def _remove_orphans(self, now: dt.datetime) -> None:
        """Staged files no open upload owns (a crash between steps) go once they are older than the expiry."""
        cutoff = (now - self.expiry).timestamp()
        with self.sessions() as s:
            open_ids = set(s.scalars(select(Upload.id).where(Upload.state == "open")).all())
        for p in self.staging.glob("*.part"):
            with contextlib.suppress(OSError):
                if p.stem not in open_ids and p.stat().st_mtime < cutoff:
                    p.unlink()

    # ---- appending ----------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self, upload_id: str):
        with self._guard:
            if upload_id in self._busy:
                raise TusError(423, f"upload {upload_id}: another request is writing to it; retry shortly")
            self._busy.add(upload_id)
        try:
            yield
        finally:
            with self._guard:
                self._busy.discard(upload_id)

    def appender(self, upload_id: str, offset: int) -> "Appender":
        return Appender(self, upload_id, offset)

    def _hasher(self, up: Upload):
        cached = self._hashers.pop(up.id, None)
        if cached and cached[0] == up.offset:
            return cached[1]
        h, left = hashlib.sha256(), up.offset
        with open(self.part(up.id), "rb") as fh:
            while left and (chunk := fh.read(min(CHUNK, left))):
                h.update(chunk)
                left -= len(chunk)
        return h

    def _record_offset(self, up: Upload, offset: int) -> Upload:
        with self.sessions.begin() as s:
            row = s.get(Upload, up.id)
            row.offset = offset
            row.expires_at = utcnow() + self.expiry  # expiry counts from the last activity
            s.flush()
            s.expunge(row)
        return row

    def _finish(self, up: Upload, digest: str | None = None) -> Upload:
        """All bytes are in: refuse on a SHA-256 mismatch, else move them into the blob store (hashed again)."""
        if digest is None:  # an empty upload completes at creation
            digest = hashlib.sha256(b"").hexdigest()
        if digest != up.sha256:
            self._discard(up.id, "failed")
            raise ChecksumMismatch(f"upload {up.id}", up.sha256, digest)
        self.blobs.put(up.sha256, self.part(up.id))
        with self.sessions.begin() as s:
            if s.get(Blob, up.sha256) is None:
                s.add(Blob(sha256=up.sha256, size=up.length))
            row = s.get(Upload, up.id)
            row.state, row.offset = "complete", up.length
            s.flush()
            s.expunge(row)
        with contextlib.suppress(FileNotFoundError):
            self.part(up.id).unlink()
        return row


class Appender:
    """One PATCH: bytes go to the staged file and the running hash; close() makes them durable and counted."""

    def __init__(self, uploads: Uploads, upload_id: str, offset: int):
        self.uploads = uploads
        uploads.get(upload_id)  # 404/410 before taking the lock, so unknown ids never enter the busy set
        self._ctx = uploads._exclusive(upload_id)
        self._ctx.__enter__()
        try:
            # read again under the lock: the sweeper or a DELETE may have ended it in between
            self.up = up = uploads.get(upload_id)
            if up.state == "complete":
                raise TusError(409, f"upload {upload_id}: already complete")
            if offset != up.offset:
                raise TusError(409, f"Upload-Offset {offset} does not match the upload's offset {up.offset}")
            self.hasher = uploads._hasher(up)
            self.fh = open(uploads.part(up.id), "r+b")
            self.fh.truncate(up.offset)  # bytes past the recorded offset were never acknowledged
            self.fh.seek(up.offset)
        except BaseException:
            self._ctx.__exit__(None, None, None)
            raise
        self.offset = self.recorded = up.offset

    def write(self, chunk: bytes) -> None:
        if self.offset + len(chunk) > self.up.length:
            raise TusError(400, f"upload {self.up.id}: more bytes than its Upload-Length {self.up.length}")
        self.fh.write(chunk)
        self.hasher.update(chunk)
        self.offset += len(chunk)
        if self.offset - self.recorded >= PERSIST_EVERY:
            self._persist()

    def _persist(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.up = self.uploads._record_offset(self.up, self.offset)
        self.recorded = self.offset

    def close(self) -> Upload:
        """Persist what arrived (also after a cut connection); completes the upload when it is all there."""
        try:
            if self.offset == self.up.length:
                # the last bytes count as received only once they are in the blob store: if that move fails,
                # HEAD still reports the earlier offset and the client's resend completes the upload
                self.fh.flush()
                os.fsync(self.fh.fileno())
                self.fh.close()
                return self.uploads._finish(self.up, self.hasher.hexdigest())
            if self.offset != self.recorded:
                self._persist()
            self.fh.close()
            self.uploads._hashers[self.up.id] = (self.offset, self.hasher)
            return self.up
        finally:
            if not self.fh.closed:
                self.fh.close()
            self._ctx.__exit__(None, None, None)
