"""The export dialog offers the selected clip and all evidential clips as ranges, suggests what the reviewer
picked out (never "current frame to the end"), names the original file, and cuts no label off at its default
size."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from reviewer.annotate.service import Annotations
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.export.export_dialog import ExportDialog
from ui.theme import apply_theme
from ui.export.ranges_editor import ClipRange, Selection

ORIGINAL = "Caerdydd_BWC-0042_20261127_143705.mp4"
CLIPS = (ClipRange("approach to the car", 30, 89, evidential=True), ClipRange("bystanders", 100, 120),
         ClipRange("arrest", 150, 179, evidential=True))


@pytest.fixture
def opened(library, make_clip, tmp_path):
    src = tmp_path / "in" / ORIGINAL
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, src)
    view = library.import_paths([src]).added[0]
    return library.open_recording(view.id, reason="export dialog tests")


def dialog(qtbot, opened, tmp_path, selection=Selection(), current=40) -> ExportDialog:
    d = ExportDialog(opened, current, tmp_path / "exports", "Redaction applied: 2 mask tracks.", selection=selection)
    qtbot.addWidget(d)
    d.purpose.setText("Court bundle")
    d.recipient.setText("CPS Cymru")
    return d


def test_selected_clip_is_the_first_suggestion(qtbot, opened, tmp_path):
    d = dialog(qtbot, opened, tmp_path, Selection(CLIPS, selected_clip="bystanders"))
    assert d.ranges.clip.isChecked() and d.job().ranges == ((100, 120),)
    assert d.ranges.clip_hint.text().startswith("“bystanders”: frames 100–120")
    d.ranges.use_ranges()
    assert d.job().ranges == ((100, 120),), "the in/out table starts from the selected clip"


def test_all_evidential_clips_in_time_order_joined_or_one_file_each(qtbot, opened, tmp_path):
    d = dialog(qtbot, opened, tmp_path, Selection(CLIPS[::-1]))
    assert d.ranges.whole.isChecked() and d.job().ranges == (), "nothing selected: the whole recording"
    d.ranges.use_evidential_clips()
    job = d.job()
    assert job.ranges == ((30, 89), (150, 179)) and not job.separate
    assert "90 frames into one file" in d.summary.text()
    d.ranges.set_separate(True)
    job = d.job()
    assert job.separate and [r for _p, r in job.outputs()] == [((30, 89),), ((150, 179),)]


def test_without_clips_or_marks_the_ranges_start_empty_not_from_here_to_the_end(qtbot, opened, tmp_path):
    d = dialog(qtbot, opened, tmp_path)
    assert not d.ranges.clip.isEnabled() and not d.ranges.evidential.isEnabled()
    d.ranges.use_ranges()
    assert d.job() is None and d.problem() == "Add at least one in/out range, or choose the whole recording."
    d2 = dialog(qtbot, opened, tmp_path, Selection(marks=(12, 34)))
    assert d2.ranges.some.isChecked() and d2.job().ranges == ((12, 34),), "the in/out points the reviewer set"


def test_default_output_and_title_carry_the_original_file_name(qtbot, opened, tmp_path):
    d = dialog(qtbot, opened, tmp_path)
    assert opened.path.name != ORIGINAL
    assert d.job().out.name.startswith("Caerdydd_BWC-0042_20261127_143705_redacted_")
    assert any(ORIGINAL in lbl.text() for lbl in d.findChildren(QLabel))


def cut_off(d) -> list[str]:
    bad = []
    for w in d.findChildren(QLabel) + d.findChildren(QAbstractButton):
        if not w.isVisible() or not w.text():
            continue
        if isinstance(w, QLabel) and w.wordWrap():
            if w.heightForWidth(w.width()) > w.height():
                bad.append(f"{w.text()!r}: needs {w.heightForWidth(w.width())} px high, has {w.height()}")
        elif w.sizeHint().width() > w.width():
            bad.append(f"{w.text()!r}: needs {w.sizeHint().width()} px wide, has {w.width()}")
    return bad


@pytest.mark.parametrize("scope", ["whole", "clip", "evidential", "some"])
def test_no_label_is_cut_off_at_the_default_size(qtbot, qapp, opened, tmp_path, scope):
    apply_theme(qapp)  # the app's stylesheet pads buttons: measure what users see
    d = dialog(qtbot, opened, tmp_path, Selection(CLIPS, selected_clip="approach to the car", marks=(10, 20)))
    d.show()
    qtbot.waitExposed(d)
    {"whole": lambda: d.ranges.use_ranges(False), "clip": d.ranges.use_selected_clip,
     "evidential": d.ranges.use_evidential_clips, "some": d.ranges.use_ranges}[scope]()
    d.layout().activate()  # lay the new scope out now, as the next paint would
    assert cut_off(d) == [], "\n".join(cut_off(d))


def test_the_window_passes_the_clip_selected_in_the_clips_panel(qtbot, window, opened):
    view = opened.view
    with qtbot.waitSignal(window.controller.frameShown, timeout=60_000):
        window.open_recording(view.id, reason="export tests")
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    table = window.controller.table
    ann = window.f.annotate
    clip = ann.annotations.add_clip(view.id, int(table.pts[30]), int(table.pts[89]), "approach", "disclosure")
    ann.annotations.add_clip(view.id, int(table.pts[150]), int(table.pts[179]), "arrest", "evidential")
    qtbot.waitUntil(lambda: ann.clips_panel.item_for(clip.id) is not None, timeout=60_000)
    ann.clips_panel.select(clip.id)
    window.actions_by_id["export_redacted"].trigger()
    d = window.f.export.dialog
    d.purpose.setText("p")
    d.recipient.setText("r")
    assert d.ranges.clip.isChecked() and d.job().ranges == ((30, 89),)
    d.ranges.use_evidential_clips()
    assert d.job().ranges == ((150, 179),)
    d.reject()
