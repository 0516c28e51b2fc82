"""Resumable uploads (the state behind the tus endpoints): written into the blob store as parts while they arrive,
hashed as received, and finished there only when the whole file matches the SHA-256 declared at creation.

All of an upload's state is in the database (offset, the serialized running hash, the blob store's staging handle,
the bytes after the last whole part) and the blob store, so any store process continues any upload; one writer at
a time per upload is enforced by a PostgreSQL advisory lock (in-process with SQLite, the one-machine deployment).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import json
import tempfile
import threading
import uuid
from pathlib import Path

from rehashes import PySha256
from sqlalchemy import select, text
from sqlalchemy.orm import undefer

from reviewer.store.blobs.base import BlobStore
from reviewer.store.errors import ChecksumMismatch
from reviewer.store.models import Blob, Upload
from reviewer.store.tus import TusError, declared_sha256, parse_metadata

UTC = dt.timezone.utc
# parts of one PATCH written to the blob store at once while the next arrive (memory: this many parts + one)
PARTS_IN_FLIGHT = 3


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def lock_key(upload_id: str) -> int:
    """The advisory lock's 64-bit key: the upload id is random hex, so its first 15 digits are unique enough."""
    return int(upload_id[:15], 16)


class Uploads:
    def __init__(self, sessions, blobs: BlobStore, staging: Path, expiry_s: float, max_size: int, readers=None):
        self.sessions, self.blobs = sessions, blobs
        self.readers = readers or sessions  # for get(), which writes nothing (SQLite: takes no writer turn)
        self.staging = Path(staging)  # only for leftovers of older versions and the empty file
        self.staging.mkdir(parents=True, exist_ok=True)
        self.expiry = dt.timedelta(seconds=expiry_s)
        self.max_size = max_size
        self._guard = threading.Lock()
        self._busy: set[str] = set()
        self._engine = sessions.kw["bind"]
        self._shared_lock = self._engine.dialect.name == "postgresql"
        # on_discard(session, upload, state): runs in the transaction that ends an upload unfinished (failed,
        # expired, terminated); the app withdraws a recording announced for it (dock_register.withdraw)
        self.on_discard = None

    def part(self, upload_id: str) -> Path:
        return self.staging / f"{upload_id}.part"

    # ---- creation, lookup, termination --------------------------------------------------------------------------
    def create(self, length: int, metadata_header: str | None, on_create=None) -> Upload:
        """`on_create(session, upload)` runs in the transaction that records the new upload (not for an empty
        file, which completes at once)."""
        sha = declared_sha256(parse_metadata(metadata_header))
        if length > self.max_size:
            raise TusError(413, f"Upload-Length {length} exceeds this store's maximum of {self.max_size} bytes")
        now = utcnow()
        up = Upload(id=uuid.uuid4().hex, length=length, offset=0, sha256=sha, metadata_header=metadata_header or "",
                    state="open", created_at=now, expires_at=now + self.expiry)
        if length == 0:
            return self._finish_empty(up)
        up.staging = json.dumps({"store": self.blobs.stage_open(up.id, sha), "parts": []})
        up.hash_state, up.tail = PySha256().serialize(), b""
        with self.sessions.begin() as s:
            s.add(up)
            if on_create is not None:
                s.flush()
                on_create(s, up)
        return up

    def get(self, upload_id: str, with_tail: bool = False) -> Upload:
        with self.readers() as s:
            opts = [undefer(Upload.tail)] if with_tail else []
            up = s.get(Upload, upload_id, options=opts) if len(upload_id) == 32 else None
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
            if up is None or up.state != "open":
                return
            up.state, up.tail, staging = state, None, up.staging
            if self.on_discard is not None:
                s.flush()
                self.on_discard(s, up, state)
        if staging:
            with contextlib.suppress(Exception):  # a leftover part costs storage, never correctness
                self.blobs.stage_abort(json.loads(staging)["store"])

    def sweep(self, now: dt.datetime | None = None) -> int:
        """Expire incomplete uploads past their time and discard their staged bytes; returns how many."""
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
        """Staged files of the earlier design (or a crash) go once they are older than the expiry."""
        cutoff = (now - self.expiry).timestamp()
        for p in self.staging.glob("*.part"):
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < cutoff:
                    p.unlink()

    # ---- one writer per upload ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self, upload_id: str):
        busy = TusError(423, f"upload {upload_id}: another request is writing to it; retry shortly")
        with self._guard:
            if upload_id in self._busy:
                raise busy
            self._busy.add(upload_id)
        try:
            if not self._shared_lock:
                yield
                return
            # a session-level advisory lock on a connection held for the request: another store process sharing
            # the database is refused too, and a killed process's lock ends with its connection
            with self._engine.connect() as conn:
                if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(upload_id)}).scalar():
                    raise busy
                conn.commit()
                try:
                    yield
                finally:
                    try:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(upload_id)})
                        conn.commit()
                    except Exception:
                        conn.invalidate()  # closing the connection releases the lock
                        raise
        finally:
            with self._guard:
                self._busy.discard(upload_id)

    def appender(self, upload_id: str, offset: int, on_complete=None) -> "Appender":
        """`on_complete(session, upload)` runs in the transaction that records the finished blob."""
        return Appender(self, upload_id, offset, on_complete)

    def _record(self, upload_id: str, **values) -> Upload:
        with self.sessions.begin() as s:
            row = s.get(Upload, upload_id)
            for k, v in values.items():
                setattr(row, k, v)
            row.expires_at = utcnow() + self.expiry  # expiry counts from the last activity
            s.flush()
            s.expunge(row)
        return row

    def _complete(self, up: Upload, on_complete=None) -> Upload:
        with self.sessions.begin() as s:
            if s.get(Blob, up.sha256) is None:
                s.add(Blob(sha256=up.sha256, size=up.length))
            row = s.get(Upload, up.id)
            row.state, row.offset, row.tail, row.hash_state = "complete", up.length, None, None
            s.flush()
            if on_complete is not None:
                on_complete(s, row)
            s.expunge(row)
        return row

    def _finish_empty(self, up: Upload) -> Upload:
        """An empty upload completes at creation: the blob store's own put (which hashes) stores it."""
        empty = hashlib.sha256(b"").hexdigest()
        if up.sha256 != empty:
            raise ChecksumMismatch(f"upload {up.id}", up.sha256, empty)
        with tempfile.TemporaryDirectory(dir=self.staging) as d:
            (Path(d) / "empty").touch()
            self.blobs.put(up.sha256, Path(d) / "empty")
        with self.sessions.begin() as s:
            s.add(up)
        return self._complete(up)


class Appender:
    """One PATCH. Bytes are cut into parts written to the blob store (a few at once) while more arrive; each part
    written in order advances the durable offset and the saved hash state. close() keeps what is left over (the
    tail, less than a part) in the database, or, when all bytes are in, verifies the SHA-256 and finishes."""

    def __init__(self, uploads: Uploads, upload_id: str, offset: int, on_complete=None):
        self.uploads, self.blobs = uploads, uploads.blobs
        self.on_complete = on_complete
        uploads.get(upload_id)  # 404/410 before taking the lock, so unknown ids never enter the busy set
        self._ctx = uploads._exclusive(upload_id)
        self._ctx.__enter__()
        try:
            # read again under the lock: the sweeper, a DELETE or another process may have moved it on
            self.up = up = uploads.get(upload_id, with_tail=True)
            if up.state == "complete":
                raise TusError(409, f"upload {upload_id}: already complete")
            if offset != up.offset:
                raise TusError(409, f"Upload-Offset {offset} does not match the upload's offset {up.offset}")
            if up.staging is None or up.hash_state is None:
                raise TusError(410, f"upload {upload_id}: begun before this store version kept uploads in the "
                                    "blob store; start a new upload")
        except BaseException:
            self._ctx.__exit__(None, None, None)
            raise
        staging = json.loads(up.staging)
        self.store_state, self.parts = staging["store"], staging["parts"]
        self.hasher = PySha256.deserialize(up.hash_state)  # covers the parts, not the tail
        self.buffer = bytearray(up.tail or b"")
        self.offset = up.offset
        self.staged = sum(p["size"] for p in self.parts)  # bytes in parts, whether or not yet recorded
        self.pending: list[tuple[cf.Future, int, bytes]] = []  # (part write, offset after it, hash state after it)
        self.pool = cf.ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="upload-part")

    def write(self, chunk: bytes) -> None:
        if self.offset + len(chunk) > self.up.length:
            raise TusError(400, f"upload {self.up.id}: more bytes than its Upload-Length {self.up.length}")
        self.buffer += chunk
        self.offset += len(chunk)
        size = self.blobs.part_size
        # a whole part that is not the file's last goes now; the last one waits for the SHA-256 check
        while len(self.buffer) >= size and self.staged + size < self.up.length:
            self._send(bytes(self.buffer[:size]))
            del self.buffer[:size]
        self._record_done(wait=len(self.pending) >= PARTS_IN_FLIGHT)

    def _send(self, data: bytes) -> None:
        self.hasher.update(data)
        number, at = len(self.parts) + len(self.pending) + 1, self.staged
        self.staged += len(data)
        future = self.pool.submit(self.blobs.stage_part, self.store_state, number, at, data)
        self.pending.append((future, self.staged, self.hasher.serialize()))

    def _record_done(self, wait: bool) -> None:
        """Record the parts written so far, in order; a failed part raises (what came before it stays counted)."""
        done = []
        while self.pending and (self.pending[0][0].done() or wait):
            future, end, state = self.pending[0]
            try:
                part = future.result()
            except BaseException:
                if done:
                    self._save(done[-1][0], done[-1][1], b"")
                raise
            self.parts.append(part)
            self.pending.pop(0)
            done.append((end, state))
            wait = False
        if done:
            self._save(*done[-1], b"")

    def _save(self, offset: int, hash_state: bytes, tail: bytes) -> None:
        self.up = self.uploads._record(self.up.id, offset=offset, hash_state=hash_state, tail=tail, staging=json.dumps(
            {"store": self.store_state, "parts": self.parts}))

    def close(self) -> Upload:
        """Keep what arrived (also after a cut connection); completes the upload when it is all there."""
        try:
            try:
                while self.pending:
                    self._record_done(wait=True)
            except BaseException:
                for future, _end, _state in self.pending:
                    future.cancel()
                raise
            if self.offset == self.up.length:
                return self._finish(bytes(self.buffer))
            if self.offset != self.up.offset:
                self._save(self.offset, self.hasher.serialize(), bytes(self.buffer))
            return self.up
        finally:
            self.pool.shutdown(wait=True)
            self._ctx.__exit__(None, None, None)

    def _finish(self, last: bytes) -> Upload:
        """The last part is written only after the SHA-256 matched; until the blob store has the whole object the
        last bytes are not acknowledged (HEAD reports the earlier offset), so a failure here is resent."""
        self.hasher.update(last)
        digest, up = self.hasher.finalize(), self.up
        if digest != up.sha256:
            self.uploads._discard(up.id, "failed")
            raise ChecksumMismatch(f"upload {up.id}", up.sha256, digest)
        parts = list(self.parts)
        if last and not self.blobs.exists(up.sha256):
            parts.append(self.blobs.stage_part(self.store_state, len(parts) + 1, self.staged, last))
        self.blobs.stage_finish(self.store_state, up.sha256, parts, up.length)
        return self.uploads._complete(up, self.on_complete)
