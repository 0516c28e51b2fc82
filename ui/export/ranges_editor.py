"""The ranges part of the export dialog: the whole recording, the selected clip, all evidential clips, or in/out
ranges typed as frame numbers or media times.

Each cell is parsed with the Go-to dialog's parse_target, so "00:00:04.000" lands on the same frame here as it
does when the reviewer jumps to it. Switching the unit rewrites the cells in the other clock; nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from reviewer.media.frametable import FrameTable
from reviewer.media.timecode import format_media_time
from ui.dialogs.goto_dialog import Mode, parse_target

UNITS = {Mode.FRAME: "Frame numbers", Mode.MEDIA: "Media times (HH:MM:SS.mmm)"}


@dataclass(frozen=True)
class ClipRange:
    """A clip of the open recording as the export offers it: inclusive frame indices."""

    name: str
    first: int
    last: int
    evidential: bool = False  # marked evidential, or made for an evidential purpose


@dataclass(frozen=True)
class Selection:
    """What the reviewer has picked out on the open recording, for the export's first suggestion."""

    clips: tuple[ClipRange, ...] = ()
    selected_clip: str | None = None  # name of the clip selected in the Clips panel or lane
    marks: tuple[int, int] | None = None  # the in/out points set with I and O

    def selected(self) -> ClipRange | None:
        return next((c for c in self.clips if c.name == self.selected_clip), None)

    def evidential(self) -> tuple[ClipRange, ...]:
        return tuple(sorted((c for c in self.clips if c.evidential), key=lambda c: (c.first, c.last)))


class RangesEditor(QWidget):
    changed = Signal()

    def __init__(self, table: FrameTable, camera_start: dt.datetime | None, current_index: int,
                 selection: Selection = Selection(), parent: QWidget | None = None):
        super().__init__(parent)
        self.table, self.camera_start, self.current_index = table, camera_start, current_index
        self.selection = selection
        last = table.frame_count - 1
        self.whole = QRadioButton("The whole recording")
        whole_hint = _hint(f"frames 0–{last}, {format_media_time(table.duration)}")
        picked, evidential = selection.selected(), selection.evidential()
        self.clip = QRadioButton("The selected clip")
        self.clip_hint = _hint(f"“{picked.name}”: {self._describe(((picked.first, picked.last),))}" if picked
                               else "no clip is selected (select one in the Clips panel or on the timeline)")
        self.clip.setEnabled(picked is not None)
        self.evidential = QRadioButton("All evidential clips")
        ev_spans = tuple((c.first, c.last) for c in evidential)
        names = ", ".join(f"“{c.name}”" for c in evidential)
        self.evidential_hint = _hint(f"{len(evidential)} clip{'s' if len(evidential) != 1 else ''} ({names}): "
                                     f"{self._describe(ev_spans)}" if evidential
                                     else "this recording has no evidential clips")
        self.evidential.setToolTip("Clips marked evidential, and clips made for an evidential purpose")
        self.evidential.setEnabled(bool(evidential))
        self.some = QRadioButton("In/out ranges")
        self._scope = QButtonGroup(self)
        for b in (self.whole, self.clip, self.evidential, self.some):
            self._scope.addButton(b)
        # The first suggestion is what the reviewer picked out: a selected clip, else the in/out points they set,
        # else the whole recording
        (self.clip if picked is not None else self.some if selection.marks is not None else self.whole) \
            .setChecked(True)

        self.unit = QComboBox()
        for mode, text in UNITS.items():
            self.unit.addItem(text, mode)
        self._mode = Mode.FRAME
        self.grid = QTableWidget(0, 2)
        self.grid.setHorizontalHeaderLabels(["In", "Out"])
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setVisible(True)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setMinimumHeight(120)
        self.add_button = QPushButton("Add range")
        self.remove_button = QPushButton("Remove")
        self.set_in_button = QPushButton("In = current frame")
        self.set_out_button = QPushButton("Out = current frame")
        self.joined = QRadioButton("Join the ranges into one file")
        self.separate = QRadioButton("One file per range")
        self._join = QButtonGroup(self)
        for b in (self.joined, self.separate):
            self._join.addButton(b)
        self.joined.setChecked(True)

        unit_row = QHBoxLayout()
        unit_row.addWidget(QLabel("Type ranges as"))
        unit_row.addWidget(self.unit, 1)
        buttons = QVBoxLayout()  # two rows: four buttons in one cut their own text off in a half-width column
        for pair in ((self.add_button, self.remove_button), (self.set_in_button, self.set_out_button)):
            row = QHBoxLayout()
            for b in pair:
                row.addWidget(b)
            row.addStretch(1)
            buttons.addLayout(row)
        self.join_box = QWidget()  # only where there can be more than one range
        join_row = QHBoxLayout(self.join_box)
        join_row.setContentsMargins(18, 0, 0, 0)
        join_row.addWidget(self.joined)
        join_row.addWidget(self.separate)
        join_row.addStretch(1)
        # Hidden, not just disabled, unless ranges are chosen: a greyed table with a highlighted row reads as
        # "these ranges will be exported".
        self.range_box = QWidget()
        box = QVBoxLayout(self.range_box)
        box.setContentsMargins(18, 0, 0, 0)
        box.addLayout(unit_row)
        box.addWidget(self.grid)
        box.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button, hint in ((self.whole, whole_hint), (self.clip, self.clip_hint),
                             (self.evidential, self.evidential_hint)):
            layout.addWidget(button)
            hint.setContentsMargins(22, 0, 0, 0)
            layout.addWidget(hint)
        layout.addWidget(self.some)
        layout.addWidget(self.range_box)
        layout.addWidget(self.join_box)

        # Ranges start from what the reviewer marked (in/out points, else the selected clip), never from a guess
        # such as "here to the end"; with nothing marked the table starts empty and says so.
        if selection.marks is not None:
            self.add_range(*selection.marks)
        elif picked is not None:
            self.add_range(picked.first, picked.last)
        self._scope.buttonToggled.connect(lambda *_: self._scope_changed())
        self._join.buttonToggled.connect(lambda *_: self.changed.emit())
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self.grid.itemChanged.connect(lambda *_: self.changed.emit())
        self.add_button.clicked.connect(lambda: self.add_range(self.current_index, last))
        self.remove_button.clicked.connect(self.remove_selected)
        self.set_in_button.clicked.connect(lambda: self._set_current(0))
        self.set_out_button.clicked.connect(lambda: self._set_current(1))
        self._scope_changed()

    # ---- editing ----------------------------------------------------------------------------------------------
    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode) -> None:
        self.unit.setCurrentIndex(list(UNITS).index(mode))

    def use_ranges(self, on: bool = True) -> None:
        (self.some if on else self.whole).setChecked(True)

    def use_selected_clip(self) -> None:
        self.clip.setChecked(True)

    def use_evidential_clips(self) -> None:
        self.evidential.setChecked(True)

    def set_separate(self, on: bool) -> None:
        (self.separate if on else self.joined).setChecked(True)

    def add_range(self, a: int, b: int) -> None:
        row = self.grid.rowCount()
        self.grid.blockSignals(True)  # a half-filled row must not be validated
        self.grid.insertRow(row)
        self.grid.setItem(row, 0, QTableWidgetItem(self._format(a)))
        self.grid.setItem(row, 1, QTableWidgetItem(self._format(b)))
        self.grid.blockSignals(False)
        self.grid.selectRow(row)
        self.changed.emit()

    def set_cell(self, row: int, col: int, text: str) -> None:
        self.grid.item(row, col).setText(text)

    def clear_ranges(self) -> None:
        self.grid.setRowCount(0)
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.grid.currentRow()
        if row >= 0:
            self.grid.removeRow(row)
            self.changed.emit()

    def _set_current(self, col: int) -> None:
        row = max(0, self.grid.currentRow())
        if self.grid.rowCount() == 0:
            self.add_range(self.current_index, self.table.frame_count - 1)
        self.grid.item(row, col).setText(self._format(self.current_index))

    def _format(self, index: int) -> str:
        if self._mode is Mode.MEDIA:
            return format_media_time(self.table.media_time(index))
        return str(index)

    def _unit_changed(self) -> None:
        new = Mode(self.unit.currentData())
        parsed = [[self._parse(self.grid.item(r, c).text(), self._mode) for c in (0, 1)]
                  for r in range(self.grid.rowCount())]
        self._mode = new
        self.grid.blockSignals(True)
        for r, cells in enumerate(parsed):
            for c, index in enumerate(cells):
                if index is not None:  # a cell that does not parse keeps the user's text to fix
                    self.grid.item(r, c).setText(self._format(index))
        self.grid.blockSignals(False)
        self.changed.emit()

    def _parse(self, text: str, mode: Mode) -> int | None:
        try:
            return parse_target(mode, text, self.table, self.camera_start)
        except ValueError:
            return None

    def _scope_changed(self) -> None:
        self.range_box.setVisible(self.some.isChecked())
        self.join_box.setVisible(self._can_split())
        self.changed.emit()

    def _can_split(self) -> bool:
        return self.some.isChecked() or (self.evidential.isChecked() and len(self.selection.evidential()) > 1)

    def _describe(self, spans) -> str:
        frames = sum(b - a + 1 for a, b in spans)
        if len(spans) == 1:
            a, b = spans[0]
            return f"frames {a}–{b}, {format_media_time(self.table.media_time(a))}, {frames} frames"
        return f"{frames} frames in {len(spans)} ranges"

    # ---- result -----------------------------------------------------------------------------------------------
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """Inclusive frame ranges; () for the whole recording. ValueError naming the row and the problem."""
        if self.whole.isChecked():
            return ()
        if self.clip.isChecked():
            c = self.selection.selected()
            return ((c.first, c.last),)
        if self.evidential.isChecked():
            return tuple((c.first, c.last) for c in self.selection.evidential())
        if self.grid.rowCount() == 0:
            raise ValueError("Add at least one in/out range, or choose the whole recording.")
        out = []
        for r in range(self.grid.rowCount()):
            ends = []
            for c, name in ((0, "In"), (1, "Out")):
                try:
                    ends.append(parse_target(self._mode, self.grid.item(r, c).text(), self.table, self.camera_start))
                except ValueError as exc:
                    raise ValueError(f"Range {r + 1} {name}: {exc}") from None
            a, b = ends
            if b < a:
                raise ValueError(f"Range {r + 1}: Out (frame {b}) is before In (frame {a}).")
            out.append((a, b))
        return tuple(out)

    def is_separate(self) -> bool:
        return self._can_split() and self.separate.isChecked()


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)  # clip names are the reviewer's own and can be long
    return label
