"""Timeline lanes for redaction: one per mask track (where it is active, its keyframes) and one for full-frame
blackout ranges when there are any. Clicking a lane selects its track and seeks; near a keyframe tick, the click
snaps to that keyframe.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPolygonF

from reviewer.redact.model import MaskTrack
from ui.timeline.lanes import Lane

ACTIVE = QColor(60, 130, 200)
ACTIVE_SELECTED = QColor(0, 190, 255)
KEY = QColor(235, 235, 245)
KEY_HIDDEN = QColor(255, 110, 110)
BLACKOUT = QColor(200, 50, 50)
SNAP_PX = 5


def active_spans(track: MaskTrack, table_pts: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive frame-index spans where interpolate(track, pts) returns geometry, from the keyframes alone:
    a visible keyframe holds until the next keyframe (up to it when that one is visible, just before it when it
    is hidden) or, when it is the last, to the end of the recording; a hidden keyframe shows nothing until the
    next visible one."""
    spans: list[tuple[int, int]] = []
    kfs = track.keyframes
    for i, k in enumerate(kfs):
        if k.hidden:
            continue
        a = int(np.searchsorted(table_pts, k.pts))
        if i + 1 < len(kfs):
            nxt = kfs[i + 1]
            b = int(np.searchsorted(table_pts, nxt.pts, side="right")) - 1
            if nxt.hidden:
                b = int(np.searchsorted(table_pts, nxt.pts)) - 1
        else:
            b = len(table_pts) - 1
        if b < a:
            continue
        if spans and a <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return spans


def title_backdrop(p: QPainter, lane: Lane) -> None:
    """A dark strip under the lane's title (the base paints the title after the content), so it stays legible
    over busy content."""
    if lane.title:
        w = p.fontMetrics().horizontalAdvance(lane.title) + 8
        p.fillRect(QRectF(0, 1, w, lane.height() - 2), QColor(34, 34, 39, 190))


class MaskLane(Lane):
    lane_height = 18

    def __init__(self, timeline, session, track_id: str):
        super().__init__(timeline)
        self.session, self.track_id = session, track_id
        self.setObjectName(f"maskLane-{track_id}")
        self._cache: tuple[MaskTrack, list[tuple[int, int]], list[tuple[int, bool]]] | None = None

    def _shape(self, track: MaskTrack):
        """Spans and keyframe ticks, recomputed only when the track changes (tracks are immutable values)."""
        if self._cache is None or self._cache[0] is not track:
            pts = self.session.table.pts
            ticks = [(int(np.searchsorted(pts, k.pts)), k.hidden) for k in track.keyframes]
            self._cache = (track, active_spans(track, pts), ticks)
        return self._cache[1], self._cache[2]

    def paint_lane(self, p: QPainter) -> None:
        track = self.session.track(self.track_id)
        if track is None or self.session.table is None:
            return
        self.title = track.label or track.reason or "reason needed"
        spans, ticks = self._shape(track)
        selected = self.track_id in self.session.selected
        colour = ACTIVE_SELECTED if selected else ACTIVE
        h = self.height()
        for a, b in spans:
            x0, x1 = self.x_of_index(a), self.x_of_index(b)
            p.fillRect(QRectF(x0, 4, max(2.0, x1 - x0), h - 8), colour)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        for index, hidden in ticks:
            x, y, r = self.x_of_index(index), h / 2, min(4.0, h / 2 - 3)
            p.setBrush(KEY_HIDDEN if hidden else KEY)
            p.drawPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]))
        p.setBrush(Qt.BrushStyle.NoBrush)
        if selected:
            p.setPen(ACTIVE_SELECTED)
            p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        title_backdrop(p, self)

    def lane_press(self, event: QMouseEvent) -> bool:
        track = self.session.track(self.track_id)
        if track is None:
            return False
        selected = self.session.selected
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.session.select([i for i in selected if i != track.id] if track.id in selected
                                else selected + [track.id])
            return True
        self.session.select([track.id])
        x = event.position().x()
        _spans, ticks = self._shape(track)
        near = min(ticks, key=lambda t: abs(self.x_of_index(t[0]) - x), default=None)
        if near is not None and abs(self.x_of_index(near[0]) - x) <= SNAP_PX:
            self.controller.seek(near[0], exact=True)
        else:
            self.controller.seek(self.index_at_x(x), exact=True)
        return True


class BlackoutLane(Lane):
    title = "Blackout"
    lane_height = 14

    def __init__(self, timeline, session):
        super().__init__(timeline)
        self.session = session
        self.setObjectName("blackoutLane")

    def paint_lane(self, p: QPainter) -> None:
        table = self.session.table
        for r in self.session.display_set.blackouts:
            a = int(np.searchsorted(table.pts, r.start_pts))
            b = int(np.searchsorted(table.pts, r.end_pts, side="right")) - 1
            x0, x1 = self.x_of_index(a), self.x_of_index(max(a, b))
            p.fillRect(QRectF(x0, 2, max(2.0, x1 - x0), self.height() - 4), BLACKOUT)


class MaskLanes(QObject):
    """Keeps one MaskLane per track (in track order) and the blackout lane on the timeline."""

    def __init__(self, timeline, session, parent: QObject | None = None):
        super().__init__(parent)
        self.timeline, self.session = timeline, session
        self.lanes: dict[str, MaskLane] = {}
        self.blackout: BlackoutLane | None = None
        session.changed.connect(self.sync)
        session.selectionChanged.connect(self._repaint)

    def sync(self) -> None:
        ms = self.session.display_set
        ids = [t.id for t in ms.tracks]
        for tid in [t for t in self.lanes if t not in ids]:
            self.timeline.remove_lane(self.lanes.pop(tid))
        if ms.blackouts and self.blackout is None:
            self.blackout = self.timeline.add_lane(BlackoutLane(self.timeline, self.session))
        elif not ms.blackouts and self.blackout is not None:
            self.timeline.remove_lane(self.blackout)
            self.blackout = None
        for tid in ids:
            if tid not in self.lanes:
                self.lanes[tid] = self.timeline.add_lane(MaskLane(self.timeline, self.session, tid))
        self._repaint()

    def _repaint(self) -> None:
        for lane in self.lanes.values():
            lane.update()
        if self.blackout is not None:
            self.blackout.update()
