"""The transport over the picture in full screen: a scrubber and a transport bar along the canvas's bottom edge.

It shows while paused, and while playing for a moment after the mouse moves over the bottom of the picture (or
over the overlay itself), so the picture is unobstructed while the user watches. The widgets are second views
of the same controller, so they read and act exactly as the docked ones.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.player.transport import TransportBar
from ui.timeline.scrubber import TimelineScrubber

HIDE_AFTER_MS = 2500
BOTTOM_ZONE = 0.25  # of the canvas height: mouse movement here brings the overlay up


class OverlayTransport(QWidget):
    def __init__(self, canvas: QWidget, controller):
        super().__init__(canvas)
        self.canvas = canvas
        self.controller = controller
        self.active = False
        self.setObjectName("overlayTransport")
        self.setAutoFillBackground(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(2)
        self.scrubber = TimelineScrubber(controller, self)
        self.transport = TransportBar(controller, self)
        lay.addWidget(self.scrubber)
        lay.addWidget(self.transport)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(HIDE_AFTER_MS)
        self._hide_timer.timeout.connect(self._expire)
        self._mouse_recent = False
        controller.playingChanged.connect(lambda _p: self._update())
        canvas.installEventFilter(self)
        self.installEventFilter(self)
        self.hide()

    def set_active(self, active: bool) -> None:
        self.active = active
        self.canvas.setMouseTracking(active)
        self._mouse_recent = False
        self._place()
        self._update()

    def _place(self) -> None:
        h = self.sizeHint().height()
        self.setGeometry(0, self.canvas.height() - h, self.canvas.width(), h)
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if obj is self.canvas and t == QEvent.Type.Resize and self.active:
            self._place()
        elif self.active and t in (QEvent.Type.MouseMove, QEvent.Type.Enter):
            over_bottom = obj is self or (
                t == QEvent.Type.MouseMove and event.position().y() >= self.canvas.height() * (1 - BOTTOM_ZONE))
            if over_bottom:
                self._mouse_recent = True
                self._hide_timer.start()
                self._update()
        return False

    def _expire(self) -> None:
        self._mouse_recent = False
        self._update()

    def _update(self) -> None:
        visible = self.active and (not self.controller.playing or self._mouse_recent)
        if visible != self.isVisible():
            self.setVisible(visible)
            if visible:
                self._place()
