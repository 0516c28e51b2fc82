"""Zoom as image tools do it: Ctrl+wheel zooms about the cursor (the video pixel under it stays under it), the
status bar says how far in we are, and a minimap shows which part of the frame is on screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from reviewer.media.source import MediaSource
from tests.ui.annotate_helpers import import_copy, open_in
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_player import painted
from ui.player.image import rgb_from_qimage
from ui.player.minimap import OUTLINE

pytestmark = pytest.mark.gui


def wheel(widget, pos: QPointF, notches: float, ctrl: bool = True) -> None:
    mods = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    ev = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, int(120 * notches)),
                     Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _frame(player, make_clip, index=77):
    clip = make_clip("cfr_h264")
    player.open(MediaSource.from_file(clip.path))
    player.controller.seek(index)
    player.settle(index)
    return clip, player.controller.current_frame_rgb()


@pytest.mark.parametrize("cursor", [(500.5, 150.5), (120.5, 380.5)])
def test_ctrl_wheel_keeps_the_video_pixel_under_the_cursor(player, make_clip, cursor):
    _clip, rgb = _frame(player, make_clip)
    canvas = player.canvas
    pos = QPointF(*cursor)
    wheel(canvas, pos, 3)  # from fit to past the canvas in both directions
    assert canvas.zoom != "fit"
    before = canvas.widget_to_image(pos)
    for notches in (2, 1, -1, 3):
        wheel(canvas, pos, notches)
        after = canvas.widget_to_image(pos)
        assert abs(after.x() - before.x()) < 0.5 and abs(after.y() - before.y()) < 0.5, (notches, before, after)
        # what is painted under the cursor is that video pixel of the exact frame
        img = painted(player)
        dpr = canvas.devicePixelRatioF()
        shown = img[int(pos.y() * dpr), int(pos.x() * dpr)]
        assert np.array_equal(shown, rgb[int(after.y()), int(after.x())])
    zoom = canvas.zoom
    wheel(canvas, pos, 2, ctrl=False)  # a plain wheel does not zoom
    assert canvas.zoom == zoom


def test_minimap_appears_when_zoomed_and_outlines_the_visible_part(player, make_clip, qtbot):
    _frame(player, make_clip)
    canvas, minimap = player.canvas, player.canvas.minimap
    assert not minimap.isVisible()
    canvas.set_zoom(4.0)
    assert minimap.isVisible()
    vis = canvas.visible_image_rect()
    r = minimap.map_rect()
    k = minimap.width() / 320
    assert abs(r.width() - vis.width() * k) < 1 and abs(r.x() - vis.x() * k) < 1
    assert vis.width() < 320 and vis.height() < 240
    # drag the picture to the right: the view moves left in the frame, so does the outline
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    qtbot.mouseMove(canvas, QPoint(400, 200))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 200))
    r2 = minimap.map_rect()
    assert r2.x() < r.x() - 5
    # the outline is really painted where map_rect says
    shot = rgb_from_qimage(minimap.grab().toImage())
    dpr = minimap.devicePixelRatioF()
    y = int((r2.y() + 1) * dpr)
    x = int((r2.x() + r2.width() / 2) * dpr)
    assert tuple(shot[y, x]) == (OUTLINE.red(), OUTLINE.green(), OUTLINE.blue())
    canvas.zoom_fit()
    assert not minimap.isVisible()


def test_status_bar_shows_the_zoom(qtbot, window, library, make_clip, tmp_path):
    open_in(qtbot, window, import_copy(library, make_clip("cfr_h264"), tmp_path))
    label = window.zoom_label
    qtbot.waitUntil(label.isVisible, timeout=5000)
    fit = round(window.canvas.effective_zoom() * 100)
    assert label.text() == f"Zoom fit ({fit}%)"
    window.actions_by_id["zoom_200"].trigger()
    assert label.text() == "Zoom 200%"
    canvas = window.canvas
    wheel(canvas, QPointF(canvas.width() / 2, canvas.height() / 2), 1)
    assert label.text() == "Zoom 250%"
    window.controller.close_source()
    assert not label.isVisible()
