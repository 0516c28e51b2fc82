"""Wakes the sync loop when the store says something changed: a thread reading GET /api/v1/events (server-sent
events) that calls `on_wake` for new operations and for any recording_* event. It reconnects with backoff, and
wakes the loop on every (re)connection too, since events sent while it was away are not replayed: the loop's
pull catches up instead, so this listener never needs to be exact, only prompt."""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
from typing import Callable

import httpx

log = logging.getLogger(__name__)
WAKE_KINDS = ("operations",)
WAKE_PREFIXES = ("recording_",)
READ_TIMEOUT_S = 60.0  # the store sends a keepalive every 15 s: a silent minute is a dead connection


def wakes(kind: str) -> bool:
    return kind in WAKE_KINDS or kind.startswith(WAKE_PREFIXES)


class WakeListener:
    def __init__(self, http: httpx.Client, on_wake: Callable[[str], None], backoff_max: float = 30.0,
                 on_event: Callable[[dict], None] | None = None):
        """`on_event`, if given, gets every event whole ({"event": kind, "data": {...}}) before `on_wake`."""
        self.http, self.on_wake, self.backoff_max = http, on_wake, backoff_max
        self.on_event = on_event
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name="sync-wake", daemon=True)

    def start(self) -> "WakeListener":
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        r = self._response
        if r is not None:
            with contextlib.suppress(Exception):
                r.close()  # unblocks the reader
        self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as exc:  # noqa: BLE001  (any broken stream: reconnect after a pause)
                if self._stop.is_set():
                    return
                failures += 1
                log.debug("event stream: %s", exc)
            self.connected.clear()
            delay = min(self.backoff_max, 0.5 * 2 ** min(failures, 10)) * random.uniform(0.5, 1.0)
            self._stop.wait(delay)

    def _listen(self) -> None:
        timeout = httpx.Timeout(30.0, read=READ_TIMEOUT_S)
        with self.http.stream("GET", "/api/v1/events", timeout=timeout) as r:
            self._response = r
            if r.status_code != 200:
                raise RuntimeError(f"event stream answered {r.status_code}")
            self.connected.set()
            self.on_wake("connected")
            kind, data = "", []
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("event: "):
                    kind = line[7:].strip()
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "":
                    if kind and self.on_event is not None:
                        try:
                            body = json.loads("\n".join(data)) if data else {}
                        except ValueError:
                            body = {}
                        self.on_event({"event": kind, "data": body})
                    if kind and wakes(kind):
                        self.on_wake(kind)
                    kind, data = "", []
