"""The open grid follows its incident's clock: an offset accepted, nudged or cleared in the single view, undone, or
applied by a sync while the grid is open re-reads the incident's placements (off the UI thread) and hands them
to the session, which keeps the focused camera on its frame and moves the others (GridSession.set_clock)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from reviewer.incident.service import IncidentClocks

COALESCE_MS = 150  # an alignment accepted for three cameras is three changes: one re-read for them


def read_clock(library, reference: str, task=None):  # noqa: ARG001 - the runner passes every job a task
    return IncidentClocks(library).clock(reference)


class ClockFollower(QObject):
    _event = Signal(object)

    def __init__(self, library, session, runner, parent=None):
        super().__init__(parent)
        self.library, self.session, self.runner = library, session, runner
        self.reads = 0  # clocks read and applied (tests wait on one after a change)
        self._detached = False
        self._ids = {session.clock.get(k).recording_id for k in session.keys}
        self._event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self.reload)
        library.gov.subscribe(self._on_gov_event)

    def detach(self) -> None:
        self._detached = True  # a read still in flight finds the grid closed
        self.library.gov.unsubscribe(self._on_gov_event)
        self._timer.stop()

    def _on_gov_event(self, name: str, payload: dict) -> None:  # any thread
        if name == "clock_changed":
            try:
                self._event.emit(payload)
            except RuntimeError:  # deleted before it could unsubscribe
                pass

    def _dispatch(self, payload: dict) -> None:
        if payload.get("recording_id") in self._ids and not self._timer.isActive():
            self._timer.start()

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
        self.reads += 1
