"""The UI thread's heartbeat for the sync loop's pacer (reviewer/sync/pacing.py): a timer on the UI thread stamps
it, every 10 ms while a sync applies operations and every 250 ms otherwise, so an idle window does not wake a
hundred times a second."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer

from reviewer.sync.pacing import Heartbeat


class HeartbeatTimer(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.heartbeat = Heartbeat()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(Heartbeat.SLOW_S * 1000))
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        interval = round(self.heartbeat.beat() * 1000)
        if interval != self._timer.interval():
            self._timer.setInterval(interval)
