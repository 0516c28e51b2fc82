"""J/K/L shuttle as editors know it (Premiere, Avid, mpv): J plays backwards, L forwards, each further press in
the same direction goes faster (1x, 2x, 4x), a press the other way starts again at 1x; K stops and resets the
speed to 1x. J or L pressed while K is held steps one exact frame back or forward.

K is held from its press (the K shortcut) until its release. Shortcuts only see presses, so an application event
filter watches for the release; losing the window also ends the hold, as its release would go elsewhere.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication

SHUTTLE_SPEEDS = (1.0, 2.0, 4.0)


class Shuttle(QObject):
    def __init__(self, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.k_held = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def j(self) -> None:
        self._press(-1)

    def l(self) -> None:  # noqa: E743 - the key's name
        self._press(1)

    def k(self) -> None:
        self.k_held = True
        c = self.controller
        c.pause()
        c.set_speed(1.0)

    def _press(self, direction: int) -> None:
        c = self.controller
        if self.k_held:
            c.step(direction)
            return
        if c.playing and c.direction == direction:
            c.set_speed(next((s for s in SHUTTLE_SPEEDS if s > c.speed + 1e-9), SHUTTLE_SPEEDS[-1]))
            return
        c.set_speed(1.0)
        c.play(direction)

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t == QEvent.Type.KeyRelease and event.key() == Qt.Key.Key_K and not event.isAutoRepeat():
            self.k_held = False
        elif t == QEvent.Type.ApplicationDeactivate:
            self.k_held = False
        return False

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
