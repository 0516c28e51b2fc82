"""Run core calls off the UI thread and hand their results back on it.

The core is Qt-free and reports through reviewer.progress.Task, so a worker only needs to build a Task whose
progress callback and cancel token it owns. Results travel back through one queued signal on a QObject that lives
on the main thread: callbacks therefore always run on the UI thread, and nothing here ever calls processEvents.

Stale results are dropped rather than delivered: an operation that was cancelled, or superseded by a newer one
with the same `key` (say, opening recording B while A is still being hashed), never calls its on_done.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from reviewer.errors import Cancelled
from reviewer.progress import Task
from ui.coalesce import LatestValues

log = logging.getLogger(__name__)

# A core call may report once per packet; the UI only needs a few updates a second.
_PROGRESS_INTERVAL_S = 0.05


@dataclass(eq=False)
class Operation:
    """Handle for one background call: cancel it, or ask whether its result will still be delivered."""

    id: int
    key: str | None
    task: Task
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_progress: Callable[[float, str], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    finished: bool = False

    def cancel(self) -> None:
        """Ask the worker to stop; from now on its result, if any, is discarded."""
        self.task.cancel.cancel()

    @property
    def cancelled(self) -> bool:
        return self.task.cancel.cancelled


class _Job(QRunnable):
    def __init__(self, runner: "Runner", op: Operation, fn: Callable, args: tuple, kwargs: dict):
        super().__init__()
        self._runner, self._op, self._fn, self._args, self._kwargs = runner, op, fn, args, kwargs

    def run(self) -> None:  # worker thread
        op = self._op
        try:
            if op.cancelled:
                raise Cancelled("operation")
            result = self._fn(*self._args, task=op.task, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the UI, not kill the pool thread
            self._runner._delivered.emit(op, "error", exc)
        else:
            self._runner._delivered.emit(op, "done", result)


class Runner(QObject):
    """A small thread pool whose results arrive on the thread that created the Runner (the UI thread)."""

    _delivered = Signal(object, str, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._latest: dict[str, Operation] = {}
        self._running: dict[int, tuple[Operation, _Job]] = {}
        # Explicitly queued: the signals are emitted from pool threads and the slots must run here.
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._progress = LatestValues(lambda op, report: self._deliver_progress(op, *report), _PROGRESS_INTERVAL_S,
                                      self)

    def run(self, fn: Callable, *args: Any, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            on_progress: Callable[[float, str], None] | None = None,
            on_cancelled: Callable[[], None] | None = None, key: str | None = None, **kwargs: Any) -> Operation:
        """Call fn(*args, task=Task, **kwargs) on a pool thread. A newer call with the same key cancels this one."""
        op = Operation(next(self._ids), key, Task(), on_done, on_error, on_progress, on_cancelled)
        op.task.progress = lambda fraction, label, op=op: self._report(op, fraction, label)
        if key is not None:
            older = self._latest.get(key)
            if older is not None and not older.finished:
                older.cancel()
            self._latest[key] = op
        job = _Job(self, op, fn, args, kwargs)
        job.setAutoDelete(False)  # we hold the reference until delivery, so Python owns its lifetime
        self._running[op.id] = (op, job)
        self._pool.start(job)
        return op

    def active(self) -> list[Operation]:
        return [op for op, _ in self._running.values()]

    def cancel_all(self) -> None:
        for op, _ in self._running.values():
            op.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the workers; called when the window closes."""
        self.cancel_all()
        return self._pool.waitForDone(timeout_ms)

    # -- worker side --------------------------------------------------------------------------------------------
    def _report(self, op: Operation, fraction: float, label: str) -> None:
        self._progress.push(op, (fraction, label), urgent=fraction >= 1.0)

    # -- UI side ------------------------------------------------------------------------------------------------
    def _is_stale(self, op: Operation) -> bool:
        return op.cancelled or (op.key is not None and self._latest.get(op.key) is not op)

    def _deliver_progress(self, op: Operation, fraction: float, label: str) -> None:
        if not op.finished and not self._is_stale(op) and op.on_progress is not None:
            op.on_progress(fraction, label)

    @Slot(object, str, object)
    def _deliver(self, op: Operation, kind: str, payload: Any) -> None:
        self._running.pop(op.id, None)
        op.finished = True
        stale = self._is_stale(op)
        if op.key is not None and self._latest.get(op.key) is op:
            del self._latest[op.key]
        if stale or (kind == "error" and isinstance(payload, Cancelled)):
            if op.on_cancelled is not None:
                op.on_cancelled()
            return
        if kind == "done":
            if op.on_done is not None:
                op.on_done(payload)
        elif op.on_error is not None:
            op.on_error(payload)
        else:
            log.error("background operation failed", exc_info=payload)


_default: Runner | None = None


def default_runner() -> Runner:
    """The application-wide runner, created on first use (on the UI thread)."""
    global _default
    if _default is None:
        _default = Runner()
    return _default


def run_in_background(fn: Callable, *args: Any, on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None,
                      on_progress: Callable[[float, str], None] | None = None, **kwargs: Any) -> Operation:
    """Shorthand for default_runner().run(...); see Runner.run."""
    return default_runner().run(fn, *args, on_done=on_done, on_error=on_error, on_progress=on_progress, **kwargs)
