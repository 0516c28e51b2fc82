"""The open grid follows its incident's clock: an offset accepted, nudged or cleared in the single view, undone, or
applied by a sync while the grid is open re-reads the incident's placements (off the UI thread) and hands them
to the session, which keeps the focused camera on its frame and moves the others (GridSession.set_clock)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reviewer.incident.service import IncidentClocks
from ui.multicam.announced import Announced


def read_clock(library, reference: str, task=None):  # noqa: ARG001 - the runner passes every job a task
    return IncidentClocks(library).clock(reference)


class ClockFollower(QObject):
    def __init__(self, library, session, runner, parent=None):
        super().__init__(parent)
        self.library, self.session, self.runner = library, session, runner
        self._detached = False
        # an alignment accepted for three cameras is three announcements: one re-read for them
        self._announced = Announced(library.gov, ("clock_changed",),
                                    {session.clock.get(k).recording_id for k in session.keys}, parent=self)
        self._announced.fired.connect(self.reload)

    def detach(self) -> None:
        self._detached = True  # a read still in flight finds the grid closed
        self._announced.detach()

    def reload(self) -> None:
        self.runner.run(read_clock, self.library, self.session.clock.reference, key="grid-clock",
                        on_done=self._read, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        if not self._detached:
            self.session.failed.emit(f"The incident's offsets changed but could not be read again: {exc}")

    def _read(self, clock) -> None:
        if self._detached:
            return
        if set(self.session.keys) <= {p.key for p in clock.placements}:  # a camera moved out of the incident: keep
            self.session.set_clock(clock)
