"""The ranges part of the export dialog: whole recording, or in/out ranges typed as frame numbers or media times.

Each cell is parsed with the Go-to dialog's parse_target, so "00:00:04.000" lands on the same frame here as it
does when the reviewer jumps to it. Switching the unit rewrites the cells in the other clock; nothing is lost.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from reviewer.media.frametable import FrameTable
from reviewer.media.timecode import format_media_time
from ui.dialogs.goto_dialog import Mode, parse_target

UNITS = {Mode.FRAME: "Frame numbers", Mode.MEDIA: "Media times (HH:MM:SS.mmm)"}


class RangesEditor(QWidget):
    changed = Signal()

    def __init__(self, table: FrameTable, camera_start: dt.datetime | None, current_index: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.table, self.camera_start, self.current_index = table, camera_start, current_index
        last = table.frame_count - 1
        self.whole = QRadioButton(f"Whole recording (frames 0–{last}, {format_media_time(table.duration)})")
        self.some = QRadioButton("In/out ranges")
        self._scope = QButtonGroup(self)
        for b in (self.whole, self.some):
            self._scope.addButton(b)
        self.whole.setChecked(True)

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
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.set_in_button, self.set_out_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        join_row = QHBoxLayout()
        join_row.addWidget(self.joined)
        join_row.addWidget(self.separate)
        join_row.addStretch(1)
        # Hidden, not just disabled, for the whole recording: a greyed table with a highlighted row reads as
        # "these ranges will be exported".
        self.range_box = QWidget()
        box = QVBoxLayout(self.range_box)
        box.setContentsMargins(18, 0, 0, 0)
        box.addLayout(unit_row)
        box.addWidget(self.grid)
        box.addLayout(buttons)
        box.addLayout(join_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.whole)
        layout.addWidget(self.some)
        layout.addWidget(self.range_box)

        # The first range starts where the reviewer is: the usual request is "from here to there".
        self.add_range(current_index, last)
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
        self.changed.emit()

    # ---- result -----------------------------------------------------------------------------------------------
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """Inclusive frame ranges; () for the whole recording. ValueError naming the row and the problem."""
        if self.whole.isChecked():
            return ()
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
        return self.some.isChecked() and self.separate.isChecked()
