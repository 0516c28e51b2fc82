"""Tracking assist in the editor: "track forward/backward" from the frame on screen runs the core tracker
(reviewer.redact.tracking, CSRT by default, KCF as the fast mode) over exactly decoded frames on a worker thread,
with progress and cancel. The thinned result lands as ONE undo step, for the user to review.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from reviewer.redact.interpolate import bounds, interpolate
from reviewer.redact.model import Keyframe, ShapeKind
from reviewer.redact.tracking import thin_keyframes, track_box
from ui.redaction import geometry as geo

LIMIT_FRAMES = 900  # 30 s at 30 fps per run: long enough to be useful, short enough to review
TOLERANCE_PX = 3.0  # px a corner may stray from the tracked box; tracker jitter is ~1-2 px
READER_CACHE_BYTES = 64 * 1024 * 1024  # the tracker walks forward; it never revisits frames


def run_tracking(source, start_index: int, box, direction: int, limit: int, mode: str, tolerance: float, *, task):
    """Worker: track and thin. Returns (TrackResult, thinned samples)."""
    reader = source.reader(cache_bytes=READER_CACHE_BYTES)
    try:
        result = track_box(reader, start_index, box, direction=direction, limit=limit, mode=mode, task=task)
    finally:
        reader.close()
    return result, thin_keyframes(result.samples, tolerance)


class TrackingAssist(QObject):
    progressed = Signal(float, str)
    runningChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, session, controller, runner, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.controller, self.runner = session, controller, runner
        self.fast = False  # KCF instead of CSRT
        self.limit = LIMIT_FRAMES
        self.tolerance = TOLERANCE_PX
        self.op = None
        self.last_result = None
        session.recordingChanged.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.op is not None

    def start(self, direction: int) -> bool:
        """Track the current mask from the frame on screen; False (with a message) when it cannot start."""
        s = self.session
        track, table = s.current, s.table
        if self.running:
            self.message.emit("Tracking is already running (Esc in the masks panel, or Cancel, stops it).")
            return False
        if track is None or table is None:
            self.message.emit("Select a mask to track first.")
            return False
        index = self.controller.current_index
        pts = int(table.pts[index])
        points = interpolate(track, pts)
        if points is None:
            self.message.emit("The selected mask is not shown on this frame: go to a frame where it covers the "
                              "subject, then track.")
            return False
        self.controller.pause()
        remaining = (table.frame_count - 1 - index) if direction > 0 else index
        if remaining <= 0:
            self.message.emit("Nothing to track: this is the " + ("last" if direction > 0 else "first") + " frame.")
            return False
        box = bounds(points)
        limit = min(self.limit, remaining)
        self._context = (track.id, track.kind, points, box, direction, limit >= remaining)
        self.op = self.runner.run(
            run_tracking, s.source, index, box, direction, limit, "kcf" if self.fast else "csrt", self.tolerance,
            key="masks.tracking", on_done=self._done, on_error=self._failed, on_progress=self._progress,
            on_cancelled=self._cancelled)
        self.runningChanged.emit(True)
        self.progressed.emit(0.0, "tracking…")
        self.message.emit(f"Tracking {'forward' if direction > 0 else 'backward'} from frame {index} "
                          "(Esc in the masks panel, or Cancel, stops it)…")
        return True

    def cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()  # the runner reports on_cancelled; nothing is written

    def _progress(self, fraction: float, label: str) -> None:
        self.progressed.emit(fraction, label)

    def _finish(self) -> None:
        self.op = None
        self.runningChanged.emit(False)

    def _cancelled(self) -> None:
        self._finish()
        self.message.emit("Tracking cancelled; nothing was changed.")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.message.emit(f"Tracking failed: {exc}")

    def _done(self, payload) -> None:
        self._finish()
        result, thinned = payload
        self.last_result = result
        track_id, kind, points, seed_box, direction, to_end = self._context
        editor = self.session.editor
        if editor is None or self.session.track(track_id) is None:
            self.message.emit("Tracking finished, but the mask was deleted meanwhile; nothing was changed.")
            return
        keyframes = [Keyframe(s.pts, _geometry(kind, points, seed_box, s.box)) for s in thinned]
        editor.add_keyframes(track_id, keyframes, name="tracking result")
        frames = len(result.samples) - 1
        why = {"lost": result.message or "the tracker lost the target",
               "end": "reached the end of the recording",
               "limit": "reached the end of the recording" if to_end else f"reached the {self.limit}-frame limit",
               "cancelled": "cancelled"}.get(result.stopped, result.stopped)
        self.message.emit(f"Tracked {frames} frames {'forward' if direction > 0 else 'backward'} ({why}); "
                          f"{len(keyframes)} keyframes written as one undo step. Review them (Alt+N).")


def _geometry(kind: ShapeKind, points, seed_box, new_box):
    if kind is ShapeKind.POLYGON:
        return geo.refit(points, seed_box, new_box)
    x0, y0, x1, y1 = new_box
    return (x0, y0), (x1, y1)
