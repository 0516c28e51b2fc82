""""Export incident range…" from the grid (issue 13 s.4): the interval on the incident clock (from the grid's
current time), composite layout or separate files, recipient, purpose, output and a disclosure package. The work
is the core's run_incident_export (reviewer/export/incident_export.py); the focused camera comes first, so its
frame rate is the composite's and its sound the one carried."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QLineEdit)

from reviewer.export.incident_export import IncidentExportJob
from reviewer.export.package import package_path_for

DEFAULT_SECONDS = 10.0


class IncidentExportDialog(QDialog):
    def __init__(self, session, exports_dir: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Export incident {session.clock.reference} range")
        self.session = session
        lo, hi = session.clock.span()
        self.start = QDoubleSpinBox()
        self.end = QDoubleSpinBox()
        for box in (self.start, self.end):
            box.setDecimals(3)
            box.setRange(lo, hi)
            box.setSuffix(" s")
        self.start.setValue(max(lo, session.time))
        self.end.setValue(min(hi, session.time + DEFAULT_SECONDS))
        self.layout_box = QComboBox()
        self.layout_box.addItems(["1x2", "2x2"])
        self.layout_box.setCurrentText("1x2" if len(session.keys) <= 2 else "2x2")
        if len(session.keys) > 2:
            self.layout_box.setEnabled(False)  # three or four cameras need the 2x2 tiles
        self.separate = QCheckBox("Separate files, one per camera, aligned to the same interval")
        self.separate.toggled.connect(lambda on: self.layout_box.setEnabled(not on and len(session.keys) <= 2))
        self.package = QCheckBox("Disclosure package (ZIP: copy, manifest, report, certificate chain, VERIFY.txt)")
        self.recipient = QLineEdit()
        self.purpose = QLineEdit()
        self.out = QLineEdit(str(Path(exports_dir) / f"{_safe(session.clock.reference)}-{int(session.time)}s.mp4"))
        form = QFormLayout(self)
        form.addRow("From (incident time)", self.start)
        form.addRow("To", self.end)
        form.addRow("Layout", self.layout_box)
        form.addRow("", self.separate)
        form.addRow("Recipient", self.recipient)
        form.addRow("Purpose", self.purpose)
        form.addRow("Output", self.out)
        form.addRow("", self.package)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def job(self) -> IncidentExportJob:
        s = self.session
        order = [s.focus] + [k for k in s.keys if k != s.focus]
        out = Path(self.out.text().strip()).expanduser()
        return IncidentExportJob(
            incident=s.clock.reference, start=self.start.value(), end=self.end.value(),
            out=out, layout=self.layout_box.currentText(),
            separate=self.separate.isChecked(), recordings=tuple(s.clock.get(k).recording_id for k in order),
            audio_from=next((s.clock.get(k).recording_id for k in order if s.clock.get(k).has_audio), None),
            recipient=self.recipient.text().strip(), purpose=self.purpose.text().strip(), make_dirs=True,
            package=package_path_for(out) if self.package.isChecked() else None)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "incident"
