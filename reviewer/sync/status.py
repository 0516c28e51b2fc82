"""What the status bar shows about sync, Qt-free: the loop updates it, the UI reads snapshot() on a timer (or
subscribes; callbacks run on the loop's thread)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class Snapshot:
    online: bool | None = None  # None: not tried yet
    syncing: bool = False
    pending: int = 0  # local operations the store has not acknowledged
    held: int = 0  # of those, waiting for the store to hold their recording (404)
    rejected: int = 0  # operations the store refused for good this run (audited as sync.rejected)
    parked: int = 0  # remote operations waiting for their recording here
    last_sync: dt.datetime | None = None  # end of the last complete push + pull
    last_error: str | None = None
    retry_in: float | None = None  # seconds until the next attempt after a failure


class SyncStatus:
    def __init__(self):
        self._lock = threading.Lock()
        self._snap = Snapshot()
        self._subscribers: list[Callable[[Snapshot], None]] = []

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snap

    def update(self, **fields) -> Snapshot:
        with self._lock:
            self._snap = replace(self._snap, **fields)
            snap, subs = self._snap, list(self._subscribers)
        for cb in subs:
            cb(snap)
        return snap

    def subscribe(self, callback: Callable[[Snapshot], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Snapshot], None]) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
