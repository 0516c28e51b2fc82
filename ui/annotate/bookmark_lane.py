"""Bookmarks on the timeline: a marker under each bookmarked frame. Clicking near a marker jumps to exactly that
frame; elsewhere the lane seeks like the ruler. The tooltip names the bookmark under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPolygonF
from PySide6.QtWidgets import QToolTip

from ui.timeline.lanes import Lane

MARKER = QColor(240, 190, 70)
MARKER_SELECTED = QColor(255, 235, 150)
SNAP_PX = 6


class BookmarkLane(Lane):
    title = "Bookmarks"
    lane_height = 20

    def __init__(self, timeline, session):
        super().__init__(timeline)
        self.session = session
        self.selected_id: str | None = None
        self._markers: tuple[object, list] | None = None  # (the session's bookmark list, its markers)
        self.setObjectName("bookmarkLane")
        self.setMouseTracking(True)
        session.bookmarksChanged.connect(self.update)

    def markers(self) -> list[tuple[int, object]]:
        """(frame index, bookmark) for every bookmark of the open recording; worked out again only when the
        session's list changes (a sync can bring thousands, and the lane repaints with every playhead move)."""
        every = self.session.bookmarks()
        if self._markers is None or self._markers[0] is not every:
            self._markers = (every, [(self.session.index_of(b.pts), b) for b in every])
        return self._markers[1]

    def nearest(self, x: float):
        best = min(self.markers(), key=lambda m: abs(self.x_of_index(m[0]) - x), default=None)
        if best is not None and abs(self.x_of_index(best[0]) - x) <= SNAP_PX:
            return best
        return None

    def paint_lane(self, p: QPainter) -> None:
        h = self.height()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        # one pin per pixel column: bookmarks on the same frame, or frames closer than a pixel, look the same
        pins: dict[int, tuple[float, bool]] = {}
        xs: dict[int, float] = {}
        for index, b in self.markers():
            x = xs.get(index)
            if x is None:
                x = xs[index] = self.x_of_index(index)
            col = round(x)
            selected = b.id == self.selected_id
            if col not in pins or selected:
                pins[col] = (x, selected)
        for x, selected in pins.values():
            p.setBrush(MARKER_SELECTED if selected else MARKER)
            # a pin: a downward triangle whose tip sits on the frame's x
            p.drawPolygon(QPolygonF([QPointF(x - 5, 3), QPointF(x + 5, 3), QPointF(x, h - 3)]))

    def lane_press(self, event: QMouseEvent) -> bool:
        hit = self.nearest(event.position().x())
        if hit is None:
            return False
        self.selected_id = hit[1].id
        self.controller.seek(hit[0], exact=True)
        self.update()
        return True

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.nearest(event.position().x()) if self.controller.table is not None else None
        if hit is None:
            QToolTip.hideText()
            return
        b = hit[1]
        QToolTip.showText(event.globalPosition().toPoint(), f"{b.title}  [{b.category}]  frame {hit[0]}", self)
