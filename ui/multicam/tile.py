"""One camera in the grid: its exact picture, labelled with its own frame number and camera time, or a plain
"no footage at this time" when its recording does not cover the incident instant (never a stale frame)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewer.media.timecode import camera_time, format_camera_time

NO_FOOTAGE = "no footage at this time"
LABEL_BAR = 22  # pixels under the picture for the label


class GridTile(QWidget):
    clicked = Signal(str)

    def __init__(self, session, key: str, parent=None):
        super().__init__(parent)
        self.session = session
        self.key = key
        self.setObjectName(f"gridTile-{key[:12]}")
        self.setMinimumSize(160, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        session.tileChanged.connect(self._changed)
        session.focusChanged.connect(lambda _k: self.update())

    # ---- what the tile says (the label a user reads; tests read it too) --------------------------------------
    def label(self) -> str:
        name = self.session.camera_name(self.key)
        d = self.session.tiles[self.key].shown
        if d is None:
            return f"{name} — {NO_FOOTAGE}"
        placement = self.session.clock.get(self.key)
        when = format_camera_time(camera_time(placement.camera_start, d.media_time))
        return f"{name} — frame {d.index} — {when}"

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        # play frames are decoded at the size they are painted (paused ones stay full resolution)
        dpr = self.devicePixelRatioF()
        self.session.set_view_size(self.key, self.width() * dpr, max(1, self.height() - LABEL_BAR) * dpr)
        super().resizeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.session.set_tile_visible(self.key, True)
        super().showEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.session.set_tile_visible(self.key, False)  # not decoded while playing, as nobody sees it
        super().hideEvent(event)

    def _changed(self, key: str) -> None:
        if key == self.key:
            self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.clicked.emit(self.key)
        super().mousePressEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(16, 16, 16))
        d = self.session.tiles[self.key].shown
        bar = LABEL_BAR
        area = self.rect().adjusted(0, 0, 0, -bar)
        if d is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, NO_FOOTAGE)
        else:
            img = d.image
            dpr = self.devicePixelRatioF()
            scale = min(area.width() / img.width(), area.height() / img.height())
            w, h = img.width() * scale, img.height() * scale
            if abs(img.width() / dpr - w) <= 2 and abs(img.height() / dpr - h) <= 2:
                # a play frame decoded at the tile's size: drawn pixel for pixel, where a smooth scaled draw of
                # the same picture cost the UI thread 20 times more (the grid's largest per-frame cost there)
                if dpr != 1:
                    img = QImage(img)
                    img.setDevicePixelRatio(dpr)
                p.drawImage(QPointF(area.x() + round((area.width() - img.width() / dpr) / 2),
                                    area.y() + round((area.height() - img.height() / dpr) / 2)), img)
            else:
                target = QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                p.drawImage(target, img)
        p.setPen(QColor(230, 230, 230))
        p.drawText(self.rect().adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft,
                   self.label())
        if self.session.focus == self.key and len(self.session.keys) > 1:
            p.setPen(QPen(QColor(70, 150, 255), 3))
            p.drawRect(self.rect().adjusted(1, 1, -2, -2))
        p.end()
