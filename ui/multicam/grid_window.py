"""The grid window: 2-4 tiles (1x2 or 2x2) or the focused tile alone, one transport (play/pause, step, seek
slider) driving the GridSession, and the incident time with its wall-clock reading."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget)

from reviewer.media.timecode import format_camera_time, format_media_time
from ui.multicam.lanes import IncidentLanes
from ui.multicam.tile import GridTile

SLIDER_STEPS_PER_SECOND = 1000


class GridWindow(QWidget):
    closed = Signal()
    exportRequested = Signal()  # "Export incident range…": the multicam feature runs it (ui/features/multicam.py)

    def __init__(self, session, parent=None, marks=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.setObjectName("multicamGrid")
        self.setWindowTitle(f"Incident {session.clock.reference} — {len(session.keys)} cameras")
        self.tiles = {k: GridTile(session, k) for k in session.keys}
        for tile in self.tiles.values():
            tile.clicked.connect(session.set_focus)
        self.single_focus = False
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(4)

        self.play_button = QPushButton("Play")
        self.back_button = QPushButton("◀ Frame")
        self.fwd_button = QPushButton("Frame ▶")
        self.layout_button = QPushButton("Focus only")
        self.preview_button = QPushButton("Redacted")  # the masks' effect on every tile, as the player shows it
        self.preview_button.setCheckable(True)
        self.preview_button.setToolTip("Show each camera redacted by its own masks (as exported), or the original")
        self.export_button = QPushButton("Export incident range…")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        lo, hi = session.clock.span()
        self.slider.setRange(int(lo * SLIDER_STEPS_PER_SECOND), int(hi * SLIDER_STEPS_PER_SECOND))
        self.lanes = IncidentLanes(session, marks)
        self.time_label = QLabel()
        self.status = QLabel()
        self.play_button.clicked.connect(session.toggle_play)
        self.back_button.clicked.connect(lambda: session.step(-1))
        self.fwd_button.clicked.connect(lambda: session.step(1))
        self.layout_button.clicked.connect(lambda: self.set_single_focus(not self.single_focus))
        self.export_button.clicked.connect(self.exportRequested)
        self.slider.sliderReleased.connect(lambda: session.seek(self.slider.value() / SLIDER_STEPS_PER_SECOND))
        for keys, fn in ((("Space",), session.toggle_play), (("Right", "."), lambda: session.step(1)),
                         (("Left", ","), lambda: session.step(-1))):
            for k in keys:
                QShortcut(QKeySequence(k), self, activated=fn)

        self.transport_bar = bar = QHBoxLayout()
        for w in (self.back_button, self.play_button, self.fwd_button, self.layout_button, self.preview_button):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self._grid_host, 1)
        lay.addWidget(self.lanes)
        lay.addLayout(bar)
        lay.addWidget(self.status)

        session.timeChanged.connect(self._time_changed)
        session.playingChanged.connect(lambda on: self.play_button.setText("Pause" if on else "Play"))
        session.focusChanged.connect(lambda _k: self._arrange())
        session.clockChanged.connect(self._clock_changed)
        session.failed.connect(self.status.setText)
        self._arrange()
        self._time_changed(session.time)
        self.resize(960, 640)

    def set_single_focus(self, on: bool) -> None:
        self.single_focus = on
        self.layout_button.setText("Grid" if on else "Focus only")
        self._arrange()

    def visible_keys(self) -> list[str]:
        return [self.session.focus] if self.single_focus else list(self.session.keys)

    def _arrange(self) -> None:
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
            tile.hide()
        keys = self.visible_keys()
        cols = 1 if len(keys) == 1 else 2  # 1x2 for two cameras, 2x2 for three or four
        for i, key in enumerate(keys):
            self._grid.addWidget(self.tiles[key], i // cols, i % cols)
            self.tiles[key].show()

    def _clock_changed(self) -> None:
        lo, hi = self.session.clock.span()
        self.slider.setRange(int(lo * SLIDER_STEPS_PER_SECOND), int(hi * SLIDER_STEPS_PER_SECOND))

    def _time_changed(self, t: float) -> None:
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(round(t * SLIDER_STEPS_PER_SECOND)))
            self.slider.blockSignals(False)
        wall = self.session.clock.wall_time(t)
        self.time_label.setText(f"incident {format_media_time(max(t, 0.0))}  ·  {format_camera_time(wall)}")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.session.close()
        super().closeEvent(event)
        self.closed.emit()
