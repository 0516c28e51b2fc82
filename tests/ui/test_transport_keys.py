"""J/K/L as editors use them, driven by real key presses in the real window: J plays backwards with exact,
labelled frames (read back by their burned-in codes), presses in the same direction go faster, K stops and resets
to 1x, and J or L pressed while K is held steps one exact frame."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from tests.fixtures import framecode
from tests.ui.annotate_helpers import WAIT, canvas_code, import_copy, open_in, seek, settle
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.player.image import rgb_from_qimage

pytestmark = pytest.mark.gui
K = Qt.Key


def _open(qtbot, window, library, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    open_in(qtbot, window, import_copy(library, clip, tmp_path))
    return clip


def _key(qtbot, window, key) -> None:
    qtbot.keyClick(window.canvas, key)


def test_reverse_play_shows_strictly_decreasing_codes_each_matching_the_readout(qtbot, window, library, make_clip,
                                                                               tmp_path):
    clip = _open(qtbot, window, library, make_clip, tmp_path)
    c = window.controller
    seek(qtbot, window, 150)
    seen: list[tuple[int, int | None, str]] = []
    images: dict[int, int | None] = {}
    c.imageReady.connect(lambda i, img: images.__setitem__(i, framecode.read(rgb_from_qimage(img))))
    c.frameShown.connect(lambda i: seen.append((i, images.get(i), window.transport.readout.text())))

    _key(qtbot, window, K.Key_J)
    assert c.playing and c.direction == -1 and c.speed == 1.0
    assert window.transport.direction_label.isVisible()
    qtbot.waitUntil(lambda: c.current_index <= 90, timeout=WAIT)
    _key(qtbot, window, K.Key_K)
    assert not c.playing and c.speed == 1.0 and c.direction == 1
    stopped = c.current_index

    indices = [i for i, _, _ in seen]
    # how many are dropped depends on the machine's load (bench/bench_reverse.py measures it); which frames
    # are shown, and that each is exactly the frame it claims to be, does not
    assert len(indices) >= 20, f"reverse play showed only {len(indices)} frames"
    assert all(b < a for a, b in zip(indices, indices[1:])), f"not strictly decreasing: {indices}"
    assert indices[0] == 149
    for i, code, readout in seen:
        assert code == clip.first_code + i, f"frame {i} carried code {code}"
        assert re.match(rf"frame {i} of 299 · ", readout), readout
    assert canvas_code(window, 320) == clip.first_code + stopped
    assert not window.transport.direction_label.isVisible()


def test_j_and_l_again_go_faster_and_k_stops_and_resets_to_1x(qtbot, window, library, make_clip, tmp_path):
    _open(qtbot, window, library, make_clip, tmp_path)
    c = window.controller
    seek(qtbot, window, 280)
    speeds = []
    for _ in range(4):
        _key(qtbot, window, K.Key_J)
        speeds.append((c.direction, c.speed))
    assert speeds == [(-1, 1.0), (-1, 2.0), (-1, 4.0), (-1, 4.0)]
    assert c.playing
    _key(qtbot, window, K.Key_L)  # the other way starts again at 1x
    assert (c.playing, c.direction, c.speed) == (True, 1, 1.0)
    _key(qtbot, window, K.Key_L)
    assert c.speed == 2.0
    _key(qtbot, window, K.Key_K)
    assert (c.playing, c.speed) == (False, 1.0)
    assert window.transport.speed_box.currentData() == 1.0


def test_j_or_l_while_k_is_held_steps_one_exact_frame(qtbot, window, library, make_clip, tmp_path):
    clip = _open(qtbot, window, library, make_clip, tmp_path)
    c = window.controller
    seek(qtbot, window, 100)
    qtbot.keyPress(window.canvas, K.Key_K)
    _key(qtbot, window, K.Key_J)
    assert not c.playing
    settle(qtbot, window, 99)
    assert canvas_code(window, 320) == clip.first_code + 99
    _key(qtbot, window, K.Key_L)
    settle(qtbot, window, 100)
    _key(qtbot, window, K.Key_L)
    settle(qtbot, window, 101)
    assert canvas_code(window, 320) == clip.first_code + 101
    assert not c.playing
    qtbot.keyRelease(window.canvas, K.Key_K)
    _key(qtbot, window, K.Key_J)  # K released: J plays backwards again
    assert c.playing and c.direction == -1
    _key(qtbot, window, K.Key_K)
    qtbot.keyRelease(window.canvas, K.Key_K)


def test_reverse_play_stops_on_the_first_frame(qtbot, window, library, make_clip, tmp_path):
    clip = _open(qtbot, window, library, make_clip, tmp_path)
    c = window.controller
    seek(qtbot, window, 40)
    _key(qtbot, window, K.Key_J)
    qtbot.waitUntil(lambda: not c.playing, timeout=WAIT)
    settle(qtbot, window, 0)
    assert canvas_code(window, 320) == clip.first_code
    assert window.transport.readout.text().startswith("frame 0 of 299 · ")
    _key(qtbot, window, K.Key_J)  # nothing before the first frame
    assert not c.playing
