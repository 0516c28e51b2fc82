"""Which stored objects this process has already hashed whole and found equal to their key, each remembered with
the fingerprint of the exact stored version it hashed (S3: version id, ETag, date, length; filesystem: device,
inode, length, mtime and ctime). A later full read whose object still has that fingerprint is served without
hashing again; any change to the stored object changes its fingerprint and the read is hashed (and refused on a
mismatch) as the first one was. ADR 0008 (hashing on read) says why that keeps the store's promise.

Per process and in memory only: a restart, or another store process, verifies once for itself. Entries expire
(REVERIFY_AFTER_S; the store's [blobs] reverify_after_seconds, 0 = hash every full read), so rot beneath the
storage's own interface is still found by a periodic full hash."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Hashable

REVERIFY_AFTER_S = 24 * 3600.0
MAX_ENTRIES = 50_000  # ~200 bytes each: a bounded few MB, least recently served forgotten first


class Verified:
    def __init__(self, reverify_after_s: float = REVERIFY_AFTER_S, max_entries: int = MAX_ENTRIES):
        self.reverify_after_s, self.max_entries = reverify_after_s, max_entries
        self._seen: OrderedDict[str, tuple[Hashable, float]] = OrderedDict()
        self._lock = threading.Lock()  # reads run on read-ahead threads, several at once

    def holds(self, sha256: str, fingerprint: Hashable | None) -> bool:
        """True if this exact stored version was hashed whole, matched, and not too long ago."""
        if fingerprint is None or self.reverify_after_s <= 0:
            return False
        with self._lock:
            entry = self._seen.get(sha256)
            if entry is None:
                return False
            if entry[0] != fingerprint or time.monotonic() - entry[1] > self.reverify_after_s:
                del self._seen[sha256]
                return False
            self._seen.move_to_end(sha256)
            return True

    def remember(self, sha256: str, fingerprint: Hashable | None) -> None:
        if fingerprint is None or self.reverify_after_s <= 0:
            return
        with self._lock:
            self._seen[sha256] = (fingerprint, time.monotonic())
            self._seen.move_to_end(sha256)
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)

    def forget(self, sha256: str) -> None:
        with self._lock:
            self._seen.pop(sha256, None)
