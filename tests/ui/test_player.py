"""The player shows exactly the frame it says it shows: every check reads the burned-in frame code back from
the pixels the canvas actually painted."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from reviewer.media.source import MediaSource
from tests.fixtures import framecode
from ui.player.image import qimage_from_rgb, rgb_from_qimage

pytestmark = pytest.mark.gui


def painted(rig) -> np.ndarray:
    return rgb_from_qimage(rig.canvas.rendered_image())


def canvas_code(rig, clip) -> int | None:
    """Frame code read from the canvas at 100% zoom, cropped to where the canvas says the video is."""
    rig.canvas.set_zoom(1.0)
    r = rig.canvas.frame_rect()
    img = painted(rig)
    assert r.x() >= 0 and r.y() >= 0 and r.width() == clip.width, "frame must sit inside the canvas at 100%"
    return framecode.read(img[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()])


def assert_on_screen(rig, clip, index: int) -> None:
    rig.settle(index)
    assert canvas_code(rig, clip) == clip.first_code + index == clip.first_code + rig.controller.current_index


@pytest.mark.parametrize("name", ["cfr_h264", "vfr_h264"])
def test_seek_step_and_go_to_show_the_exact_frame(player, make_clip, name):
    clip = make_clip(name)
    src = MediaSource.from_file(clip.path)
    c = player.controller
    player.open(src)
    assert_on_screen(player, clip, 0)

    c.seek(150)
    assert_on_screen(player, clip, 150)

    c.seek(58)
    assert_on_screen(player, clip, 58)
    for i in range(59, 63):  # across the keyframe at 60
        c.step(1)
        assert_on_screen(player, clip, i)
    for i in range(61, 56, -1):
        c.step(-1)
        assert_on_screen(player, clip, i)

    c.go_end()
    assert_on_screen(player, clip, src.table.frame_count - 1)
    c.go_start()
    assert_on_screen(player, clip, 0)

    t = src.table.media_time(211) + 0.001
    c.seek_media_time(t)
    assert_on_screen(player, clip, src.table.index_at_media_time(t))
    assert c.current_index == 211

    c.seek(100)
    player.settle(100)
    c.jump_seconds(1.0)
    expected = src.table.index_at_media_time(src.table.media_time(100) + 1.0)
    assert_on_screen(player, clip, expected)


def test_rapid_steps_coalesce_to_the_right_frame(player, make_clip):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    c = player.controller
    for _ in range(25):
        c.step(1)
    assert_on_screen(player, clip, 25)
    for _ in range(30):
        c.step(-1)
    assert_on_screen(player, clip, 0)  # clamped at the first frame


def test_camera_time_go_to_and_readout(player, make_clip):
    clip = make_clip("cfr_h264")
    start = dt.datetime(2024, 5, 1, 14, 3, 22, 333000, tzinfo=dt.timezone.utc)
    src = dataclasses.replace(MediaSource.from_file(clip.path), camera_start=start)
    player.open(src)
    c = player.controller
    c.seek_camera_time(start + dt.timedelta(seconds=4.1))
    assert_on_screen(player, clip, 123)
    assert player.transport.readout.text() == (
        "frame 123 of 299 · media 00:00:04.100 · camera 2024-05-01 14:03:26.433 UTC")
    with pytest.raises(ValueError, match="outside"):
        c.seek_camera_time(start + dt.timedelta(hours=1))


def test_readout_without_camera_time(player, make_clip):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    player.controller.seek(45)
    player.settle(45)
    assert player.transport.readout.text() == "frame 45 of 299 · media 00:00:01.500 · camera unknown"
    with pytest.raises(ValueError, match="no camera start"):
        player.controller.seek_camera_time(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))


@pytest.mark.parametrize("zoom", [2.0, 4.0])
def test_zoom_is_nearest_neighbour(player, make_clip, zoom):
    """Every painted pixel equals the source pixel it covers: no smoothing, hard block edges."""
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    player.controller.seek(77)
    player.settle(77)
    rgb = player.controller.current_frame_rgb()
    player.canvas.set_zoom(zoom)
    assert player.canvas.zoom == zoom
    r = player.canvas.frame_rect()
    assert (r.width(), r.height()) == (clip.width * zoom, clip.height * zoom)
    img = painted(player)
    h, w = img.shape[:2]
    ys = np.arange(max(0, r.y()), min(h, r.y() + r.height()))
    xs = np.arange(max(0, r.x()), min(w, r.x() + r.width()))
    expected = rgb[((ys - r.y()) // int(zoom))[:, None], ((xs - r.x()) // int(zoom))[None, :]]
    got = img[ys[0]: ys[-1] + 1, xs[0]: xs[-1] + 1]
    assert np.array_equal(got, expected)


def test_fit_fills_the_canvas_and_pan_moves_a_zoomed_frame(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    canvas = player.canvas
    canvas.zoom_fit()
    r = canvas.frame_rect()
    assert r.width() == canvas.width() or r.height() == canvas.height()
    assert canvas.rect().contains(r.adjusted(1, 1, -1, -1))
    canvas.set_zoom(4.0)
    before = canvas.frame_rect()
    centre = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, centre + QPoint(60, 40))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(60, 40))
    after = canvas.frame_rect()
    assert (after.x() - before.x(), after.y() - before.y()) == (60, 40)


def test_scrub_previews_are_labelled_truthfully_and_release_is_exact(player, make_clip, qtbot):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    c, s = player.controller, player.scrubber
    y = s.height() // 2
    x1 = int(s.x_of_index(200)) + 1
    x2 = int(s.x_of_index(230)) + 1
    with qtbot.waitSignal(c.frameShown, timeout=60_000):
        qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=QPoint(x1, y))
    # a preview may be a nearby cached frame or the keyframe; whatever it is, it is named correctly
    assert canvas_code(player, clip) == c.current_index
    qtbot.mouseMove(s, QPoint(x2, y))
    qtbot.mouseRelease(s, Qt.MouseButton.LeftButton, pos=QPoint(x2, y))
    target = s.index_at_x(x2)
    assert abs(target - 230) <= 1
    assert_on_screen(player, clip, target)


def test_qimage_keeps_its_pixels_alive():
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[1, 2] = (10, 20, 30)
    img = qimage_from_rgb(rgb)
    del rgb
    assert img.pixelColor(2, 1).getRgb()[:3] == (10, 20, 30)
    assert np.array_equal(rgb_from_qimage(img)[1, 2], [10, 20, 30])


def test_a_vanished_file_reports_an_error_and_the_player_survives(player, make_clip, tmp_path, qtbot):
    clip = make_clip("cfr_noaudio")
    copy = tmp_path / "vanished.mp4"
    copy.write_bytes(clip.path.read_bytes())
    src = MediaSource.from_file(copy)
    copy.unlink()
    with qtbot.waitSignal(player.controller.error, timeout=60_000) as sig:
        player.controller.open(src)
    assert "vanished.mp4" in sig.args[0]
    assert player.controller.source is None, "a source that cannot be read is closed, not left half-open"
    player.controller.step(1)  # no crash, nothing shown
    player.open(MediaSource.from_file(make_clip("cfr_h264").path))
    assert_on_screen(player, make_clip("cfr_h264"), 0)


HIDPI_SCRIPT = r"""
import sys, time
import numpy as np
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from reviewer.media.source import MediaSource
from ui.player.canvas import VideoCanvas
from ui.player.controller import PlayerController
from ui.player.image import rgb_from_qimage
app = QApplication([])
c = PlayerController(audio=False)
cv = VideoCanvas(c)
cv.resize(500, 400)
cv.show()
c.open(MediaSource.from_file(sys.argv[1]))
c.seek(42)
end = time.monotonic() + 20
while not (c.current_index == 42 and c.current_image is not None) and time.monotonic() < end:
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
cv.set_zoom(1.0)
img = cv.rendered_image()
r = cv.device_frame_rect()
crop = rgb_from_qimage(img)[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()]
print(img.devicePixelRatio(), r.width(), r.height(), int(np.array_equal(crop, c.current_frame_rgb())))
c.shutdown()
"""


def test_100_percent_is_one_video_pixel_per_device_pixel_on_hidpi(make_clip):
    """At a 2x screen scale, 100% zoom paints the frame pixel for pixel in device pixels (not blown up 2x)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    clip = make_clip("cfr_h264")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", HIDPI_SCRIPT, str(clip.path)], capture_output=True, text=True,
                         env=env, cwd=root, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    dpr, w, h, exact = out.stdout.split()
    assert float(dpr) == 2.0
    assert (int(w), int(h), exact) == (clip.width, clip.height, "1")


def test_overlays_paint_in_image_coordinates_after_the_picture(player, make_clip):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor

    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    calls = []

    def mark(painter, image_to_widget, index):
        calls.append(index)
        painter.fillRect(image_to_widget.mapRect(QRectF(10, 20, 1, 1)), QColor(255, 0, 0))

    player.canvas.overlays.append(mark)
    player.canvas.set_zoom(2.0)
    img = painted(player)
    r = player.canvas.frame_rect()
    assert calls and calls[-1] == player.controller.current_index
    block = img[r.y() + 40: r.y() + 42, r.x() + 20: r.x() + 22]
    assert (block == [255, 0, 0]).all(), "image pixel (10, 20) at 200% is a red 2x2 block"
    assert not (img[r.y() + 44, r.x() + 20] == [255, 0, 0]).all()
    assert not np.array_equal(player.controller.current_frame_rgb()[20, 10], [255, 0, 0])
