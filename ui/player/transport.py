"""Transport bar: play/pause, steps, jumps, speed, and the constant readout of the frame on screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from reviewer.media.timecode import camera_time, format_camera_time, format_media_time
from ui.player.controller import SPEED_LADDER


def readout_text(source, index: int) -> str:
    """'frame N of LAST · media HH:MM:SS.mmm · camera YYYY-MM-DD HH:MM:SS.mmm UTC' for frame `index`, LAST being
    the index of the last frame (frames count from 0, so both ends of the recording read as they are reached)."""
    if source is None:
        return "no recording open"
    table = source.table
    media = table.media_time(index)
    cam = camera_time(getattr(source, "camera_start", None), media)
    cam_text = format_camera_time(cam) if cam is not None else "unknown"
    return f"frame {index} of {table.frame_count - 1} · media {format_media_time(media)} · camera {cam_text}"


def speed_label(x: float) -> str:
    return f"{x:g}x"


class TransportBar(QWidget):
    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("transportBar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(2)
        style = self.style()
        c = controller

        def button(text: str, tip: str, slot, icon=None) -> QToolButton:
            b = QToolButton(self)
            if icon is not None:
                b.setIcon(style.standardIcon(icon))
            else:
                b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
            b.clicked.connect(slot)
            lay.addWidget(b)
            return b

        SP = QStyle.StandardPixmap
        self.start_button = button("|◀", "Go to first frame (Home)", c.go_start, SP.SP_MediaSkipBackward)
        self.back10_button = button("−10s", "Back 10 seconds", lambda: c.jump_seconds(-10))
        self.back1_button = button("−1s", "Back 1 second (Shift+Left)", lambda: c.jump_seconds(-1))
        self.step_back_button = button("◀|", "Previous frame (Left or ,)", lambda: c.step(-1))
        self.play_button = button("", "Play / pause (Space)", c.toggle_play, SP.SP_MediaPlay)
        self.step_button = button("|▶", "Next frame (Right or .)", lambda: c.step(1))
        self.fwd1_button = button("+1s", "Forward 1 second (Shift+Right)", lambda: c.jump_seconds(1))
        self.fwd10_button = button("+10s", "Forward 10 seconds", lambda: c.jump_seconds(10))
        self.end_button = button("▶|", "Go to last frame (End)", c.go_end, SP.SP_MediaSkipForward)

        self.speed_box = QComboBox(self)
        self.speed_box.setToolTip("Playback speed ([ slower, ] faster); audio is pitch-corrected")
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for s in SPEED_LADDER:
            self.speed_box.addItem(speed_label(s), s)
        self.speed_box.activated.connect(lambda i: c.set_speed(self.speed_box.itemData(i)))
        self.direction_label = QLabel("◀◀ reverse", self)
        self.direction_label.setObjectName("reverseIndicator")
        self.direction_label.setToolTip("Playing backwards (J); K stops, L plays forwards")
        self.direction_label.hide()
        lay.addSpacing(8)
        lay.addWidget(self.direction_label)
        lay.addWidget(self.speed_box)
        lay.addSpacing(12)

        self.readout = QLabel(self)
        self.readout.setObjectName("frameReadout")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.readout.setFont(mono)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setToolTip("Frame numbers count from 0 in presentation order; media time from the first "
                                "frame; camera time is the camera's UTC start plus media time")
        lay.addWidget(self.readout, 1)

        c.frameShown.connect(self._update_readout)
        c.sourceOpened.connect(lambda _s: self._update_readout(c.current_index))
        c.sourceClosed.connect(lambda: self._update_readout(0))
        c.playingChanged.connect(self._update_play)
        c.speedChanged.connect(self._update_speed)
        c.directionChanged.connect(lambda d: self.direction_label.setVisible(d < 0))
        c.busyChanged.connect(lambda _b: self._update_readout(c.current_index))
        self._update_play(c.playing)
        self._update_speed(c.speed)
        self._update_readout(c.current_index)

    def _update_readout(self, index: int) -> None:
        c = self.controller
        text = readout_text(c.source, index)
        if c.source is not None and c.busy:
            text += " · seeking…"
        self.readout.setText(text)
        self.setEnabled(c.source is not None)

    def _update_play(self, playing: bool) -> None:
        SP = QStyle.StandardPixmap
        self.play_button.setIcon(self.style().standardIcon(SP.SP_MediaPause if playing else SP.SP_MediaPlay))

    def _update_speed(self, x: float) -> None:
        i = self.speed_box.findData(x)
        if i < 0:
            self.speed_box.addItem(speed_label(x), x)
            i = self.speed_box.count() - 1
        self.speed_box.setCurrentIndex(i)
