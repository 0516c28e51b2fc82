"""The audio lane: the recording's waveform (computed off the UI thread, cached by SHA-256) with its audio
redaction ranges drawn over it. Drag across the lane to add a mute/bleep range; right-click a range to delete
it; a plain click seeks like any lane.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QMenu

from reviewer.media.waveform import WaveformCache
from ui.redaction.preview import audio_ranges
from ui.redaction.mask_lane import title_backdrop
from ui.timeline.lanes import Lane
from ui.timeline.scrubber import MARGIN

WAVE = QColor(90, 170, 120)
MUTE = QColor(220, 60, 60, 120)
BLEEP = QColor(240, 170, 30, 130)
DRAG_PX = 4


class WaveformLane(Lane):
    title = "Audio"
    lane_height = 40

    def __init__(self, timeline, session, runner, new_range_options, message=lambda text: None):
        """`new_range_options()` -> (mode, reason) for a range added by dragging; `message(text)` reports."""
        super().__init__(timeline)
        self.setObjectName("waveformLane")
        self.session, self.runner = session, runner
        self.new_range_options, self.message = new_range_options, message
        self.waveform = None
        self.state = "none"  # "none" (no recording), "computing", "ready", "silent" (no audio), "failed"
        self._op = None
        self._duration = 0.0
        self._drag: tuple[float, float] | None = None
        self._picture: tuple[tuple, QPixmap] | None = None  # the envelope drawn once per size and waveform
        self.cache = WaveformCache(session.library.paths.cache / "waveforms")
        session.recordingChanged.connect(self._load)
        session.changed.connect(self.update)

    # ---- data -----------------------------------------------------------------------------------------------
    def _load(self) -> None:
        if self._op is not None:
            self._op.cancel()
        self.waveform, self._op = None, None
        source = self.session.source
        if source is None:
            self.state = "none"
            self.update()
            return
        table = source.table
        self._duration = table.duration
        if not getattr(source.info, "has_audio", False):
            self.state = "silent"
            self.update()
            return
        self.state = "computing"
        sha = getattr(getattr(source, "view", None), "sha256", None)
        origin = float(table.first_pts * table.time_base)
        self._op = self.runner.run(self.cache.get_or_compute, sha, source.path, origin, key="masks.waveform",
                                   on_done=self._ready, on_error=self._failed)
        self.update()

    def _ready(self, waveform) -> None:
        self._op = None
        self.waveform = waveform
        self.state = "ready" if waveform is not None else "silent"
        self.update()

    def _failed(self, exc: BaseException) -> None:
        self._op = None
        self.state = "failed"
        self.message(f"Waveform unavailable: {exc}")
        self.update()

    # ---- geometry -------------------------------------------------------------------------------------------
    def _time_at_x(self, x: float) -> float:
        span = max(1.0, self.width() - 2 * MARGIN)
        return (x - MARGIN) / span * self._duration

    def _x_at_time(self, t: float) -> float:
        span = max(1.0, self.width() - 2 * MARGIN)
        return MARGIN + t / max(1e-9, self._duration) * span

    def _range_rects(self):
        source = self.session.source
        if source is None:
            return []
        ranges = audio_ranges(self.session.display_set, source)
        return [(r, QRectF(self._x_at_time(s), 1, max(2.0, self._x_at_time(e) - self._x_at_time(s)),
                           self.height() - 2), mode) for r, (s, e, mode) in zip(self.session.display_set.audio,
                                                                               ranges)]

    # ---- painting -------------------------------------------------------------------------------------------
    def paint_lane(self, p: QPainter) -> None:
        h = self.height()
        if self.waveform is not None and self._duration > 0:
            p.drawPixmap(0, 0, self._envelope())
        elif self.state in ("computing", "silent", "failed"):
            text = {"computing": "computing waveform…", "silent": "no audio", "failed": "waveform unavailable"}
            p.setPen(QColor(120, 120, 130))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text[self.state])
        for _r, rect, mode in self._range_rects():
            p.fillRect(rect, BLEEP if mode == "bleep" else MUTE)
            p.setPen(QColor(255, 255, 255))
            p.drawText(rect.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, mode)
        if self._drag is not None:
            a, b = sorted(self._drag)
            p.fillRect(QRectF(a, 0, max(1.0, b - a), h), QColor(255, 255, 255, 60))
        title_backdrop(p, self)

    def _envelope(self) -> QPixmap:
        """The waveform as a transparent pixmap of the lane's size; the lane repaints with every frame shown,
        so the envelope is drawn only when the size or the waveform changes."""
        key = (self.width(), self.height(), id(self.waveform), self._duration)
        if self._picture is None or self._picture[0] != key:
            pix = QPixmap(self.width(), self.height())
            pix.fill(Qt.GlobalColor.transparent)
            q = QPainter(pix)
            mid = self.height() / 2
            scale = mid - 2
            xs = np.arange(MARGIN, max(MARGIN + 1, self.width() - MARGIN) + 1, dtype=np.float64)
            span = max(1.0, self.width() - 2 * MARGIN)
            lo, hi = self.waveform.columns((xs - MARGIN) / span * self._duration)
            q.setPen(WAVE)
            for x, a, b in zip(xs[:-1].astype(int).tolist(), lo.tolist(), hi.tolist()):
                q.drawLine(x, int(mid - b * scale), x, int(mid - a * scale))
            q.end()
            self._picture = (key, pix)
        return self._picture[1]

    # ---- mouse ----------------------------------------------------------------------------------------------
    def lane_press(self, event: QMouseEvent) -> bool:
        x = event.position().x()
        if event.button() == Qt.MouseButton.RightButton:
            for r, rect, mode in self._range_rects():
                if rect.left() - 2 <= x <= rect.right() + 2:
                    self._range_menu(r, mode, event.position().toPoint())
                    return True
            return True
        if event.button() == Qt.MouseButton.LeftButton and self.session.editor is not None:
            self._drag = (x, x)
        return False  # seek to the pressed frame as usual

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position().x())
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and abs(drag[1] - drag[0]) >= DRAG_PX:
            a, b = sorted(drag)
            self.add_range(self.index_at_x(a), self.index_at_x(b))
        self.update()
        super().mouseReleaseEvent(event)

    def add_range(self, first: int, last: int) -> None:
        editor, table = self.session.editor, self.session.table
        if editor is None or table is None:
            return
        mode, reason = self.new_range_options()
        editor.add_range("audio", int(table.pts[first]), int(table.pts[last]), mode, reason)
        self.message(f"Audio {mode} range added: frames {first}–{last}.")

    def _range_menu(self, r, mode: str, at: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(f"Delete {mode} range", lambda: self.session.editor.delete_range("audio", r.id))
        menu.popup(self.mapToGlobal(at))
