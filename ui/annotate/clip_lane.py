"""Clips and the evidential mark on the timeline.

ClipLane: each clip as a bar over its in..out frames (evidential clips in the evidential colour), plus the pending
in/out points set with I and O. Clicking a clip selects it and seeks to the clicked frame.
EvidentialLane: a band along the whole recording while it is marked evidential (or held), naming the reference;
hidden otherwise, so it is unmissable exactly when it matters.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPolygonF

from ui.timeline.lanes import Lane

CLIP = QColor(70, 150, 110)
CLIP_SELECTED = QColor(120, 210, 160)
EVIDENTIAL = QColor(200, 70, 70)
EVIDENTIAL_SELECTED = QColor(240, 120, 120)
IN_OUT = QColor(90, 170, 255)
HELD = QColor(150, 110, 210)
TEXT = QColor(245, 245, 245)


class ClipLane(Lane):
    title = "Clips"
    lane_height = 22
    clipClicked = Signal(str)

    def __init__(self, timeline, session):
        super().__init__(timeline)
        self.session = session
        self.selected_id: str | None = None
        self.setObjectName("clipLane")
        session.clipsChanged.connect(self.update)
        session.inOutChanged.connect(self.update)

    def spans(self) -> list[tuple[int, int, object]]:
        return [(*self.session.clip_span(c), c) for c in self.session.clips()]

    def paint_lane(self, p: QPainter) -> None:
        h = self.height()
        for a, b, c in self.spans():
            x0, x1 = self.x_of_index(a), self.x_of_index(b)
            selected = c.id == self.selected_id
            colour = (EVIDENTIAL_SELECTED if selected else EVIDENTIAL) if c.evidential else \
                (CLIP_SELECTED if selected else CLIP)
            rect = QRectF(x0, 3, max(3.0, x1 - x0), h - 6)
            p.fillRect(rect, colour)
            p.setPen(TEXT)
            label = ("⚑ " if c.evidential else "") + c.name
            p.drawText(rect.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                       p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(rect.width()) - 4))
        s = self.session
        if s.in_index is not None or s.out_index is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(IN_OUT)
            if s.in_index is not None and s.out_index is not None:
                x0, x1 = self.x_of_index(s.in_index), self.x_of_index(s.out_index)
                p.fillRect(QRectF(x0, h - 4, max(2.0, x1 - x0), 3), IN_OUT)
            for index, sign in ((s.in_index, 1), (s.out_index, -1)):
                if index is not None:  # a bracket: [ at the in point, ] at the out point
                    x = self.x_of_index(index)
                    p.drawPolygon(QPolygonF([QPointF(x, 1), QPointF(x + 6 * sign, 1), QPointF(x, 9)]))
                    p.fillRect(QRectF(x - (1 if sign > 0 else 0), 1, 1.5, h - 2), IN_OUT)

    def clip_at(self, x: float):
        for a, b, c in reversed(self.spans()):  # the last painted is on top
            if self.x_of_index(a) - 2 <= x <= self.x_of_index(b) + 2:
                return c
        return None

    def lane_press(self, event: QMouseEvent) -> bool:
        clip = self.clip_at(event.position().x())
        if clip is None:
            return False
        self.selected_id = clip.id
        self.clipClicked.emit(clip.id)
        a, b = self.session.clip_span(clip)
        self.controller.seek(min(max(self.index_at_x(event.position().x()), a), b), exact=True)
        self.update()
        return True


class EvidentialLane(Lane):
    lane_height = 18

    def __init__(self, timeline, session):
        super().__init__(timeline)
        self.session = session
        self.setObjectName("evidentialLane")
        self.text = ""
        session.evidentialChanged.connect(self.sync)
        session.recordingChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        mark, hold = self.session.recording_mark(), self.session.hold()
        parts = []
        if mark is not None:
            parts.append(f"⚑ EVIDENTIAL  ·  {mark.reference}  ·  {mark.category}  ·  marked by {mark.marked_by}")
        if hold is not None:
            parts.append(f"LEGAL HOLD  ·  {hold.reason}")
        self.text = "     ".join(parts)
        self._colour = EVIDENTIAL if mark is not None else HELD
        self.setToolTip(self.text)
        self.setVisible(bool(parts))
        self.update()

    def paint_lane(self, p: QPainter) -> None:
        table = self.controller.table
        x0, x1 = self.x_of_index(0), self.x_of_index(table.frame_count - 1)
        band = QRectF(x0, 2, max(3.0, x1 - x0), self.height() - 4)
        p.fillRect(band, self._colour)
        p.setPen(TEXT)
        p.drawText(band.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                   p.fontMetrics().elidedText(self.text, Qt.TextElideMode.ElideRight, int(band.width()) - 12))
