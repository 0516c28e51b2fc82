"""Progress reporting and cancellation for long core work, usable from any thread without Qt."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from reviewer.errors import Cancelled

ProgressCallback = Callable[[float, str], None]


@dataclass
class CancelToken:
    """Shared flag a worker polls; the UI sets it. Cheap enough to check once per packet."""

    _event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self, what: str = "operation") -> None:
        if self._event.is_set():
            raise Cancelled(what)


@dataclass
class Task:
    """What long work receives: where to report progress (0..1 plus a label) and how to learn it must stop."""

    progress: ProgressCallback | None = None
    cancel: CancelToken = field(default_factory=CancelToken)

    def report(self, fraction: float, label: str = "") -> None:
        if self.progress is not None:
            self.progress(max(0.0, min(1.0, fraction)), label)

    def check(self, what: str = "operation") -> None:
        self.cancel.raise_if_cancelled(what)


NO_TASK = Task()
