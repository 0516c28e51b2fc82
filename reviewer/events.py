"""A tiny Qt-free publisher: core objects announce what changed; the UI subscribes and marshals to its thread.

Callbacks run on the thread that emitted (often a worker), so UI code must hop to its own thread itself.
A failing subscriber is logged and skipped: one broken panel must not abort an ingest or a commit.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

Callback = Callable[[str, dict[str, Any]], None]

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Callback] = []

    def subscribe(self, callback: Callback) -> None:
        with self._lock:
            if callback not in self._subscribers:
                self._subscribers.append(callback)

    def unsubscribe(self, callback: Callback) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def emit(self, name: str, payload: dict[str, Any] | None = None) -> None:
        with self._lock:
            targets = list(self._subscribers)  # a callback may unsubscribe itself while we iterate
        for cb in targets:
            try:
                cb(name, dict(payload or {}))
            except Exception:
                log.exception("event subscriber %r failed on %s", cb, name)
