"""The grid's redaction preview: every tile shows its camera redacted by its own masks, through the single
player's frame processor (the export's own redact()), and follows each change of those masks (an edit, an undo,
a sync) as the lanes do. On by default, as the player's preview is; "Redacted" off shows the originals."""

from __future__ import annotations

from PySide6.QtCore import QObject

from reviewer.redact.approval import mask_set_hash
from ui.redaction.preview import frame_processor


class GridPreview(QObject):
    def __init__(self, grid, marks):
        super().__init__(grid)
        self.grid, self.marks = grid, marks
        self._hashes: dict = {}  # key -> the content hash of the MaskSet the installed processor was made from
        self._processors: dict = {}
        grid.preview_button.setChecked(True)
        grid.preview_button.toggled.connect(self._apply)
        marks.changed.connect(self._marks_read)
        self._marks_read()

    def _marks_read(self) -> None:
        masks = {k: m.mask_set for k, m in self.marks.by_key.items() if m.mask_set is not None}
        hashes = {k: mask_set_hash(ms) for k, ms in masks.items()}
        if hashes == self._hashes:
            return  # the lanes were re-read for a bookmark or a clip: the pictures do not depend on those
        self._hashes = hashes
        self._processors = {k: p for k, ms in masks.items() if (p := frame_processor(ms)) is not None}
        self._apply()

    def _apply(self, *_args) -> None:
        on = self.grid.preview_button.isChecked()
        self.grid.preview_button.setEnabled(bool(self._processors))
        self.grid.session.set_redaction(self._processors if on else {})
