"""Run an iterator in a worker thread, handing items over through a bounded queue.

Used to overlap stages (decode + redact while the encoder works). FFmpeg releases the GIL inside its codec
calls, so the two threads really do run at once. Exceptions in the worker re-raise in the consumer; closing the
consumer stops the worker.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
_END = object()


class Prefetch(Iterator[T]):
    def __init__(self, source: Iterable[T], depth: int = 6, name: str = "prefetch"):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._source = source
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(_Failure(exc))

    def __next__(self) -> T:
        item = self._q.get()
        if item is _END:
            self._thread.join()
            raise StopIteration
        if isinstance(item, _Failure):
            self._thread.join()
            raise item.exc
        return item

    def close(self) -> None:
        self._stop.set()
        while True:  # unblock a worker waiting on a full queue
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=10)

    def __enter__(self) -> "Prefetch[T]":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc
