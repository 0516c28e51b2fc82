"""Bookmarks on the timeline: a marker under each bookmarked frame. Clicking near a marker jumps to exactly that
frame; elsewhere the lane seeks like the ruler. The tooltip names the bookmark under the pointer.

The lane repaints with every playhead move, and a sync can bring thousands of bookmarks while the user plays or
drags: the pins are drawn once into a pixmap, kept until the bookmarks, the selection or the lane's size change,
so a repaint is one drawPixmap call whatever the number of bookmarks (issue 11: no UI stall over 100 ms).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPixmap, QPolygonF
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
        self._pins: tuple[tuple, dict[int, float], QPixmap] | None = None  # (what it was drawn for, x of index, pins)
        self.pixmaps_drawn = 0  # how often the pins were drawn again (tests: not once per repaint)
        self.setObjectName("bookmarkLane")
        self.setMouseTracking(True)
        session.bookmarksChanged.connect(self.update)

    def markers(self) -> list[tuple[int, object]]:
        """(frame index, bookmark) for every bookmark of the open recording; worked out again only when the
        session's list changes (a sync can bring thousands, and the lane repaints with every playhead move)."""
        every = self.session.bookmarks()
        if self._markers is None or self._markers[0] is not every:
            index_of = {pts: self.session.index_of(pts) for pts in {b.pts for b in every}}
            self._markers = (every, [(index_of[b.pts], b) for b in every])
        return self._markers[1]

    def pin_xs(self) -> dict[int, float]:
        """x of every bookmarked frame index at the lane's current width."""
        return self._layer()[0]

    def nearest(self, x: float):
        xs = self.pin_xs()
        best = min(self.markers(), key=lambda m: abs(xs[m[0]] - x), default=None)
        if best is not None and abs(xs[best[0]] - x) <= SNAP_PX:
            return best
        return None

    def _layer(self) -> tuple[dict[int, float], QPixmap]:
        markers = self.markers()
        dpr = self.devicePixelRatioF()
        # the list and the table by identity (comparing thousands of bookmarks would cost what the cache saves);
        # the scrubber's width decides every x, the selection how a pin is drawn
        key = (self._markers[0], self.controller.table, self.timeline.scrubber.width(), self.width(),
               self.height(), dpr, self.selected_id)
        old = self._pins[0] if self._pins is not None else None
        if old is None or old[0] is not key[0] or old[1] is not key[1] or old[2:] != key[2:]:
            # worked out per bookmarked frame, not per bookmark: a sync can bring thousands on a few frames
            xs = {index: self.x_of_index(index) for index in {index for index, _b in markers}}
            # one pin per pixel column: bookmarks on the same frame, or frames closer than a pixel, look the same
            pins: dict[int, tuple[float, bool]] = {}
            for x in xs.values():
                pins.setdefault(round(x), (x, False))
            chosen = next((index for index, b in markers if b.id == self.selected_id), None) \
                if self.selected_id is not None else None
            if chosen is not None:
                pins[round(xs[chosen])] = (xs[chosen], True)
            self._pins = (key, xs, _draw_pins(pins.values(), self.width(), self.height(), dpr))
            self.pixmaps_drawn += 1
        return self._pins[1], self._pins[2]

    def paint_lane(self, p: QPainter) -> None:
        p.drawPixmap(0, 0, self._layer()[1])

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


def _draw_pins(pins, width: int, height: int, dpr: float) -> QPixmap:
    pixmap = QPixmap(max(1, round(width * dpr)), max(1, round(height * dpr)))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    # the selected pin last, so a neighbour's pin never covers it
    for x, selected in sorted(pins, key=lambda pin: pin[1]):
        p.setBrush(MARKER_SELECTED if selected else MARKER)
        # a pin: a downward triangle whose tip sits on the frame's x
        p.drawPolygon(QPolygonF([QPointF(x - 5, 3), QPointF(x + 5, 3), QPointF(x, height - 3)]))
    p.end()
    return pixmap
