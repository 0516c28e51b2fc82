"""The incident timeline: one lane per recording, drawn from its start to its end on the incident clock (so a
camera whose clock is wrong by 12 s sits 12 s along), the playhead at the incident time; a click seeks there.
Bookmarks, clips and masks on the lanes are not drawn yet (issue 13 s.3, a later slice)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

LANE_H = 18
GAP = 3
NAME_W = 110


class IncidentLanes(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("incidentLanes")
        self.setMinimumHeight(len(session.keys) * (LANE_H + GAP) + GAP)
        session.timeChanged.connect(lambda _t: self.update())
        session.focusChanged.connect(lambda _k: self.update())

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

    # ---- Qt ----------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        x = event.position().x()
        if x >= NAME_W:
            self.session.seek(self.time_at(x))
        row = int((event.position().y() - GAP) // (LANE_H + GAP))
        if 0 <= row < len(self.session.keys):
            self.session.set_focus(self.session.keys[row])

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 24))
        s = self.session
        for key in s.keys:
            r = self.lane_rect(key)
            focused = key == s.focus
            p.fillRect(r, QColor(70, 150, 255) if focused else QColor(90, 90, 100))
            p.setPen(QColor(230, 230, 230))
            p.drawText(QRectF(4, r.y(), NAME_W - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter, s.camera_name(key))
        x = self.x_of(s.time)
        p.setPen(QPen(QColor(255, 80, 60), 2))
        p.drawLine(int(x), 0, int(x), self.height())
        p.end()
