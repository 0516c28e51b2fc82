"""One interface for blob stores keyed by the SHA-256 of their content (lower-case hex).

Every transfer re-checks the hash: put() hashes what it reads and refuses bytes that do not match the key, and
read() hashes what it yields and raises ChecksumMismatch at the end if the stored bytes no longer match, unless
this process already hashed that exact stored version (verified.py: same S3 version / same inode, size and ctime).
"""

from __future__ import annotations

import abc
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Hashable, Iterator, NamedTuple

from reviewer.store.blobs.verified import Verified
from reviewer.store.errors import ChecksumMismatch

CHUNK = 4 * 1024 * 1024  # per read: fewer hops between the thread pool and the event loop when streaming
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def check_key(sha256: str) -> str:
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256 key (64 lower-case hex digits): {sha256!r}")
    return sha256


@dataclass(frozen=True)
class Lock:
    """What protects a blob from deletion: a legal hold, and/or a date before which it may not be deleted."""

    legal_hold: bool = False
    retain_until: dt.datetime | None = None

    def active(self, now: dt.datetime) -> str | None:
        if self.legal_hold:
            return "under legal hold"
        if self.retain_until is not None and self.retain_until > now:
            return f"retained until {self.retain_until.isoformat()}"
        return None


class Stored(NamedTuple):
    """An opened stored object: the fingerprint of the version being read (None: this backend, or this moment,
    cannot tell versions apart, so the read is hashed), its chunks, and its fingerprint now (the version may
    change under a reader that holds a file open)."""

    fingerprint: Hashable | None
    chunks: Iterator[bytes]
    now: Callable[[], Hashable | None]


class BlobStore(abc.ABC):
    kind: str
    # an upload is written in parts of this size while it arrives (the last may be shorter); S3 needs >= 5 MiB
    part_size: int = 8 * 1024 * 1024

    def __init__(self) -> None:
        self.verified = Verified()

    # ---- writing while receiving (uploads.py, ADR 0008): the state returned is JSON, kept with the upload, so any
    # process continues it. The caller hashes every byte it stages and finishes only on a matching SHA-256.
    @abc.abstractmethod
    def stage_open(self, upload_id: str, sha256: str) -> dict:
        """Begin an object that will be stored under sha256 if its bytes turn out to match."""

    @abc.abstractmethod
    def stage_part(self, state: dict, number: int, offset: int, data: bytes) -> dict:
        """Write part `number` (1-based; all parts but the last are part_size) durably; returns its record."""

    @abc.abstractmethod
    def stage_finish(self, state: dict, sha256: str, parts: list[dict], length: int) -> None:
        """The caller verified the whole file's SHA-256: make the staged parts the blob (idempotent)."""

    @abc.abstractmethod
    def stage_abort(self, state: dict) -> None:
        """Discard a staged object (mismatch, termination, expiry); a second call is harmless."""

    @abc.abstractmethod
    def put(self, sha256: str, path: Path) -> None:
        """Store the file's bytes under sha256, verifying the hash on the way; idempotent."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def size(self, sha256: str) -> int: ...

    @abc.abstractmethod
    def _chunks(self, sha256: str) -> Iterator[bytes]: ...

    def _stored(self, sha256: str) -> Stored:
        """Open the object for a full read; a backend that can name the stored version overrides this."""
        return Stored(None, self._chunks(sha256), lambda: None)

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the blob; BlobLocked while a hold or retention date protects it."""

    @abc.abstractmethod
    def lock(self, sha256: str, legal_hold: bool | None = None, retain_until: dt.datetime | None = None) -> Lock:
        """Set or release the legal hold and/or extend the retention date (never shorten it: RetentionShortened).
        Returns the lock now in force."""

    @abc.abstractmethod
    def get_lock(self, sha256: str) -> Lock: ...

    def read(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes in chunks, re-hashed on the way. The last chunk is held back until the hash matched,
        so damaged content never reaches a reader complete: it gets ChecksumMismatch (over HTTP: a response cut
        short of its Content-Length) instead of the final bytes. A stored version this process has already hashed
        whole is not hashed again; its last chunk is held back until its fingerprint is seen unchanged."""
        check_key(sha256)
        stored = self._stored(sha256)
        try:
            if self.verified.holds(sha256, stored.fingerprint):
                yield from self._read_known(sha256, stored)
            else:
                yield from self._read_hashed(sha256, stored)
        finally:
            close = getattr(stored.chunks, "close", None)
            if close is not None:
                close()

    def _read_known(self, sha256: str, stored: Stored) -> Iterator[bytes]:
        held = None
        for chunk in stored.chunks:
            if held is not None:
                yield held
            held = chunk
        if stored.now() != stored.fingerprint:  # written to while we read it: what we sent is unverified
            self.verified.forget(sha256)
            raise ChecksumMismatch(f"blob {sha256} ({self.kind})", sha256,
                                   "bytes of a stored object that changed while it was read")
        if held is not None:
            yield held

    def _read_hashed(self, sha256: str, stored: Stored) -> Iterator[bytes]:
        from reviewer.store.blobs.hashing import BackgroundSha256

        h, held = BackgroundSha256(), None
        try:
            for chunk in stored.chunks:
                h.update(chunk)
                if held is not None:
                    yield held
                held = chunk
            digest = h.hexdigest()
        finally:
            h.abandon()  # a no-op once the digest is taken
        if digest != sha256:
            self.verified.forget(sha256)
            raise ChecksumMismatch(f"blob {sha256} ({self.kind})", sha256, digest)
        if stored.now() == stored.fingerprint:  # the version we opened is the version we hashed
            self.verified.remember(sha256, stored.fingerprint)
        if held is not None:
            yield held

    def verify(self, sha256: str) -> None:
        """Hash the stored blob whole (ChecksumMismatch if it is not its key), so later reads of this version
        need not."""
        for _ in self.read(sha256):
            pass

    def read_range(self, sha256: str, start: int, length: int) -> Iterator[bytes]:
        """length bytes from start (an HTTP Range request). A part cannot be checked against the whole file's
        hash: the client that assembles the parts verifies the SHA-256 (the ETag) at the end."""
        check_key(sha256)
        pos, end = 0, start + length
        for chunk in self._chunks(sha256):
            lo, hi = max(start, pos), min(end, pos + len(chunk))
            if lo < hi:
                yield chunk[lo - pos:hi - pos]
            pos += len(chunk)
            if pos >= end:
                return

    def read_bytes(self, sha256: str) -> bytes:
        return b"".join(self.read(sha256))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} refused: give a time zone (UTC)")
    return when.astimezone(dt.timezone.utc)
