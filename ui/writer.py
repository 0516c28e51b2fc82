"""One database writer thread: the UI thread never waits on a write (issue 11).

SQLite has one writer at a time and the core serialises writes behind Governance's write lock. While sync applies
a page of remote operations it holds that lock, so a write made on the UI thread would freeze the window for the
whole page. Every UI write is therefore a job on this one thread, run in the order submitted; its result or error
comes back on the UI thread through a queued signal. One thread (not a pool) keeps the user's edits in the order
they were made, which undo and "last writer wins" both rely on.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


@dataclass(eq=False)
class WriteJob:
    fn: Callable
    args: tuple
    kwargs: dict
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    label: str = ""
    undoable: bool = False


class DbWriter(QObject):
    """`submit(fn, ...)` from the UI thread returns at once; `on_done(result)` / `on_error(exc)` run later on the
    thread that created the writer. An error with no `on_error` is announced by `failed(label, exc)`."""

    _delivered = Signal(object, bool, object)
    failed = Signal(str, object)
    idle = Signal()  # the queue ran dry (after the last delivery)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._queue: queue.Queue[WriteJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._outstanding = 0  # submitted and not yet delivered
        self._undoable = 0  # of those, the ones that add to the undo history
        self._closed = False
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._loop, name="db-writer", daemon=True)
        self._thread.start()

    # ---- UI side --------------------------------------------------------------------------------------------
    def submit(self, fn: Callable, *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, label: str = "", undoable: bool = False,
               **kwargs: Any) -> WriteJob:
        """`undoable`: the job puts an entry on the undo history when it runs (an annotation edit), so an undo
        asked for before it is delivered must wait for it (see undo_ready)."""
        job = WriteJob(fn, args, kwargs, on_done, on_error, label, undoable)
        with self._lock:
            if self._closed:
                raise RuntimeError("the database writer has been shut down")
            self._outstanding += 1
            self._undoable += undoable
        self._queue.put(job)
        return job

    def after_pending(self, then: Callable[[], None]) -> None:
        """Run `then` on the UI thread once every write submitted so far has finished (e.g. undo after the edit
        it undoes has reached the database)."""
        self.submit(lambda: None, on_done=lambda _r: then(), label="barrier")

    def when_undo_ready(self, then: Callable[[], None]) -> None:
        """Run `then` (an undo or redo) now when no queued edit is still to reach the undo history, else after
        the queued writes: Ctrl+Z straight after an edit undoes that edit, not the one before it."""
        with self._lock:
            ready = self._undoable == 0
        if ready:
            then()
        else:
            self.after_pending(then)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._outstanding

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    @property
    def on_writer_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def drain(self, timeout: float = 60.0) -> bool:
        """Block until the jobs submitted so far have run (not delivered). For closing the window and for the
        CLI-like paths that must finish before they go on; never called in response to a user's edit."""
        done = threading.Event()
        with self._lock:
            if self._closed:
                return not self._thread.is_alive()
        self._queue.put(WriteJob(done.set, (), {}, None, None, "drain"))
        return done.wait(timeout)

    def shutdown(self, timeout: float = 60.0) -> bool:
        """Finish what was submitted, then stop the thread (window close)."""
        with self._lock:
            if self._closed:
                return True
            self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @Slot(object, bool, object)
    def _deliver(self, job: WriteJob, ok: bool, payload: Any) -> None:
        try:
            if ok:
                if job.on_done is not None:
                    job.on_done(payload)
            elif job.on_error is not None:
                job.on_error(payload)
            else:
                log.error("database write %s failed", job.label or getattr(job.fn, "__name__", "?"),
                          exc_info=payload)
                self.failed.emit(job.label, payload)
        finally:
            with self._lock:
                self._outstanding -= 1
                self._undoable -= job.undoable
                empty = self._outstanding == 0
            if empty:
                self.idle.emit()

    # ---- writer thread --------------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.label == "drain":
                job.fn()
                continue
            try:
                result = job.fn(*job.args, **job.kwargs)
            except BaseException as exc:  # noqa: BLE001 - a failed write is reported; the thread serves the next
                self._delivered.emit(job, False, exc)
            else:
                self._delivered.emit(job, True, result)
