"""Writing and hashing a download on a thread of its own, so they overlap receiving (hashlib and file writes
release the GIL for large buffers). The queue is short: what a killed process loses in it stays well under one
chunk of fetch.CHUNK, so a resumed download still re-fetches at most one chunk."""

from __future__ import annotations

import queue
import threading

DEPTH = 8  # network reads (about 64 KiB each) waiting to be written
_END = object()


class Sink:
    def __init__(self, out, h):
        self._out, self._h = out, h
        self._q: queue.Queue = queue.Queue(DEPTH)
        self.written = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="download-writer", daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self._q.put(data)

    def close(self) -> int:
        """Write what is queued, stop the thread; the bytes written in all (raises the writer's error)."""
        self._q.put(_END)
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.written

    def _run(self) -> None:
        while (data := self._q.get()) is not _END:
            if self.error is not None:
                continue  # drain, so put() never blocks on a dead writer
            try:
                self._out.write(data)
                self._h.update(data)
                self.written += len(data)
            except BaseException as exc:  # noqa: BLE001 - raised again on the receiving side
                self.error = exc
