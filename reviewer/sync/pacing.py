"""Sharing the interpreter with a window while the sync loop applies a page.

CPython runs one thread at a time (the GIL). A thread that lets go of it often and takes it straight back, as the
sync loop does around every SQLite call, keeps winning it: a waiting thread asks for a hand-over only after a
switch interval in which the holder did not let go once, and each let-go restarts that wait (the convoy effect
of bpo-7946). The UI thread gives the GIL up at every Qt call that may block, so while a page of operations was
applied it waited for it again and again: a mask drag froze for 250-400 ms at a time (bench/bench_ui_stall.py
--only-sync, issue 11).

A Pacer is called between two operations. Every `slice_s` of work it sleeps for `pause_s`, so the GIL is free
for that long. With a window, it also reads the window's Heartbeat, stamped by a timer on the UI thread: when the
last stamp is older than `late_s`, the UI thread is behind (waiting for the GIL, most likely), and the loop keeps
sleeping until the UI thread has run again or `wait_s` has passed. The loop goes at full speed while the window is
idle, and gives way while the user works. The command-line loop, with no window to serve, is not paced.
"""

from __future__ import annotations

import time

SLICE_S = 0.004
PAUSE_S = 0.001
LATE_S = 0.020  # the heartbeat ticks every 10 ms while a sync applies: two missed ticks mean the UI is behind
WAIT_S = 0.010  # the longest the loop gives way per operation, should the UI thread be stuck for another reason
ASKED_FOR_S = 1.0  # the heartbeat ticks fast for this long after the pacer last looked at it


class Heartbeat:
    """When the UI thread last ran its event loop (time.perf_counter()), stamped by a timer on that thread. The
    timer ticks fast only while a pacer reads the stamp (`asked`): `fast` says it does, and a pacer trusts only
    a fast heartbeat."""

    FAST_S = 0.010
    SLOW_S = 0.250

    def __init__(self):
        self.last = time.perf_counter()
        self.asked = 0.0
        self.fast = False

    def beat(self) -> float:
        """Stamp now; returns the interval the timer should tick at next."""
        self.last = now = time.perf_counter()
        self.fast = now - self.asked < ASKED_FOR_S
        return self.FAST_S if self.fast else self.SLOW_S


class Pacer:
    def __init__(self, heartbeat: Heartbeat | None = None, slice_s: float = SLICE_S, pause_s: float = PAUSE_S,
                 late_s: float = LATE_S, wait_s: float = WAIT_S):
        self.heartbeat = heartbeat
        self.slice_s, self.pause_s, self.late_s, self.wait_s = slice_s, pause_s, late_s, wait_s
        self.pauses = 0  # how often it slept (benchmarks report it)
        self.gave_way = 0  # how often it waited for a UI thread that was behind
        self._since = time.perf_counter()

    def __call__(self) -> None:
        now = time.perf_counter()
        hb = self.heartbeat
        if hb is not None:
            hb.asked = now
            if hb.fast and now - hb.last > self.late_s:
                self.gave_way += 1
                deadline = now + self.wait_s
                while True:
                    self._pause()
                    now = time.perf_counter()
                    if now >= deadline or now - hb.last <= self.late_s:
                        return
        if now - self._since >= self.slice_s:
            self._pause()

    def _pause(self) -> None:
        time.sleep(self.pause_s)
        self.pauses += 1
        self._since = time.perf_counter()
