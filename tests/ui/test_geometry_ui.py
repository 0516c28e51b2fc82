"""The player and the mask editor on rotated and anamorphic footage (issue 13 s.2, ADR 0022): the canvas shows the
picture upright and unsquashed, as ffmpeg does, and a mask drawn on what the user sees is stored in source pixels
where it covers the same content."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from reviewer.media.geometry import Geometry
from reviewer.media.source import MediaSource
from tests.fixtures import framecode
from tests.fixtures import geometry_clips as gc
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.player.image import rgb_from_qimage

pytestmark = pytest.mark.gui
WAIT = 60_000


@pytest.fixture(scope="session")
def geo_dir(clip_dir):
    d = clip_dir / "geometry-v1"
    d.mkdir(parents=True, exist_ok=True)
    return d


def shown_picture(canvas):
    r = canvas.device_frame_rect()
    img = rgb_from_qimage(canvas.rendered_image())
    return img[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()]


@pytest.mark.parametrize("name", list(gc.SPECS))
def test_the_canvas_shows_the_displayed_picture(player, geo_dir, name):
    clip = gc.make(name, geo_dir)
    player.open(MediaSource.from_file(clip.path))
    player.controller.seek(5)
    player.settle(5)
    img = player.controller.current_image
    assert (img.width(), img.height()) == clip.display, "the widget's image is the display size"
    r = player.canvas.frame_rect()
    assert abs(r.width() / r.height() - clip.display[0] / clip.display[1]) < 0.02, "shown at the display aspect"
    assert framecode.read(shown_picture(player.canvas), width=clip.display[0]) == 5, "code at the top-left"
    assert gc.marker_at_bottom_right(player.controller.current_frame_rgb()), "marker at the bottom-right"


@pytest.mark.parametrize("name", ["rot90", "pal_anamorphic"])
def test_a_mask_drawn_on_the_display_is_stored_in_source_pixels(qtbot, window, geo_dir, tmp_path, name):
    clip = gc.make(name, geo_dir)
    window.resize(1600, 1000)
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(clip.path, src / clip.path.name)
    view = window.library.import_paths([src / clip.path.name]).added[0]
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(view.id, reason="test: geometry")
    c = window.controller
    qtbot.waitUntil(lambda: c.current_index == 0 and not c.busy and c.current_exact
                    and window.f.masks.session.editor is not None, timeout=WAIT)
    assert framecode.read(shown_picture(window.canvas), width=clip.display[0]) == 0

    # drag over the frame code at the top-left of what the user sees (display pixels -> widget)
    x, y, w, h = framecode.code_rect(clip.display[0])
    to_widget = window.canvas.image_to_widget()

    def at(px, py) -> QPoint:
        return to_widget.map(QPointF(px, py)).toPoint()

    window.actions_by_id["masks_tool_rect"].trigger()
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=at(x, y))
    for k in range(1, 9):
        qtbot.mouseMove(window.canvas, at(x + w * k / 8, y + h * k / 8))
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=at(x + w, y + h))

    (track,) = window.f.masks.session.mask_set.tracks
    want = Geometry.of(c.source.info).box_to_storage((x, y), (x + w, y + h))
    got = track.keyframes[0].points
    tol = 2.0 / window.canvas.source_scale() + 1.5  # a widget pixel or two of mouse rounding
    assert all(abs(u - v) <= tol for p, q in zip(got, want) for u, v in zip(p, q)), (got, want)
    # the preview (the export's own redact()) hides what the user drew over, and only that
    qtbot.waitUntil(lambda: framecode.read(shown_picture(window.canvas), width=clip.display[0]) is None,
                    timeout=WAIT)
    assert gc.marker_at_bottom_right(c.current_frame_rgb())
