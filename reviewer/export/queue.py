"""A background queue of exports: one worker thread runs jobs in order while the reviewer keeps working.

Each job reports progress with frames per second and an ETA, and can be cancelled whether queued or running.
Listeners are called on the worker thread; a UI marshals them to its own thread.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from reviewer.errors import Cancelled
from reviewer.export.service import ExportJob, run_export
from reviewer.progress import CancelToken, Task


@dataclass
class JobState:
    id: int
    job: ExportJob
    state: str = "queued"  # queued, running, done, failed, cancelled
    fraction: float = 0.0
    fps: float = 0.0
    eta_seconds: float | None = None
    label: str = ""
    error: str = ""
    outputs: list = field(default_factory=list)
    cancel: CancelToken = field(default_factory=CancelToken)
    started: float | None = None
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")


Listener = Callable[[JobState], None]


class ExportQueue:
    def __init__(self, library, runner: Callable = run_export):
        self.library = library
        self._runner = runner
        self._q: queue.Queue[JobState | None] = queue.Queue()
        self._jobs: dict[int, JobState] = {}
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="export-queue", daemon=True)
        self._thread.start()

    def subscribe(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def submit(self, job: ExportJob) -> JobState:
        st = JobState(next(self._ids), job)
        with self._lock:
            self._jobs[st.id] = st
        self._notify(st)
        self._q.put(st)
        return st

    def cancel(self, job_id: int) -> None:
        st = self._jobs.get(job_id)
        if st is None or st.finished:
            return
        st.cancel.cancel()
        if st.state == "queued":
            st.state = "cancelled"
            self._notify(st)

    def jobs(self) -> list[JobState]:
        with self._lock:
            return list(self._jobs.values())

    def wait(self, job_id: int, timeout: float | None = None) -> JobState:
        """For scripts and tests: block until the job has finished."""
        st = self._jobs[job_id]
        if not st.ended.wait(timeout):
            raise TimeoutError(f"export job {job_id} still {st.state}")
        return st

    def shutdown(self, cancel_running: bool = True) -> None:
        if cancel_running:
            for st in self.jobs():
                self.cancel(st.id)
        self._q.put(None)
        self._thread.join(timeout=30)

    # ---- worker ---------------------------------------------------------------------------------------------
    def _notify(self, st: JobState) -> None:
        if st.finished:
            st.ended.set()
        for fn in list(self._listeners):
            try:
                fn(st)
            except Exception:  # a broken listener must not kill the export worker
                pass

    def _work(self) -> None:
        while True:
            st = self._q.get()
            if st is None:
                return
            if st.cancel.cancelled:
                continue
            st.state, st.started = "running", time.monotonic()
            self._notify(st)
            total = self._frames_in(st.job)

            def progress(fraction: float, label: str, st=st, total=total) -> None:
                elapsed = time.monotonic() - st.started
                st.fraction, st.label = fraction, label
                if fraction > 0 and elapsed > 0:
                    st.fps = fraction * total / elapsed if total else 0.0
                    st.eta_seconds = elapsed * (1 - fraction) / fraction
                self._notify(st)

            try:
                st.outputs = self._runner(self.library, st.job, task=Task(progress=progress, cancel=st.cancel))
                st.state, st.fraction, st.eta_seconds = "done", 1.0, 0.0
            except Cancelled:
                st.state = "cancelled"
            except Exception as exc:  # reported to the user by the UI; the queue carries on with the next job
                st.state, st.error = "failed", str(exc)
            self._notify(st)

    def _frames_in(self, job: ExportJob) -> int:
        if job.ranges:
            return sum(b - a + 1 for a, b in job.ranges)
        try:
            return self.library.get(job.recording_id).frame_count
        except Exception:
            return 0
