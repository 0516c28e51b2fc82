"""The download queue the downloads dock drives (Qt-free): recordings wait their turn, at most `parallel` are
fetched at once, each can be paused (its partial file stays; resume continues from it), resumed or cancelled
(the partial is removed), and subscribers hear every change with bytes, rate and ETA.

Events: ("download", {"id", "sha256", "file_name", "state", "done", "total", "rate", "eta_s", "error"}); state is
queued | running | paused | done | failed | cancelled; rate in bytes/s, eta_s None until a rate is known. Callbacks
run on a worker thread: a UI hops to its own thread.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from dataclasses import dataclass, field

import httpx

from reviewer.errors import Cancelled, ReviewerError, StillUploading
from reviewer.events import Publisher
from reviewer.progress import CancelToken, Task
from reviewer.sync.downloads import downloads_dir, ensure_local
from reviewer.sync.fetch import discard_partial

ACTIVE = ("queued", "running")
RATE_WINDOW_S = 3.0


@dataclass(frozen=True)
class DownloadView:
    id: str  # the recording's id
    sha256: str
    file_name: str
    state: str
    done: int = 0
    total: int = 0
    rate: float = 0.0
    eta_s: float | None = None
    error: str = ""

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class _Job:
    view: DownloadView
    cancel: CancelToken = field(default_factory=CancelToken)
    intent: str = ""  # why the token was set: "paused" | "cancelled"
    samples: collections.deque = field(default_factory=lambda: collections.deque(maxlen=64))


class DownloadManager:
    def __init__(self, library, client: httpx.Client, parallel: int = 2, fetch=None):
        """fetch(recording_id, task, on_bytes) brings the footage in (default: downloads.ensure_local)."""
        if not 1 <= parallel <= 4:
            raise ReviewerError(f"downloads at once must be 1 to 4, got {parallel}")
        self.library, self.client = library, client
        self._fetch = fetch or (lambda rid, task, on_bytes: ensure_local(library, client, rid, task, on_bytes))
        self._events = Publisher()
        self._cond = threading.Condition()
        self._jobs: dict[str, _Job] = {}
        self._queue: collections.deque[str] = collections.deque()
        self._closed = False
        self._workers = [threading.Thread(target=self._work, name=f"download-{i}", daemon=True)
                         for i in range(parallel)]
        for w in self._workers:
            w.start()

    # ---- what the dock calls --------------------------------------------------------------------------------
    def subscribe(self, callback) -> None:
        self._events.subscribe(callback)

    def unsubscribe(self, callback) -> None:
        self._events.unsubscribe(callback)

    def enqueue(self, recording_id: str) -> DownloadView:
        """Queue a recording's footage (by id or unique prefix); a recording already queued or running is left."""
        view = self.library.get(recording_id)
        if view.is_uploading:  # refused at once: the store has nothing to send until its dock has finished
            raise StillUploading(view.id, view.file_name)
        with self._cond:
            job = self._jobs.get(view.id)
            if job is not None and job.view.state in ACTIVE:
                return job.view
            job = _Job(DownloadView(view.id, view.sha256, view.file_name, "queued", total=view.size))
            self._jobs[view.id] = job
            self._queue.append(view.id)
            self._cond.notify()
        self._emit(job)
        return job.view

    def pause(self, recording_id: str) -> None:
        self._stop(recording_id, "paused")

    def resume(self, recording_id: str) -> DownloadView:
        return self.enqueue(recording_id)

    def cancel(self, recording_id: str) -> None:
        """Stop and forget: the partial file is removed (a running job removes it as it stops)."""
        job = self._stop(recording_id, "cancelled")
        if job is not None and job.view.state == "cancelled":
            discard_partial(downloads_dir(self.library), job.view.sha256)

    def jobs(self) -> list[DownloadView]:
        with self._cond:
            return [j.view for j in self._jobs.values()]

    def get(self, recording_id: str) -> DownloadView | None:
        with self._cond:
            job = self._jobs.get(recording_id)
            return job.view if job else None

    def wait(self, recording_id: str, timeout: float = 300.0) -> DownloadView:
        """Block until the job is no longer queued or running (tests and the CLI)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs[recording_id].view.state in ACTIVE:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"download of {recording_id} still {self._jobs[recording_id].view.state}")
                self._cond.wait(min(left, 0.5))
            return self._jobs[recording_id].view

    def close(self) -> None:
        """Pause everything running (partials stay for the next session) and stop the workers."""
        with self._cond:
            self._closed = True
            for job in self._jobs.values():
                if job.view.state in ACTIVE:
                    job.intent = "paused"
                    job.cancel.cancel()
            self._cond.notify_all()
        for w in self._workers:
            w.join(30)

    # ---- workers --------------------------------------------------------------------------------------------
    def _stop(self, recording_id: str, intent: str) -> _Job | None:
        with self._cond:
            job = self._jobs.get(recording_id)
            if job is None or job.view.state not in ACTIVE:
                return job
            if job.view.state == "queued":
                self._queue.remove(recording_id)
                job.view = dataclasses.replace(job.view, state=intent, rate=0.0, eta_s=None)
            else:
                job.intent = intent  # the worker sees the token at its next read and reports the state
            job.cancel.cancel()
            self._cond.notify_all()
        if job.view.state == intent:
            self._emit(job)
        return job

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = self._jobs[self._queue.popleft()]
                job.view = dataclasses.replace(job.view, state="running")
            self._emit(job)
            self._run(job)

    def _run(self, job: _Job) -> None:
        rid = job.view.id

        def on_bytes(done: int, total: int) -> None:
            now = time.monotonic()
            job.samples.append((now, done))
            while len(job.samples) > 2 and now - job.samples[0][0] > RATE_WINDOW_S:
                job.samples.popleft()
            t0, d0 = job.samples[0]
            rate = (done - d0) / (now - t0) if now > t0 else 0.0
            eta = (total - done) / rate if rate > 0 and total >= done else None
            with self._cond:
                job.view = dataclasses.replace(job.view, done=done, total=total, rate=rate, eta_s=eta)
            self._emit(job)

        state, error = "done", ""
        try:
            self._fetch(rid, Task(cancel=job.cancel), on_bytes)
        except Cancelled:
            state = job.intent or "paused"
            if state == "cancelled":
                discard_partial(downloads_dir(self.library), job.view.sha256)
        except ReviewerError as exc:
            state, error = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - a worker must survive whatever one download raises
            state, error = "failed", f"recording {rid}: {type(exc).__name__}: {exc}"
        with self._cond:
            done = job.view.total if state == "done" else job.view.done
            job.view = dataclasses.replace(job.view, state=state, error=error, done=done, rate=0.0, eta_s=None)
            job.cancel, job.intent = CancelToken(), ""
            self._cond.notify_all()
        self._emit(job)

    def _emit(self, job: _Job) -> None:
        self._events.emit("download", job.view.to_json())
