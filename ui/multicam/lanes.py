"""The incident timeline: one lane per recording, drawn from its start to its end on the incident clock (so a
camera whose clock is wrong by 12 s sits 12 s along), the playhead at the incident time; a click seeks there.

On each lane, that recording's marks at the incident time of the frames they name (ui/multicam/marks.py): clips
as bars, mask tracks as a strip along the foot of the lane, bookmarks as pins, in the single-recording lanes'
colours. A click near a pin focuses that camera and puts it exactly on the bookmarked frame (the others follow
to their frame at that instant).

The lanes repaint with every tick of play; the lanes and their marks are drawn once into a pixmap, kept until the
marks, the size, the focus or the selection change, so a repaint is one drawPixmap and the playhead whatever the
number of marks (as the single view's bookmark lane does, issue 11).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QToolTip, QWidget

from ui.annotate.bookmark_lane import MARKER, MARKER_SELECTED, SNAP_PX
from ui.annotate.clip_lane import CLIP, EVIDENTIAL
from ui.redaction.mask_lane import ACTIVE

LANE_H = 26
GAP = 3
NAME_W = 180  # room for a BWV file name as far as its device and date
MASK_H = 4
LANE = QColor(90, 90, 100)
LANE_FOCUSED = QColor(70, 110, 170)


class IncidentLanes(QWidget):
    def __init__(self, session, marks=None, parent=None):
        super().__init__(parent)
        self.session = session
        self.marks = marks  # ui.multicam.marks.IncidentMarks (None: the lanes alone)
        self.selected_id: str | None = None
        self._layer: tuple[tuple, QPixmap] | None = None  # (what it was drawn for, the lanes and marks)
        self.layers_drawn = 0  # how often the lanes were drawn again (tests: not once per tick)
        self.setObjectName("incidentLanes")
        self.setMinimumHeight(len(session.keys) * (LANE_H + GAP) + GAP)
        self.setMouseTracking(True)
        session.timeChanged.connect(lambda _t: self.update())
        session.focusChanged.connect(lambda _k: self.update())
        session.clockChanged.connect(self.update)
        if marks is not None:
            marks.changed.connect(self.update)

    # ---- geometry (one mapping for painting and clicking) ----------------------------------------------------
    def x_of(self, t: float) -> float:
        lo, hi = self.session.clock.span()
        width = max(1.0, self.width() - NAME_W - 4)
        return NAME_W + (t - lo) / max(1e-9, hi - lo) * width

    def time_at(self, x: float) -> float:
        lo, hi = self.session.clock.span()
        width = max(1.0, self.width() - NAME_W - 4)
        return lo + (x - NAME_W) / width * (hi - lo)

    def lane_rect(self, key: str) -> QRectF:
        row = self.session.keys.index(key)
        clock = self.session.clock
        x0, x1 = self.x_of(clock.start(key)), self.x_of(clock.end(key))
        return QRectF(x0, GAP + row * (LANE_H + GAP), max(1.0, x1 - x0), LANE_H)

    def row_at(self, y: float) -> str | None:
        row = int((y - GAP) // (LANE_H + GAP))
        return self.session.keys[row] if 0 <= row < len(self.session.keys) else None

    def marks_of(self, key: str):
        return self.marks.by_key.get(key) if self.marks is not None else None

    def bookmark_at(self, x: float, y: float):
        """(t, bookmark) of the pin nearest x on the lane under y, within SNAP_PX; else None."""
        key = self.row_at(y)
        m = self.marks_of(key) if key is not None else None
        if m is None:
            return None
        best = min(m.bookmarks, key=lambda tb: abs(self.x_of(tb[0]) - x), default=None)
        return best if best is not None and abs(self.x_of(best[0]) - x) <= SNAP_PX else None

    # ---- Qt ----------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        x, y = event.position().x(), event.position().y()
        key = self.row_at(y)
        hit = self.bookmark_at(x, y)
        if hit is not None:
            self.selected_id = hit[1].id
            self.session.set_focus(key)
            clock = self.session.clock
            self.session.seek(clock.time_of_frame(key, clock.get(key).table.index_at_or_before_pts(hit[1].pts)))
            return
        if x >= NAME_W:
            self.session.seek(self.time_at(x))
        if key is not None:
            self.session.set_focus(key)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        hit = self.bookmark_at(event.position().x(), event.position().y())
        if hit is None:
            QToolTip.hideText()
            return
        b = hit[1]
        where = " (on every camera shown)" if b.group_id else ""
        QToolTip.showText(event.globalPosition().toPoint(), f"{b.title}  [{b.category}]{where}", self)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.drawPixmap(0, 0, self._lanes_layer())
        x = self.x_of(self.session.time)
        p.setPen(QPen(QColor(255, 80, 60), 2))
        p.drawLine(int(x), 0, int(x), self.height())
        p.end()

    def _lanes_layer(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        marks = self.marks.by_key if self.marks is not None else None
        key = (marks, self.width(), self.height(), dpr, self.session.focus, self.selected_id,
               self.session.clock_version)
        if self._layer is None or self._layer[0][0] is not marks or self._layer[0][1:] != key[1:]:
            pixmap = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(QColor(24, 24, 24))
            p = QPainter(pixmap)
            s = self.session
            for k in s.keys:
                r = self.lane_rect(k)
                p.fillRect(r, LANE_FOCUSED if k == s.focus else LANE)
                self._paint_marks(p, k, r)
                p.setPen(QColor(230, 230, 230))
                p.drawText(QRectF(4, r.y(), NAME_W - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter,
                           p.fontMetrics().elidedText(s.camera_name(k), Qt.TextElideMode.ElideRight, NAME_W - 8))
            p.end()
            self._layer = (key, pixmap)
            self.layers_drawn += 1
        return self._layer[1]

    def _paint_marks(self, p: QPainter, key: str, r: QRectF) -> None:
        m = self.marks_of(key)
        if m is None:
            return
        for t0, t1, c in m.clips:  # clips: a bar through the lane's middle
            x0, x1 = self.x_of(t0), self.x_of(t1)
            p.fillRect(QRectF(x0, r.top() + 8, max(3.0, x1 - x0), r.height() - 8 - MASK_H - 2),
                       EVIDENTIAL if c.evidential else CLIP)
        for t0, t1 in m.masks:  # masks: where a track redacts, along the foot
            x0, x1 = self.x_of(t0), self.x_of(t1)
            p.fillRect(QRectF(x0, r.bottom() - MASK_H, max(2.0, x1 - x0), MASK_H), ACTIVE)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        for t, b in sorted(m.bookmarks, key=lambda tb: tb[1].id == self.selected_id):
            x = self.x_of(t)
            p.setBrush(MARKER_SELECTED if b.id == self.selected_id else MARKER)
            # a pin from the lane's top edge whose tip sits on the frame's x
            p.drawPolygon(QPolygonF([QPointF(x - 5, r.top()), QPointF(x + 5, r.top()),
                                     QPointF(x, r.top() + 12)]))
        p.restore()
