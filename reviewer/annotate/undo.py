"""The undo command stack, in the core so every front end (GUI, scripts) shares one history.

A command knows how to do and undo itself. Consecutive commands with the same merge key (the steps of one drag)
fold into one entry, so one gesture is one undo step.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Command:
    name: str
    do: Callable[[], None]
    undo: Callable[[], None]
    merge_key: object | None = None  # same non-None key as the previous command -> merged into it


@dataclass
class _Entry:
    name: str
    steps: list[Command] = field(default_factory=list)
    merge_key: object | None = None
    open: bool = True


class UndoStack:
    def __init__(self, limit: int = 500):
        self._done: list[_Entry] = []
        self._undone: list[_Entry] = []
        self._limit = limit
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []

    # ---- observers (the UI shows undo state only) --------------------------------------------------------------
    def subscribe(self, fn: Callable[[], None]) -> None:
        self._listeners.append(fn)

    def unsubscribe(self, fn: Callable[[], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    # ---- commands -------------------------------------------------------------------------------------------
    def push(self, cmd: Command) -> None:
        """Run `cmd` and record it. If it raises, nothing is recorded."""
        with self._lock:
            cmd.do()
            top = self._done[-1] if self._done else None
            if top is not None and top.open and cmd.merge_key is not None and top.merge_key == cmd.merge_key:
                top.steps.append(cmd)
            else:
                self._done.append(_Entry(cmd.name, [cmd], cmd.merge_key))
                del self._done[: max(0, len(self._done) - self._limit)]
            self._undone.clear()
        self._changed()

    def would_merge(self, merge_key: object | None) -> bool:
        """Would a command with this key join the newest entry (the same gesture)?"""
        with self._lock:
            top = self._done[-1] if self._done else None
            return top is not None and top.open and merge_key is not None and top.merge_key == merge_key

    def close_merge(self) -> None:
        """End the current gesture: the next command starts a new entry even with the same key."""
        with self._lock:
            if self._done:
                self._done[-1].open = False

    def undo(self) -> str | None:
        """Undo the newest entry. If a step raises (e.g. the core refuses the inverse edit), the steps already
        undone are redone and the entry stays where it was, so the history still matches the data."""
        with self._lock:
            if not self._done:
                return None
            entry = self._done[-1]
            _run_all([(s.undo, s.do) for s in reversed(entry.steps)])
            self._done.pop()
            entry.open = False
            self._undone.append(entry)
        self._changed()
        return entry.name

    def redo(self) -> str | None:
        with self._lock:
            if not self._undone:
                return None
            entry = self._undone[-1]
            _run_all([(s.do, s.undo) for s in entry.steps])
            self._undone.pop()
            self._done.append(entry)
        self._changed()
        return entry.name

    @property
    def undo_name(self) -> str | None:
        return self._done[-1].name if self._done else None

    @property
    def redo_name(self) -> str | None:
        return self._undone[-1].name if self._undone else None

    def clear(self) -> None:
        with self._lock:
            self._done.clear()
            self._undone.clear()
        self._changed()


def _run_all(steps: list[tuple[Callable[[], None], Callable[[], None]]]) -> None:
    """Run each (action, inverse) action in order; on failure run the inverses of those done, then re-raise."""
    done: list[Callable[[], None]] = []
    try:
        for action, inverse in steps:
            action()
            done.append(inverse)
    except BaseException:
        for inverse in reversed(done):
            inverse()
        raise
