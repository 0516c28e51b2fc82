"""The proposals' own lane on the timeline: each pending proposal's frame range as a dashed band (the canvas's
proposal colour), so the reviewer sees where faces were proposed before playing through. A click seeks, as on
every lane."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from ui.detect.overlay import PROPOSED
from ui.timeline.lanes import Lane


class ProposalsLane(Lane):
    title = "Proposals"

    def __init__(self, timeline, review):
        super().__init__(timeline)
        self.review = review
        review.changed.connect(self.update)

    def spans(self) -> list[tuple[int, int]]:
        return [self.review.frame_range(v) for v in self.review.views]

    def paint_lane(self, p: QPainter) -> None:
        spans = self.spans()
        if not spans:
            return
        p.setPen(QPen(PROPOSED, 1.5, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        rows = 2  # overlapping faces alternate between two rows, so neither hides the other
        h = (self.height() - 4) / rows
        for n, (a, b) in enumerate(spans):
            x0, x1 = self.x_of_index(a), self.x_of_index(b)
            p.drawRect(QRectF(x0, 2 + (n % rows) * h, max(2.0, x1 - x0), h - 1))
