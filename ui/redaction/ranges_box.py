"""Full-frame blackout ranges and audio redaction ranges (mute or 1 kHz bleep): mark a range with two presses
(first frame, then last frame), list them, jump to one, delete one. Every change goes through the undoable
editor. Audio ranges can also be dragged out on the waveform lane.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QListWidget, QListWidgetItem, QPushButton,
                               QWidget)

from reviewer.media.timecode import format_media_time

KINDS = {"blackout": "Blackout", "audio": "Audio"}


class RangesBox(QGroupBox):
    message = Signal(str)

    def __init__(self, session, controller, reason_of, parent: QWidget | None = None):
        """`reason_of()` -> the reason picked in the properties box (used for new ranges)."""
        super().__init__("Blackout and audio ranges", parent)
        self.session, self.controller, self.reason_of = session, controller, reason_of
        self.pending: dict[str, int] = {}  # kind -> first frame marked, awaiting the last
        grid = QGridLayout(self)
        self.blackout_button = QPushButton()
        self.audio_button = QPushButton()
        self.audio_mode = QComboBox()
        self.audio_mode.addItem("Mute", "mute")
        self.audio_mode.addItem("Bleep (1 kHz)", "bleep")
        self.list = QListWidget()
        self.list.setObjectName("redactionRanges")
        self.list.setMaximumHeight(96)
        self.delete_button = QPushButton("Delete range")
        grid.addWidget(self.blackout_button, 0, 0, 1, 2)
        grid.addWidget(self.audio_button, 1, 0)
        grid.addWidget(self.audio_mode, 1, 1)
        grid.addWidget(self.list, 2, 0, 1, 2)
        grid.addWidget(self.delete_button, 3, 1)
        self.blackout_button.clicked.connect(lambda: self.mark("blackout"))
        self.audio_button.clicked.connect(lambda: self.mark("audio"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemActivated.connect(self._go)
        session.changed.connect(self.refresh)
        session.recordingChanged.connect(self._reset)
        self._reset()

    def _reset(self) -> None:
        self.pending.clear()
        self._labels()
        self.refresh()

    def _labels(self) -> None:
        for kind, button in (("blackout", self.blackout_button), ("audio", self.audio_button)):
            start = self.pending.get(kind)
            button.setText(f"{KINDS[kind]}: start range here" if start is None
                           else f"{KINDS[kind]}: end range here (from frame {start})")
            button.setEnabled(self.session.editor is not None)

    def mark(self, kind: str) -> None:
        """First press remembers the frame on screen; the second adds the range between the two (either order)."""
        editor, table = self.session.editor, self.session.table
        if editor is None or table is None:
            self.message.emit("Open a recording first.")
            return
        here = self.controller.current_index
        start = self.pending.pop(kind, None)
        if start is None:
            self.pending[kind] = here
            self.message.emit(f"{KINDS[kind]} range starts at frame {here}; go to its last frame and press again.")
        else:
            a, b = sorted((start, here))
            mode = "black" if kind == "blackout" else self.audio_mode.currentData()
            try:
                editor.add_range(kind, int(table.pts[a]), int(table.pts[b]), mode, self.reason_of())
                self.message.emit(f"{KINDS[kind]} range added: frames {a}–{b}.")
            except Exception as exc:  # noqa: BLE001 - reported; nothing was stored
                self.message.emit(f"Range not added: {exc}")
        self._labels()

    def new_audio_options(self) -> tuple[str, str]:
        return self.audio_mode.currentData(), self.reason_of()

    def refresh(self) -> None:
        self._labels()
        self.list.clear()
        table = self.session.table
        if table is None:
            return
        ms = self.session.display_set
        for kind, ranges in (("blackout", ms.blackouts), ("audio", ms.audio)):
            for r in ranges:
                a = table.index_at_or_before_pts(r.start_pts)
                b = table.index_at_or_before_pts(r.end_pts)
                what = "blackout" if kind == "blackout" else f"audio {r.mode}"
                text = (f"{what}: {format_media_time(table.media_time(a))} – "
                        f"{format_media_time(table.media_time(b))} (frames {a}–{b}), {r.reason}")
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (kind, r.id, a))
                self.list.addItem(item)

    def _go(self, item: QListWidgetItem) -> None:
        _kind, _rid, first = item.data(Qt.ItemDataRole.UserRole)
        self.controller.seek(first, exact=True)

    def delete_selected(self) -> None:
        editor = self.session.editor
        items = self.list.selectedItems()
        if editor is None or not items:
            self.message.emit("Select a range in the list first.")
            return
        kind, rid, _first = items[0].data(Qt.ItemDataRole.UserRole)
        editor.delete_range(kind, rid)
