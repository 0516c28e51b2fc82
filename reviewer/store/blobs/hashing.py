"""SHA-256 of a stream on a thread of its own, a few chunks behind the reader: hashlib releases the GIL on large
buffers, so re-hashing a download overlaps reading it from storage and sending it, instead of adding to both."""

from __future__ import annotations

import hashlib
import queue
import threading

BEHIND = 2  # chunks the hash may lag the reader (memory: this many chunks held until hashed)


class BackgroundSha256:
    def __init__(self, behind: int = BEHIND):
        self._h = hashlib.sha256()
        self._q: queue.Queue = queue.Queue(behind)
        self._abandoned = False
        self._finished = False
        self._thread = threading.Thread(target=self._run, name="blob-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._q.get()) is not None:
            if not self._abandoned:
                self._h.update(chunk)

    def update(self, chunk: bytes) -> None:
        """Queue a chunk (bytes are immutable, so the reader hands it on at once); waits if the hash lags."""
        self._q.put(chunk)

    def hexdigest(self) -> str:
        """Wait for every queued chunk, then the digest."""
        if not self._finished:
            self._finished = True
            self._q.put(None)
            self._thread.join()
        return self._h.hexdigest()

    def abandon(self) -> None:
        """The reader stopped early (a client hung up): let the thread drain what is queued and end."""
        if not self._finished:
            self._abandoned = self._finished = True
            self._q.put(None)
            self._thread.join()
