"""Timeline scrubber: a time ruler with keyframe marks and the playhead of the frame on screen.

Dragging asks the player for quick previews (exact=False: a cached frame or the keyframe, labelled with its own
index); releasing asks for the exact frame under the pointer. Positions map through media time, so VFR footage
scrubs evenly in time rather than in frame numbers.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.timeline.ruler import tick_label, tick_step, ticks

MARGIN = 10  # px each side so the first and last frames are easy to hit
BG = QColor(28, 28, 32)
TRACK = QColor(48, 48, 54)
TICK = QColor(110, 110, 120)
LABEL = QColor(160, 160, 170)
KEY = QColor(70, 110, 150)
PLAYHEAD = QColor(255, 170, 40)
GHOST = QColor(255, 255, 255, 110)


class TimelineScrubber(QWidget):
    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("timelineScrubber")
        self.setMinimumHeight(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._drag_index: int | None = None
        # FrameTable.duration takes a median over every pts (~0.6 ms for an hour): compute once per source
        self._duration = 0.0
        self._last_time = 0.0
        controller.frameShown.connect(lambda _i: self.update())
        controller.sourceOpened.connect(self._on_source)
        controller.sourceClosed.connect(self._on_source)
        self._on_source()

    def _on_source(self, *_args) -> None:
        table = self.controller.table
        self._duration = table.duration if table is not None else 0.0
        self._last_time = table.media_time(table.frame_count - 1) if table is not None else 0.0
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, 46)

    # ---- geometry ------------------------------------------------------------------------------------------
    def _span(self) -> float:
        return max(1.0, self.width() - 2 * MARGIN)

    def x_of_index(self, index: int) -> float:
        table = self.controller.table
        if table is None or self._duration <= 0:
            return MARGIN
        return MARGIN + table.media_time(index) / self._duration * self._span()

    def index_at_x(self, x: float) -> int:
        table = self.controller.table
        if table is None:
            return 0
        t = (x - MARGIN) / self._span() * self._duration
        t = max(0.0, min(t, self._last_time))
        return table.index_at_media_time(t)

    # ---- mouse ---------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.controller.source is None:
            return super().mousePressEvent(event)
        self.controller.pause()
        self._drag_index = self.index_at_x(event.position().x())
        self.controller.seek(self._drag_index, exact=False)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_index is None:
            return super().mouseMoveEvent(event)
        i = self.index_at_x(event.position().x())
        if i != self._drag_index:
            self._drag_index = i
            self.controller.seek(i, exact=False)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_index is None:
            return super().mouseReleaseEvent(event)
        i = self.index_at_x(event.position().x())
        self._drag_index = None
        self.controller.seek(i, exact=True)
        self.update()

    # ---- painting ------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BG)
        h = self.height()
        track = QRectF(MARGIN, max(22.0, h * 0.45), self._span(), max(10.0, h * 0.35))
        p.fillRect(track, TRACK)
        table = self.controller.table
        if table is None:
            p.end()
            return
        self._paint_ruler(p, table, track)
        self._paint_keyframes(p, table, track)
        shown = self.controller.current_index
        if self._drag_index is not None and self._drag_index != shown:
            x = self.x_of_index(self._drag_index)
            p.setPen(QPen(GHOST, 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, track.top() - 2), QPointF(x, h))
        self._paint_playhead(p, self.x_of_index(shown), track)
        p.end()

    def _paint_ruler(self, p: QPainter, table, track: QRectF) -> None:
        step = tick_step(self._duration, self._span())
        font = p.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.8))
        p.setFont(font)
        metrics = p.fontMetrics()
        for t in ticks(self._duration, self._span()):
            x = MARGIN + t / self._duration * self._span()
            p.setPen(TICK)
            p.drawLine(QPointF(x, track.top() - 5), QPointF(x, track.top()))
            label = tick_label(t, step)
            if x + 2 + metrics.horizontalAdvance(label) <= self.width():  # never clip a label at the edge
                p.setPen(LABEL)
                p.drawText(QPointF(x + 2, track.top() - 7), label)

    def _paint_keyframes(self, p: QPainter, table, track: QRectF) -> None:
        keys = table.key_indices
        if keys.size == 0 or keys.size > self._span() / 3:
            return  # too dense to be useful
        p.setPen(KEY)
        for k in keys:
            x = self.x_of_index(int(k))
            p.drawLine(QPointF(x, track.bottom() - 4), QPointF(x, track.bottom()))

    def _paint_playhead(self, p: QPainter, x: float, track: QRectF) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(PLAYHEAD, 2))
        p.drawLine(QPointF(x, track.top() - 2), QPointF(x, self.height()))
        p.setBrush(PLAYHEAD)
        top = track.top() - 9
        p.drawPolygon(QPolygonF([QPointF(x - 5, top), QPointF(x + 5, top), QPointF(x, top + 7)]))
