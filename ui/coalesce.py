"""Coalescing hand-over from worker threads to the UI thread.

Workers report far more often than a screen needs. Dropping reports that come too soon loses the newest one when
no later report follows (a progress bar left on a stale value); this keeps, per key, only the newest value and
delivers it on this object's thread within one interval. Nothing reported is ever older on screen than that.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot


class LatestValues(QObject):
    """`push(key, value)` from any thread; `deliver(key, value)` runs on the thread that created this object with
    the newest value of every key pushed since the last delivery, at most once per `interval_s` (at once when
    `urgent`). Keys are delivered in the order they were first pushed."""

    _wake = Signal(float)

    def __init__(self, deliver: Callable[[Hashable, Any], None], interval_s: float, parent: QObject | None = None):
        super().__init__(parent)
        self._deliver = deliver
        self._interval = interval_s
        self._lock = threading.Lock()
        self._pending: dict[Hashable, Any] = {}
        self._scheduled = False
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._wake.connect(self._arm, Qt.ConnectionType.QueuedConnection)

    def push(self, key: Hashable, value: Any, urgent: bool = False) -> None:
        with self._lock:
            self._pending[key] = value
            if self._scheduled and not urgent:
                return  # the delivery already on its way will carry this newer value
            self._scheduled = True
            wait = 0.0 if urgent else max(0.0, self._last_flush + self._interval - time.monotonic())
        self._wake.emit(wait)

    @Slot(float)
    def _arm(self, wait: float) -> None:
        if wait <= 0.0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    @Slot()
    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._scheduled = False
            self._last_flush = time.monotonic()
        for key, value in pending.items():
            self._deliver(key, value)
