"""Writing and hashing a download on a thread of its own, so they overlap receiving (hashlib and file writes
release the GIL for large buffers). Network reads (about 64 KiB) are gathered into batches first, so the hand-over
costs little per byte. What a killed process loses in memory (the batch being filled and the queue) stays well
under one chunk of fetch.CHUNK, so a resumed download still re-fetches at most one chunk."""

from __future__ import annotations

import queue
import threading

BATCH = 256 * 1024
DEPTH = 2  # batches waiting to be written
_END = object()


class Sink:
    def __init__(self, out, h):
        self._out, self._h = out, h
        self._q: queue.Queue = queue.Queue(DEPTH)
        self._batch = bytearray()
        self.written = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="download-writer", daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self._batch += data
        if len(self._batch) >= BATCH:
            self._q.put(self._batch)
            self._batch = bytearray()

    def close(self) -> int:
        """Write what is gathered and queued, stop the thread; the bytes written in all (raises the writer's
        error)."""
        if self._batch:
            self._q.put(self._batch)
            self._batch = bytearray()
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
                view = memoryview(data)
                while view:  # an unbuffered write may take less than it was given
                    view = view[self._out.write(view):]
                self._h.update(data)
                self.written += len(data)
            except BaseException as exc:  # noqa: BLE001 - raised again on the receiving side
                self.error = exc
