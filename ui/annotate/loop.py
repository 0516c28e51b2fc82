"""Loop playback of one clip: while playing, once the out frame has been on screen for its own duration the
player goes back to the in frame. A clip that ends on the recording's last frame loops too (the player stops
there by itself, and the loop starts it again)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

WRAP_EARLY_MS = 8


class ClipLoop(QObject):
    changed = Signal(object)  # the looping clip id, or None

    def __init__(self, session, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.controller = controller
        self.clip_id: str | None = None
        self.loops = 0  # how many times playback went back to the in frame (status and tests)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._wrap)
        controller.frameShown.connect(self._shown)
        controller.playingChanged.connect(self._playing_changed)
        controller.playLimitReached.connect(self._limit_reached)
        session.recordingChanged.connect(self.stop)
        session.clipsChanged.connect(self._check_clip)

    def span(self) -> tuple[int, int] | None:
        clip = next((c for c in self.session.clips() if c.id == self.clip_id), None)
        return self.session.clip_span(clip) if clip is not None else None

    def start(self, clip_id: str) -> None:
        self.clip_id = clip_id
        self.loops = 0
        span = self.span()
        if span is None:
            self.stop()
            return
        a, b = span
        self.controller.play_limit = b
        if not a <= self.controller.current_index < b:
            self.controller.seek(a, exact=True)
        self.controller.play()
        self.changed.emit(clip_id)

    def stop(self) -> None:
        self._timer.stop()
        self.controller.play_limit = None
        if self.clip_id is not None:
            self.clip_id = None
            self.changed.emit(None)

    def _check_clip(self) -> None:
        if self.clip_id is None:
            return
        span = self.span()
        if span is None:
            self.stop()  # the clip was deleted (or undone)
        else:
            self.controller.play_limit = span[1]  # its out frame may have moved

    def _shown(self, index: int) -> None:
        if self.clip_id is None or not self.controller.playing or self._timer.isActive():
            return
        span = self.span()
        if span is not None and index >= span[1]:
            table = self.controller.table
            nxt = min(index + 1, table.frame_count - 1)
            hold_s = max(0.0, table.media_time(nxt) - table.media_time(index)) / max(self.controller.speed, 0.1)
            # a little early, so the wrap beats the next frame's due time rather than racing it
            self._timer.start(max(1, int(hold_s * 1000) - WRAP_EARLY_MS))

    def _limit_reached(self) -> None:
        """The frame after the out frame came due before the timer fired (a busy machine): wrap now; the player
        did not show it."""
        if self.clip_id is not None:
            self._timer.stop()
            self._wrap()

    def _playing_changed(self, playing: bool) -> None:
        table = self.controller.table
        if playing or self.clip_id is None or table is None:
            return
        span = self.span()
        if span is not None and span[1] == table.frame_count - 1 == self.controller.current_index:
            self._timer.start(0)  # playback ran off the end of the recording: loop from the in frame again
        else:
            self._timer.stop()  # the user paused: the loop stays armed for the next play

    def _wrap(self) -> None:
        span = self.span()
        if span is None or self.clip_id is None:
            return
        self.loops += 1
        if not self.controller.playing:
            self.controller.play()
        self.controller.seek(span[0], exact=True)  # while playing, an exact seek restarts the run at that frame
