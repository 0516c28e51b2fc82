"""Reopening a recording returns to the frame the user left it on: per recording, across switching recordings
and restarting the app, kept in the UI settings (never in the audit trail)."""

from __future__ import annotations

import pytest

from tests.ui.annotate_helpers import WAIT, canvas_code, import_copy, seek, settle
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def _open(qtbot, window, view, index: int) -> None:
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(view.id)
    settle(qtbot, window, index)


def test_reopening_returns_to_the_frame_left_on(qtbot, make_window, settings, library, make_clip, tmp_path):
    clip_a, clip_b = make_clip("cfr_h264"), make_clip("vfr_h264")
    a = import_copy(library, clip_a, tmp_path, "a.mp4")
    b = import_copy(library, clip_b, tmp_path, "b.mp4")
    first = make_window()
    _open(qtbot, first, a, 0)  # never opened before: the first frame
    seek(qtbot, first, 123)
    _open(qtbot, first, b, 0)  # another recording keeps its own place
    seek(qtbot, first, 57)
    _open(qtbot, first, a, 123)
    assert canvas_code(first, 320) == clip_a.first_code + 123
    first.controller.step(5)
    settle(qtbot, first, 128)
    first.close()

    second = make_window(settings)  # a restart: the place survives in the settings file
    _open(qtbot, second, a, 128)
    assert canvas_code(second, 320) == clip_a.first_code + 128
    _open(qtbot, second, b, 57)
    assert canvas_code(second, 320) == clip_b.first_code + 57
    assert not [e for e in library.gov.audit.events() if "position" in e.action or "position" in str(e.details)]


def test_a_saved_place_past_the_end_opens_at_the_start(qtbot, window, settings, library, make_clip, tmp_path):
    a = import_copy(library, make_clip("cfr_h264"), tmp_path)
    settings.save_position(a.id, 5000)
    _open(qtbot, window, a, 0)
