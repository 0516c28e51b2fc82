"""The library's announcements (gov.notify) about the grid's recordings, brought to the UI thread and coalesced:
a sync applies many changes in a burst, and each listener wants one re-read for the lot."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

COALESCE_MS = 150


class Announced(QObject):
    """`fired` once per burst of announcements named in `names` about one of `recording_ids` (with `unnamed`,
    also those that name no recording, as a category change does)."""

    fired = Signal()
    _event = Signal(object)

    def __init__(self, gov, names, recording_ids, *, unnamed: bool = False, parent=None):
        super().__init__(parent)
        self.gov, self.names = gov, frozenset(names)
        self._ids = set(recording_ids) | ({None} if unnamed else set())
        self._event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self.fired)
        gov.subscribe(self._on_gov_event)

    def detach(self) -> None:
        self.gov.unsubscribe(self._on_gov_event)
        self._timer.stop()

    def _on_gov_event(self, name: str, payload: dict) -> None:  # any thread
        if name in self.names:
            try:
                self._event.emit(payload)
            except RuntimeError:  # deleted before it could unsubscribe
                pass

    def _dispatch(self, payload: dict) -> None:
        if payload.get("recording_id") in self._ids and not self._timer.isActive():
            self._timer.start()
