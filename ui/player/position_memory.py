"""Reopening a recording returns to the frame the user left it on. Kept per recording id in the UI settings: it is
a viewing convenience, not an event in the recording's history, so it never enters the audit trail."""

from __future__ import annotations

from PySide6.QtCore import QObject


class PositionMemory(QObject):
    def __init__(self, controller, settings, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self._recording: str | None = None
        self._index = 0
        controller.sourceOpened.connect(self._opened)
        controller.frameShown.connect(self._shown)
        controller.playingChanged.connect(lambda playing: None if playing else self.save())
        controller.sourceClosed.connect(self._closed)

    def start_index(self, recording) -> int:
        """Where to open `recording`: the frame it was left on, within the recording, else 0."""
        rid = _recording_id(recording)
        saved = self.settings.last_position(rid) if rid else None
        count = recording.table.frame_count
        return saved if saved is not None and 0 <= saved < count else 0

    def _opened(self, source) -> None:
        self._recording = _recording_id(source)
        self._index = -1  # nothing shown yet: closing before the first frame must not overwrite the saved one

    def _shown(self, index: int) -> None:
        self._index = index

    def save(self) -> None:
        if self._recording is not None and self._index >= 0:
            self.settings.save_position(self._recording, self._index)

    def _closed(self) -> None:
        self.save()  # the controller has forgotten the frame by now; the last one shown is kept here
        self._recording = None
        self._index = 0


def _recording_id(source) -> str | None:
    view = getattr(source, "view", None)
    return getattr(view, "id", None)
