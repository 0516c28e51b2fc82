"""A first-come, first-served lock for the one SQLite writer of a process.

SQLite's own wait for its write lock (the busy handler) is a sleep-and-retry loop: whoever happens to retry just
after a commit wins, so under fifty concurrent requests one unlucky request can lose every round until its busy
timeout ends in "database is locked". Queueing the writers of the process here, in arrival order, leaves SQLite's
busy handler only another process to wait for (the store's CLI, a second store on the same file)."""

from __future__ import annotations

import threading
from collections import deque


class WriterQueue:
    """A FIFO lock: release() hands the lock straight to the longest waiter, so nobody can overtake it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._mutex:
            try:
                self._waiting.remove(turn)
                return False
            except ValueError:  # handed over between the timeout and taking the mutex: it is ours now
                return True

    @property
    def waiting(self) -> int:
        with self._mutex:
            return len(self._waiting)

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # ownership passes; _held stays True
            else:
                self._held = False
