"""A real HTTP client reading a store's server-sent events: a thread parses the stream into a queue."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time

import httpx


class Listener:
    def __init__(self, url: str, token: str, last_event_id: int | None = None):
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []  # every event received, whatever next() skipped
        self.status: int | None = None
        self.content_type = ""
        self._ready = threading.Event()
        self._stop = threading.Event()
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._thread = threading.Thread(target=self._run, args=(url + "/api/v1/events", headers), daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the event stream did not answer"

    def _run(self, url: str, headers: dict) -> None:
        try:
            self._read(url, headers)
        except Exception:  # noqa: BLE001  (close() cuts the connection under the reader)
            if not self._stop.is_set():
                self.events.put({"event": "error", "data": {"sha256": ""}})
        finally:
            self._ready.set()

    def _read(self, url: str, headers: dict) -> None:
        with httpx.Client(timeout=httpx.Timeout(30, read=None)) as client:
            with client.stream("GET", url, headers=headers) as r:
                self._response = r
                self.status, self.content_type = r.status_code, r.headers.get("content-type", "")
                it = r.iter_lines()
                if r.status_code == 200:
                    next(it)  # ": connected": the subscription is in place before we report ready
                self._ready.set()
                if r.status_code != 200:
                    return
                ev: dict = {}
                for line in it:
                    if self._stop.is_set():
                        return
                    if line.startswith("id: "):
                        ev["id"] = int(line[4:])
                    elif line.startswith("event: "):
                        ev["event"] = line[7:]
                    elif line.startswith("data: "):
                        ev["data"] = json.loads(line[6:])
                    elif line == "" and ev:
                        self.seen.append(ev)
                        self.events.put(ev)
                        ev = {}

    def next(self, kind: str | None = None, sha256: str | None = None, timeout: float = 60) -> dict:
        """The next event matching kind/sha256 (others are skipped); AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                ev = self.events.get(timeout=max(0.01, left))
            except queue.Empty:
                raise AssertionError(f"no {kind or 'event'} for {sha256 or 'any recording'} within {timeout} s")
            if ev["event"] == "error":
                raise AssertionError("the event stream broke")
            if (kind is None or ev["event"] == kind) and (sha256 is None or ev["data"]["sha256"] == sha256):
                return ev

    def drain(self) -> list[dict]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def ended(self, timeout: float = 60) -> bool:
        """Whether the server ended the stream (the reader thread finished) within timeout."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        """Hang up: the server notices the disconnect and stops polling for this client."""
        self._stop.set()
        r = getattr(self, "_response", None)
        if r is not None:
            with contextlib.suppress(Exception):
                r.close()
        self._thread.join(10)
