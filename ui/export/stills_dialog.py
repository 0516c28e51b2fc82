"""Export stills with masks: the current frame, or a typed list of frames, ranges and media times, as redacted
PNGs (reviewer.export.stills) into a folder. The list is checked as it is typed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from reviewer.export.stills import parse_frames, still_name


class StillsDialog(QDialog):
    def __init__(self, source, current_index: int, exports_dir: Path, mask_summary: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export stills with masks")
        self.setMinimumWidth(520)
        self.source = source
        self.stem = Path(source.view.file_name).stem
        self.indices: list[int] = []
        self.frames = QLineEdit(str(current_index))
        hint = QLabel("Frame numbers, ranges (120-130) or media times (00:00:04.000), separated by commas.\n"
                      f"This recording has frames 0 to {source.table.frame_count - 1}.")
        hint.setObjectName("hintText")
        self.folder = QLineEdit(str(Path(exports_dir) / f"{self.stem}_stills"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        # the confirmation the core asks for before earlier stills are replaced
        self.replace = QCheckBox("Replace existing stills of the same frames")
        self.notice = QLabel()
        self.notice.setObjectName("hintText")
        masks = QLabel(mask_summary or "No masks on this recording: stills are written as they are.")
        masks.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Export stills")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Frames", self.frames)
        form.addRow("", hint)
        form.addRow("Folder", row)
        form.addRow("", self.replace)
        form.addRow("", self.notice)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{source.view.file_name}</b>"))
        layout.addWidget(masks)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.frames.textChanged.connect(self._validate)
        self.folder.textChanged.connect(self._validate)
        self.replace.toggled.connect(self._validate)
        self._validate()
        self.frames.selectAll()
        self.frames.setFocus()

    def out_dir(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def _validate(self) -> bool:
        try:
            self.indices = parse_frames(self.frames.text(), self.source.table)
            if not self.folder.text().strip() or not self.out_dir().is_absolute():
                raise ValueError("Choose a folder (a full path) for the stills.")
            taken = [i for i in self.indices if (self.out_dir() / still_name(self.stem, i)).exists()]
            if taken and not self.replace.isChecked():
                raise ValueError(f"{self.out_dir() / still_name(self.stem, taken[0])} already exists. Choose "
                                 "another folder, or tick “Replace existing stills” to overwrite.")
        except ValueError as exc:
            self.indices = []
            self.error.setText(str(exc))
        else:
            n = len(self.indices)
            self.error.setText("")
            folder = self.out_dir()
            self.notice.setText("" if folder.exists() else f"The folder {folder} will be created.")
            self.ok_button.setText(f"Export {n} still{'s' if n > 1 else ''}")
        self.ok_button.setEnabled(bool(self.indices))
        return bool(self.indices)

    def _browse(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Stills folder", self.folder.text())
        if name:
            self.folder.setText(name)

    def accept(self) -> None:
        if self._validate():
            super().accept()
