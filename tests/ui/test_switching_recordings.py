"""Switching recordings removes the first one's mask lanes; they must stop listening to the player. Before the
fix every frame shown afterwards raised "already deleted" inside a Qt slot, which pytest-qt turns into a failure."""

from __future__ import annotations

import shutil

import pytest

from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


def _import(library, clip, tmp_path, name):
    src = tmp_path / name
    src.mkdir()
    shutil.copy(clip.path, src / f"{name}.mp4")  # never import straight from the shared clip cache
    return library.import_paths([src / f"{name}.mp4"]).added[0]


def _open(qtbot, window, view):
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(view.id, reason="test: switching recordings")
    qtbot.waitUntil(lambda: window.f.masks.session.editor is not None
                    and window.f.masks.session.recording_id == view.id, timeout=WAIT)


def test_mask_lanes_of_a_closed_recording_stop_listening(qtbot, window, library, make_clip, tmp_path):
    a = _import(library, make_clip("cfr_h264"), tmp_path, "a")
    b = _import(library, make_clip("cfr_noaudio"), tmp_path, "b")
    table = library.open_recording(a.id, reason="test").table
    box = ((10.0, 10.0), (60.0, 60.0))
    MaskStore(library).save_track(a.id, MaskTrack(ShapeKind.RECT, (Keyframe(int(table.pts[0]), box),),
                                                  effect=Effect(EffectKind.SOLID), reason="third-party face"))
    _open(qtbot, window, a)
    lanes = window.f.masks.lanes.lanes
    qtbot.waitUntil(lambda: len(lanes) == 1, timeout=WAIT)
    (old_lane,) = lanes.values()
    assert old_lane in window.timeline.lanes

    _open(qtbot, window, b)
    qtbot.waitUntil(lambda: not lanes and old_lane not in window.timeline.lanes, timeout=WAIT)
    c = window.controller
    for n in range(1, 6):  # every frame shown would call into the deleted lane
        with qtbot.waitSignal(c.frameShown, timeout=WAIT):
            c.step(1)
        qtbot.waitUntil(lambda n=n: c.current_index == n and not c.busy, timeout=WAIT)
