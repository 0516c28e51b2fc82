"""Writing and hashing a download on threads of their own, so they overlap receiving and each other (hashlib and
file writes release the GIL for large buffers; on a shared 2-core machine three short chains finish sooner than
one long one). Network reads are gathered into batches first, so the hand-over costs little per byte; a read that
is already a batch is handed on as it is, without a copy. What a killed process loses in memory (the batch being
filled and the writer's queue) stays about one chunk of fetch.CHUNK, so a resumed download still re-fetches at
most that much. The hash may lag the disk: on a resume the prefix on disk is hashed again, so it loses nothing."""

from __future__ import annotations

import queue
import threading

from reviewer.sync.writeback import Writeback

BATCH = 256 * 1024
DEPTH = 2  # batches waiting to be written
HASH_DEPTH = 32  # batches waiting to be hashed (8 MiB; memory only: a resume relies on the written bytes)
_END = object()


class _Worker:
    """One thread applying `step` to each queued batch, in order; its first error is kept and raised later."""

    def __init__(self, name: str, step, depth: int):
        self._step, self._q = step, queue.Queue(depth)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, data) -> None:
        self._q.put(data)

    def finish(self) -> None:
        self._q.put(_END)
        self._thread.join()

    def _run(self) -> None:
        while (data := self._q.get()) is not _END:
            if self.error is not None:
                continue  # drain, so put() never blocks on a dead worker
            try:
                self._step(data)
            except BaseException as exc:  # noqa: BLE001 - raised again on the receiving side
                self.error = exc


class Sink:
    def __init__(self, out, h, writeback: Writeback | None = None):
        """`writeback` (writeback.py) starts writing to disk behind the writer, so the final fsync is short."""
        self._out = out
        self._writeback = writeback
        self._batch = bytearray()
        self.written = 0
        self._writer = _Worker("download-writer", self._write, DEPTH)
        self._hasher = _Worker("download-sha256", h.update, HASH_DEPTH)

    @property
    def error(self) -> BaseException | None:
        return self._writer.error or self._hasher.error

    def put(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        if self._batch and len(self._batch) + len(data) > BATCH:  # nothing handed on exceeds a batch or a read
            self._hand_on(self._batch)
            self._batch = bytearray()  # a new one: the handed-on batch is never written to again
        if len(data) >= BATCH:
            self._hand_on(data)  # bytes are immutable: both threads may read them as they are
        else:
            self._batch += data

    def close(self) -> int:
        """Write what is gathered and queued, stop the threads; the bytes written in all (raises a worker's
        error)."""
        if self._batch:
            self._hand_on(self._batch)
            self._batch = bytearray()
        self._writer.finish()
        self._hasher.finish()
        if self.error is not None:
            raise self.error
        return self.written

    def _hand_on(self, data) -> None:
        self._writer.put(data)
        self._hasher.put(data)

    def _write(self, data) -> None:
        view = memoryview(data)
        while view:  # an unbuffered write may take less than it was given
            view = view[self._out.write(view):]
        self.written += len(data)
        if self._writeback is not None:
            self._writeback.written(self.written)
