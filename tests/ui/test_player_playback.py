"""Playback: frames reach the screen in order with the right codes, the readout names each one, and pausing
leaves exactly the announced frame on the canvas. (Offscreen there is no audio device: the monotonic clock.)"""

from __future__ import annotations

import pytest

from reviewer.media.source import MediaSource
from tests.fixtures import framecode
from ui.player.image import rgb_from_qimage

from tests.ui.test_player import assert_on_screen, canvas_code

pytestmark = pytest.mark.gui


class Recorder:
    """Every imageReady (index + the code in the image itself) and every frameShown."""

    def __init__(self, controller, transport=None):
        self.images: list[tuple[int, int | None]] = []
        self.shown: list[int] = []
        self.readouts: list[str] = []
        controller.imageReady.connect(lambda i, img: self.images.append((i, framecode.read(rgb_from_qimage(img)))))
        controller.frameShown.connect(self.shown.append)
        if transport is not None:
            controller.frameShown.connect(lambda _i: self.readouts.append(transport.readout.text()))


def test_1x_playback_shows_frames_in_order_with_the_right_codes_and_stops_at_the_end(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    c = player.controller
    player.open(src)
    start = 225
    c.seek(start)
    player.settle(start)
    rec = Recorder(c, player.transport)
    with qtbot.waitSignal(c.playingChanged, timeout=60_000):
        c.play()
    assert c.playing
    qtbot.waitUntil(lambda: not c.playing, timeout=60_000)  # runs to the last frame and stops there

    indices = [i for i, _ in rec.images]
    codes = [code for _, code in rec.images]
    assert indices == rec.shown, "frameShown must name exactly the image handed to the canvas"
    assert codes == [clip.first_code + i for i in indices], "a frame carried the wrong code"
    assert all(b > a for a, b in zip(indices, indices[1:])), "frames went backwards or repeated"
    assert indices[0] == start + 1 and indices[-1] == src.table.frame_count - 1
    assert len(indices) >= 0.9 * (src.table.frame_count - 1 - start), f"too many dropped: {c.stats}"
    assert all(r.startswith(f"frame {i} of 299 ") for i, r in zip(rec.shown, rec.readouts))
    assert canvas_code(player, clip) == c.current_index == src.table.frame_count - 1


def test_pause_leaves_the_announced_frame_on_screen(player, make_clip, qtbot):
    clip = make_clip("vfr_h264")
    player.open(MediaSource.from_file(clip.path))
    c = player.controller
    c.seek(20)
    player.settle(20)
    c.play()
    qtbot.waitUntil(lambda: c.current_index >= 40, timeout=60_000)
    c.pause()
    assert not c.playing
    paused_at = c.current_index
    assert canvas_code(player, clip) == clip.first_code + paused_at
    # nothing left over from the run may replace the paused frame
    c.step(1)
    assert_on_screen(player, clip, paused_at + 1)


def test_2x_playback_keeps_codes_right_while_it_may_drop(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    c = player.controller
    player.open(src)
    c.seek(200)
    player.settle(200)
    c.set_speed(2.0)
    rec = Recorder(c)
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=60_000)
    indices = [i for i, _ in rec.images]
    assert all(code == clip.first_code + i for i, code in rec.images)
    assert all(b > a for a, b in zip(indices, indices[1:]))
    assert indices[-1] == src.table.frame_count - 1
    assert c.stats.shown + c.stats.dropped == len(indices) + c.stats.dropped


def test_seek_while_playing_continues_from_the_new_frame(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    c = player.controller
    c.play()
    qtbot.waitUntil(lambda: c.current_index >= 5, timeout=60_000)
    rec = Recorder(c)
    c.seek(150)
    qtbot.waitUntil(lambda: len(rec.shown) >= 5, timeout=60_000)
    c.pause()
    assert rec.shown[0] == 150
    assert [code for _, code in rec.images] == [clip.first_code + i for i in rec.shown]


def test_speed_ladder(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    c = player.controller
    c.set_speed(10)
    assert c.speed == 4.0
    c.set_speed(0.01)
    assert c.speed == 0.1
    c.faster()
    assert c.speed == 0.25
    c.set_speed(1.0)
    c.slower()
    assert c.speed == 0.5
