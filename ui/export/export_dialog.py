"""The export dialog: what to export (ranges), for whom and why (the disclosure log needs both), burn-ins, audio,
encoder and where to write. It only builds an ExportJob; the export queue runs it (reviewer.export.service).

Every input is checked as it changes and the first problem is shown in words under the form, so "Queue export"
is enabled exactly when the job can start.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from reviewer.export.service import ExportJob
from reviewer.export.settings import EncoderSettings
from reviewer.media.timecode import format_media_time
from ui.export.ranges_editor import RangesEditor, Selection

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEFAULTS = EncoderSettings()


def default_output(exports: Path, file_name: str, now: dt.datetime | None = None,
                   taken: frozenset[Path] = frozenset()) -> Path:
    """<stem>_redacted_<local time>.mp4 in the exports folder; -2, -3, ... when that name is on disk or already
    the output of a queued export (two exports started within a second)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{Path(file_name).stem}_redacted_{stamp}"
    for n in range(1, 1000):
        path = Path(exports) / (f"{base}.mp4" if n == 1 else f"{base}-{n}.mp4")
        siblings = [path, path.with_name(f"{path.stem}-1.mp4")]  # "one file per range" names
        if not any(p.exists() or p in taken for p in siblings):
            return path
    return Path(exports) / f"{base}.mp4"  # the dialog then says the name is taken


class ExportDialog(QDialog):
    def __init__(self, source, current_index: int, exports_dir: Path, mask_summary: str = "",
                 reserved: frozenset[Path] = frozenset(), parent: QWidget | None = None,
                 selection: Selection = Selection()):
        super().__init__(parent)
        self.setWindowTitle("Export redacted copy")
        self.setMinimumWidth(940)
        self.source = source
        view = source.view
        self.view = view
        self._job: ExportJob | None = None
        self._reserved = reserved  # outputs of exports already queued or running

        title = QLabel(f"<b>{view.file_name}</b>")
        facts = [f"{source.table.frame_count} frames", format_media_time(source.table.duration)]
        if view.incident_ref:
            facts.append(f"incident {view.incident_ref}")
        if view.officer_id:
            facts.append(f"officer {view.officer_id}")
        sub = QLabel(" · ".join(facts))
        sub.setObjectName("hintText")
        self.masks_label = QLabel(mask_summary or "No masks or redaction ranges on this recording.")
        self.masks_label.setWordWrap(True)

        self.ranges = RangesEditor(source.table, getattr(source, "camera_start", None), current_index, selection)
        what = QGroupBox("What to export")
        QVBoxLayout(what).addWidget(self.ranges)

        self.purpose = QLineEdit()
        self.purpose.setPlaceholderText("e.g. Court bundle for R v Smith, CPS case 01AB2345")
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("e.g. CPS London South, reviewing lawyer J. Patel")
        who = QGroupBox("Disclosure (both recorded in the disclosure log and the manifest)")
        who_form = QFormLayout(who)
        who_form.addRow("Purpose", self.purpose)
        who_form.addRow("Recipient", self.recipient)

        self.banner = QCheckBox("“REDACTED COPY” banner" + (f" with incident {view.incident_ref}"
                                                             if view.incident_ref else ""))
        self.watermark = QCheckBox("Recipient watermark")
        self.timestamp = QCheckBox("Camera date/time and frame number on every frame")
        self.banner.setChecked(True)
        self.watermark.setChecked(True)  # a copy that leaks names who it was given to
        burn = QGroupBox("Burned-in overlays")
        burn_layout = QVBoxLayout(burn)
        for w in (self.banner, self.watermark, self.timestamp):
            burn_layout.addWidget(w)

        self.audio = QCheckBox("Include audio (audio redactions are applied)")
        self.audio.setChecked(bool(view.has_audio))
        self.audio.setEnabled(bool(view.has_audio))
        if not view.has_audio:
            self.audio.setText("Include audio (this recording has none)")
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.preset.setCurrentText(DEFAULTS.preset)
        self.preset.setToolTip("x264 speed/size trade-off. Slower presets make smaller files at the same quality.")
        self.crf = QSpinBox()
        self.crf.setRange(0, 51)
        self.crf.setValue(DEFAULTS.crf)
        self.crf.setToolTip("x264 CRF: lower is better quality and a bigger file. 18 is visually lossless.")
        crf_row = QHBoxLayout()
        crf_row.addWidget(self.crf)
        # short enough for the half-width column: a wrapped label in a form row is squeezed to one line
        crf_row.addWidget(_hint("18 ≈ visually lossless; lower = bigger file"), 1)
        self.report = QCheckBox("Write a PDF report for the court bundle")
        self.report.setChecked(True)
        # the confirmation the core asks for before an earlier output is replaced
        self.replace = QCheckBox("Replace existing files of the same name")
        self.out = QLineEdit(str(default_output(exports_dir, view.file_name, taken=reserved)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        output = QGroupBox("Output")
        out_form = QFormLayout(output)
        out_form.addRow("File", out_row)
        out_form.addRow("x264 preset", self.preset)
        out_form.addRow("Quality (CRF)", crf_row)
        out_form.addRow("", self.audio)
        out_form.addRow("", self.report)
        out_form.addRow("", self.replace)
        self.summary = _hint("")
        self.summary.setWordWrap(True)
        # Wrapped labels report their height only for a given width, which the dialog's minimum size ignores;
        # without a floor the form above them gets squeezed into overlapping rows.
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 3 + 4)

        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Queue export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        # Two columns: on a 1366x768 laptop a single column of five groups would not fit the screen.
        left, right = QVBoxLayout(), QVBoxLayout()
        for w in (title, sub, self.masks_label, what):
            left.addWidget(w)
        left.addStretch(1)
        for w in (who, burn, output, self.summary):
            right.addWidget(w)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(12)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.ranges.changed.connect(self._validate)
        for edit in (self.purpose, self.recipient, self.out):
            edit.textChanged.connect(self._validate)
        self.watermark.toggled.connect(self._validate)
        self.replace.toggled.connect(self._validate)
        self._validate()
        self.purpose.setFocus()

    # ---- validation -------------------------------------------------------------------------------------------
    def job(self) -> ExportJob | None:
        """The job as the form stands, or None while something is missing (see problem())."""
        return self._job if self._validate() else None

    def problem(self) -> str:
        return self.error.text()

    def _validate(self) -> bool:
        try:
            self._job = self._build()
        except ValueError as exc:
            self._job = None
            self.error.setText(str(exc))
        else:
            self.error.setText("")
        self.ok_button.setEnabled(self._job is not None)
        self._summarise()
        return self._job is not None

    def _build(self) -> ExportJob:
        ranges = self.ranges.ranges()
        purpose, recipient = self.purpose.text().strip(), self.recipient.text().strip()
        if not purpose:
            raise ValueError("Enter the purpose of this disclosure: it is recorded in the disclosure log.")
        if not recipient:
            raise ValueError("Enter the recipient: it is recorded in the disclosure log.")
        text = self.out.text().strip()
        if not text:
            raise ValueError("Choose where to write the export.")
        out = Path(text).expanduser()
        if out.suffix.lower() != ".mp4":
            out = out.with_name(out.name + ".mp4")
        if not out.is_absolute():
            raise ValueError(f"{text}: give a full path for the output file.")
        if out.parent.exists() and not out.parent.is_dir():
            raise ValueError(f"{out.parent}: is a file, not a folder.")
        overlays = tuple(name for name, box in (("banner", self.banner), ("watermark", self.watermark),
                                                ("timestamp", self.timestamp)) if box.isChecked())
        job = ExportJob(recording_id=self.view.id, out=out, ranges=ranges, separate=self.ranges.is_separate(),
                        purpose=purpose, recipient=recipient, overlays=overlays, audio=self.audio.isChecked(),
                        preset=self.preset.currentText(), crf=self.crf.value(), report=self.report.isChecked(),
                        overwrite=self.replace.isChecked(), make_dirs=not out.parent.exists())
        for path, _r in job.outputs():
            # Exports are evidence: an earlier one is never silently replaced.
            if path.exists() and not job.overwrite:
                raise ValueError(f"{path} already exists. Choose another file name, or tick “Replace existing "
                                 "files” to overwrite it.")
            if path in self._reserved:
                raise ValueError(f"{path} is the output of an export already in the queue. Choose another name.")
        return job

    def _summarise(self) -> None:
        job = self._job
        if job is None:
            self.summary.setText("")
            return
        t = self.source.table
        spans = job.ranges or ((0, t.frame_count - 1),)
        frames = sum(b - a + 1 for a, b in spans)
        files = job.outputs()
        if len(files) == 1:
            where = "one file"
        else:
            where = f"{len(files)} files (…{files[0][0].name[-6:]} to …{files[-1][0].name[-6:]})"
        extras = "its manifest" + (" and PDF report" if job.report else "")
        folder = f" The folder {job.out.parent} will be created." if job.make_dirs else ""
        self.summary.setText(f"{frames} frames into {where}, with {extras}. "
                             f"Every frame is leak-checked after encoding.{folder}")

    # ---- actions ----------------------------------------------------------------------------------------------
    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.out.text(), "MP4 video (*.mp4)")
        if name:
            self.out.setText(name)

    def accept(self) -> None:
        if self._validate():
            super().accept()


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    return label
