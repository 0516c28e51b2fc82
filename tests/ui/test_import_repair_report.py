"""The import report tells the user when a re-import restored a damaged original (not "nothing happened")."""

from __future__ import annotations

import os
from pathlib import Path

from reviewer.library import Library
from ui.dialogs.import_dialog import ImportReportDialog, summarise


def test_report_lists_a_restored_original(qtbot, home, make_clip, tmp_path):
    src = tmp_path / "src" / "bwv.mp4"
    src.parent.mkdir()
    src.symlink_to(make_clip("cfr_noaudio").path)
    with Library(home) as lib:
        view, = lib.import_paths([src]).added
        os.chmod(view.original_path, 0o644)
        Path(view.original_path).unlink()
        report = lib.import_paths([src])
    assert summarise(report) == "0 recordings added, 1 damaged original restored."
    dialog = ImportReportDialog(report)
    qtbot.addWidget(dialog)
    assert dialog.problems() == [(str(src), "Restored the damaged or missing original of bwv.mp4 from this intact "
                                            "copy (same SHA-256); its integrity is ok again.")]
