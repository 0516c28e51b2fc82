"""Go to a frame number, a media time or a camera wall-clock time.

The text is turned into a frame index here, once (parse_target), so the player has one way to get there: an exact
seek to an index. Input is checked as it is typed and the reason it is not accepted is shown under the field.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from reviewer.media.frametable import FrameTable
from reviewer.media.timecode import (camera_time, format_camera_time, format_media_time, parse_camera_time,
                                     parse_media_time)


class Mode(str, Enum):
    FRAME = "frame"
    MEDIA = "media"
    CAMERA = "camera"


LABELS = {Mode.FRAME: "Frame number", Mode.MEDIA: "Media time", Mode.CAMERA: "Camera time (UTC)"}


def parse_target(mode: Mode, text: str, table: FrameTable, camera_start: dt.datetime | None) -> int:
    """The frame index `text` names in `mode`; ValueError with a message fit to show the user otherwise."""
    text = text.strip()
    last = table.frame_count - 1
    if not text:
        raise ValueError("Enter a value.")
    if mode is Mode.FRAME:
        try:
            n = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"“{text}” is not a whole frame number.") from None
        if not 0 <= n <= last:
            raise ValueError(f"Frame {n} does not exist: this recording has frames 0 to {last}.")
        return n
    if mode is Mode.MEDIA:
        try:
            seconds = parse_media_time(text)
        except ValueError:
            raise ValueError(f"“{text}” is not a media time. Use HH:MM:SS.mmm, MM:SS or seconds.") from None
        return _index_for_seconds(seconds, table, f"Media time {format_media_time(seconds)}")
    if camera_start is None:
        raise ValueError("This recording has no camera start time, so camera times cannot be used.")
    try:
        when = parse_camera_time(text, default_date=camera_start.astimezone(dt.timezone.utc).date())
    except ValueError:
        raise ValueError(f"“{text}” is not a camera time. Use YYYY-MM-DD HH:MM:SS.mmm (UTC) "
                         "or HH:MM:SS.mmm on the recording's day.") from None
    seconds = (when - camera_start).total_seconds()
    return _index_for_seconds(seconds, table, f"Camera time {format_camera_time(when)}")


# Times are shown truncated to the millisecond, so a typed time stands for that whole millisecond: the frame whose
# readout shows it (or, if none starts in it, the frame on screen then). Otherwise copying a readout back in
# would land one frame early whenever a frame starts a fraction of a millisecond after the printed time.
_WHOLE_MS = 0.001 - 1e-7


def _index_for_seconds(seconds: float, table: FrameTable, what: str) -> int:
    # the last frame is on screen until the end of its duration, so the end itself is not a frame
    if seconds + _WHOLE_MS < 0 or seconds >= table.duration:
        raise ValueError(f"{what} is outside the recording (00:00:00.000 to {format_media_time(table.duration)}).")
    return table.index_at_media_time(seconds + _WHOLE_MS)


class GotoDialog(QDialog):
    def __init__(self, table: FrameTable, camera_start: dt.datetime | None, current_index: int = 0,
                 parent: QWidget | None = None, mode: Mode = Mode.FRAME):
        super().__init__(parent)
        self.setWindowTitle("Go to")
        self.setMinimumWidth(440)
        self.table, self.camera_start, self.current_index = table, camera_start, current_index
        self.target_index: int | None = None

        self.mode_box = QComboBox()
        for m in Mode:
            self.mode_box.addItem(LABELS[m], m)
        if camera_start is None:
            item = self.mode_box.model().item(list(Mode).index(Mode.CAMERA))
            item.setEnabled(False)
            item.setToolTip("This recording has no camera start time.")
        self.field = QLineEdit()
        self.hint = QLabel()
        self.hint.setObjectName("hintText")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Go to", self.mode_box)
        form.addRow("Value", self.field)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        self.field.textChanged.connect(self._validate)
        self.set_mode(mode)

    def mode(self) -> Mode:
        return Mode(self.mode_box.currentData())

    def set_mode(self, mode: Mode) -> None:
        self.mode_box.setCurrentIndex(list(Mode).index(mode))
        self._mode_changed()

    def _mode_changed(self) -> None:
        """Pre-fill the current position in the chosen clock, so a small edit is all it takes."""
        t = self.table.media_time(self.current_index) if self.table.frame_count else 0.0
        mode = self.mode()
        if mode is Mode.FRAME:
            self.field.setText(str(self.current_index))
            self.hint.setText(f"0 to {self.table.frame_count - 1} (first frame is 0)")
        elif mode is Mode.MEDIA:
            self.field.setText(format_media_time(t))
            self.hint.setText(f"HH:MM:SS.mmm from the start, up to {format_media_time(self.table.duration)}")
        else:
            self.field.setText(format_camera_time(camera_time(self.camera_start, t)).removesuffix(" UTC"))
            end = camera_time(self.camera_start, self.table.duration)
            self.hint.setText(f"UTC, {format_camera_time(self.camera_start)} to {format_camera_time(end)}")
        self.field.selectAll()
        self.field.setFocus()
        self._validate()

    def _validate(self) -> bool:
        try:
            self.target_index = parse_target(self.mode(), self.field.text(), self.table, self.camera_start)
        except ValueError as exc:
            self.target_index = None
            self.error.setText(str(exc))
        else:
            self.error.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.target_index is not None)
        return self.target_index is not None

    def accept(self) -> None:
        if self._validate():
            super().accept()
