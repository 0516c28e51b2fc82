"""Hybrid logical clock (Kulkarni et al.): stamps that follow wall time but never go backwards and always
exceed every stamp this library has seen, so a change made after seeing another is ordered after it even when
this workstation's clock is an hour behind.

A stamp orders by (wall_ms, counter, workstation); `Stamp.key()` is that order as sortable text, which is what
the merge rules compare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

WALL_DIGITS = 16  # wall_ms < 2**53
COUNTER_DIGITS = 10  # counter < 2**31


@dataclass(frozen=True, order=True)
class Stamp:
    wall_ms: int
    counter: int
    workstation: str

    def key(self) -> str:
        return f"{self.wall_ms:0{WALL_DIGITS}d}.{self.counter:0{COUNTER_DIGITS}d}.{self.workstation}"

    @classmethod
    def from_key(cls, key: str) -> "Stamp":
        wall, counter, ws = key.split(".", 2)
        return cls(int(wall), int(counter), ws)

    def to_json(self) -> dict:
        return {"wall_ms": self.wall_ms, "counter": self.counter}


class Clock:
    """One per library. `now()` for a local change, `observe()` for every stamp received. The caller persists
    `last` (sync_state) so a restart with a clock set back still issues larger stamps."""

    def __init__(self, workstation: str, last: tuple[int, int] = (0, 0),
                 wall: Callable[[], int] = lambda: time.time_ns() // 1_000_000):
        self.workstation = workstation
        self.last = last
        self._wall = wall

    def now(self) -> Stamp:
        wall, (lw, lc) = self._wall(), self.last
        self.last = (wall, 0) if wall > lw else (lw, lc + 1)
        return Stamp(*self.last, self.workstation)

    def observe(self, wall_ms: int, counter: int) -> None:
        """Take in a received stamp: the next local stamp is after it."""
        if (wall_ms, counter) > self.last:
            self.last = (wall_ms, counter)
