"""Create or edit a clip: name, purpose (evidential, training, disclosure) and its in/out frames (inclusive),
with the times of each end so the user sees what the range covers."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from reviewer.annotate.clips import PURPOSES
from reviewer.media.timecode import format_media_time


class ClipDialog(QDialog):
    def __init__(self, table, in_index: int, out_index: int, name: str = "", purpose: str = "evidential",
                 editing: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("clipDialog")
        self.setWindowTitle("Edit clip" if editing else "New clip")
        self.table = table
        self.name = QLineEdit(name)
        self.name.setObjectName("clipName")
        self.name.setMaxLength(200)
        self.purpose = QComboBox()
        self.purpose.setObjectName("clipPurpose")
        for p in PURPOSES:
            self.purpose.addItem(p.capitalize(), p)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(purpose)))
        last = table.frame_count - 1
        self.in_frame, self.out_frame = QSpinBox(), QSpinBox()
        for box, value in ((self.in_frame, in_index), (self.out_frame, out_index)):
            box.setRange(0, last)
            box.setValue(value)
            box.setSuffix("  (frame)")
            box.valueChanged.connect(self._validate)
        self.span = QLabel()
        self.span.setObjectName("hintText")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Purpose", self.purpose)
        form.addRow("In", self.in_frame)
        form.addRow("Out", self.out_frame)
        form.addRow("", self.span)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.name.textChanged.connect(self._validate)
        self._validate()
        self.name.selectAll()

    def values(self) -> dict:
        return {"name": self.name.text().strip(), "purpose": self.purpose.currentData(),
                "in_index": self.in_frame.value(), "out_index": self.out_frame.value()}

    def _validate(self) -> None:
        a, b = self.in_frame.value(), self.out_frame.value()
        t = self.table
        if a <= b:
            self.span.setText(f"{format_media_time(t.media_time(a))} → {format_media_time(t.media_time(b))}"
                              f"   ({b - a + 1} frames)")
        else:
            self.span.setText("The in frame must not be after the out frame.")
        ok = a <= b and bool(self.name.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
