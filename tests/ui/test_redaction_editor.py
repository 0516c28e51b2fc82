"""The mask editor in the real window: draw with the mouse on the canvas, move the mask at a later frame, check
the interpolated geometry, undo/redo (one drag = one step), delete a keyframe, and the preview showing the real
effect (the burned-in frame code becomes unreadable) against outlines-only and original."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from reviewer.redact.interpolate import interpolate
from tests.fixtures import framecode
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.player.image import rgb_from_qimage
from ui.redaction import draw_tool

pytestmark = pytest.mark.gui
WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


def open_clip(qtbot, window, clip_path, tmp_path, name="clip.mp4"):
    """Import a copy (the clip cache holds stamp files the library would read as sidecars) and open it."""
    window.resize(1600, 1000)  # room for the docks and a 320 px picture at 100% on the canvas
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    shutil.copy(clip_path, src / name)
    report = window.library.import_paths([src / name])
    assert not report.errors, report.errors
    view = report.added[0]
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(view.id, reason="test: redaction editor")
    settle(qtbot, window, 0)
    qtbot.waitUntil(lambda: window.f.masks.session.editor is not None, timeout=WAIT)
    return view


def settle(qtbot, window, index: int) -> None:
    c = window.controller
    qtbot.waitUntil(lambda: c.current_index == index and not c.busy and c.current_exact
                    and window.canvas.shown_index == index, timeout=WAIT)


def at(window, x: float, y: float) -> QPoint:
    """Widget position of source pixel (x, y) on the canvas."""
    return window.canvas.source_to_widget().map(QPointF(x, y)).toPoint()


def drag(qtbot, window, a, b, steps: int = 8) -> None:
    canvas = window.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(window, *a))
    for k in range(1, steps + 1):
        t = k / steps
        qtbot.mouseMove(canvas, at(window, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(window, *b))


def close(p, q, tol=1.0) -> bool:
    return all(abs(u - v) <= tol for pu, qu in zip(p, q) for u, v in zip(pu, qu))


def test_draw_step_drag_interpolate_undo_redo_and_delete_keyframe(qtbot, window, make_clip, tmp_path, monkeypatch):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f, c, table = window.f.masks, window.controller, window.controller.table
    pts = [int(p) for p in table.pts[:31]]

    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, (40, 60), (120, 140))
    (track,) = f.session.mask_set.tracks
    assert len(track.keyframes) == 1 and track.keyframes[0].pts == pts[0]
    assert close(track.keyframes[0].points, ((40, 60), (120, 140)))
    assert f.session.selected == [track.id] and f.draw.tool is draw_tool.Tool.SELECT
    assert window.undo.undo_name == "draw rect"

    c.seek(30)
    settle(qtbot, window, 30)
    # every pointer move is stored (merge key), yet the whole drag must stay one undo step
    monkeypatch.setattr(draw_tool, "COMMIT_INTERVAL_S", 0.0)
    drag(qtbot, window, (80, 100), (140, 120), steps=12)
    track = f.session.track(track.id)
    assert [k.pts for k in track.keyframes] == [pts[0], pts[30]]
    assert close(track.keyframe_at(pts[30]).points, ((100, 80), (180, 160)))
    assert close(interpolate(track, pts[15]), ((70, 70), (150, 150)))
    assert window.undo.undo_name == "move mask"

    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z: the whole drag
    track = f.session.track(track.id)
    assert [k.pts for k in track.keyframes] == [pts[0]] and window.undo.undo_name == "draw rect"
    window.redo_last()
    track = f.session.track(track.id)
    assert close(track.keyframe_at(pts[30]).points, ((100, 80), (180, 160)))

    window.actions_by_id["masks_delete_keyframe"].trigger()  # at frame 30
    assert [k.pts for k in f.session.track(track.id).keyframes] == [pts[0]]
    window.undo_last()
    assert [k.pts for k in f.session.track(track.id).keyframes] == [pts[0], pts[30]]
    # the stored masks are what the store reloads, not just what the window holds
    assert len(f.session.store.load(f.session.recording_id).tracks[0].keyframes) == 2


def canvas_code(window, clip) -> int | None:
    canvas = window.canvas
    r = canvas.frame_rect()
    img = rgb_from_qimage(canvas.rendered_image())
    return framecode.read(img[r.y(): r.y() + r.height(), r.x(): r.x() + r.width()])


def test_preview_shows_the_real_effect_outlines_or_original(qtbot, window, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    open_clip(qtbot, window, clip.path, tmp_path)
    f, c = window.f.masks, window.controller
    window.canvas.set_zoom(1.0)  # one video pixel per screen pixel, so the code is read as painted
    c.seek(12)
    settle(qtbot, window, 12)
    assert canvas_code(window, clip) == clip.first_code + 12

    _x, _y, w, h = framecode.code_rect(clip.width)
    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, (0, 0), (w, h))
    assert len(f.session.mask_set.tracks) == 1 and f.preview.mode.value == "effect"
    qtbot.waitUntil(lambda: canvas_code(window, clip) is None, timeout=WAIT)

    # outside the mask the previewed pixels are the source's, exactly
    shown = c.current_frame_rgb()
    reader = c.source.reader()
    original = reader.frame(12).rgb()
    reader.close()
    region = np.zeros(shown.shape[:2], bool)
    region[: h + int(h * 0.25) + 2, : w + int(w * 0.25) + 2] = True  # the mask, its padding and 2x2 alignment
    assert np.array_equal(shown[~region], original[~region])
    assert not np.array_equal(shown[region], original[region])

    window.actions_by_id["masks_toggle_preview"].trigger()
    assert f.preview.mode.value == "outlines"
    qtbot.waitUntil(lambda: canvas_code(window, clip) == clip.first_code + 12, timeout=WAIT)
    window.actions_by_id["masks_toggle_preview"].trigger()
    assert f.preview.mode.value == "original"
    qtbot.waitUntil(lambda: not c.current_processed, timeout=WAIT)
    assert canvas_code(window, clip) == clip.first_code + 12
    # the selected mask's outline is drawn even over the original picture
    img = rgb_from_qimage(window.canvas.rendered_image())
    r = window.canvas.frame_rect()
    edge = img[r.y() + h // 2, r.x() + w - 1: r.x() + w + 2]
    assert any(np.abs(px.astype(int) - (0, 200, 255)).max() < 60 for px in edge)

    window.actions_by_id["masks_toggle_preview"].trigger()  # back to the effect, then play: still redacted
    qtbot.waitUntil(lambda: canvas_code(window, clip) is None, timeout=WAIT)
    (track,) = f.session.mask_set.tracks
    f.session.editor.set_geometry(track.id, int(c.table.pts[90]), track.keyframes[0].points)  # cover 12..90
    c.play()
    qtbot.waitUntil(lambda: c.current_index >= 20, timeout=WAIT)
    c.pause()
    assert c.current_processed and framecode.read(c.current_frame_rgb()) is None
    # the evidential frame export is the original frame, whatever the preview shows
    png, _side = window._export_frame_to(c.source, tmp_path / "still.png")
    import cv2

    assert framecode.read(cv2.imread(str(png))[..., ::-1]) == clip.first_code + c.current_index


def test_polygon_lasso_and_handles(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    canvas = window.canvas

    window.actions_by_id["masks_tool_polygon"].trigger()
    for x, y in ((50, 50), (150, 50), (150, 150), (50, 150)):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    (poly,) = f.session.mask_set.tracks
    assert poly.kind.value == "polygon" and close(poly.keyframes[0].points, ((50, 50), (150, 50), (150, 150),
                                                                            (50, 150)))

    window.actions_by_id["masks_tool_lasso"].trigger()
    ring = [(220 + 40 * np.cos(a), 120 + 40 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(window, *ring[0]))
    for p in ring[1:]:
        qtbot.mouseMove(canvas, at(window, *p))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(window, *ring[-1]))
    lasso = f.session.mask_set.tracks[-1]
    assert lasso.kind.value == "polygon" and 5 <= len(lasso.keyframes[0].points) < 30  # simplified
    assert f.session.selected == [lasso.id]

    # resize the lasso's bounding... no: drag the polygon's first vertex (a handle) elsewhere
    vx, vy = lasso.keyframes[0].points[0]
    drag(qtbot, window, (vx, vy), (vx + 20, vy + 10))
    moved = f.session.track(lasso.id).keyframes[0].points
    assert close((moved[0],), ((vx + 20, vy + 10),)) and close(moved[1:], lasso.keyframes[0].points[1:])

    # clicking the square selects it; Ctrl-click adds the lasso; the panel lists both as selected
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(window, 100, 100))
    assert f.session.selected == [poly.id]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     at(window, 220, 120))
    assert set(f.session.selected) == {poly.id, lasso.id}
    assert {i.data(0, Qt.ItemDataRole.UserRole) for i in f.panel.tracks.selectedItems()} == {poly.id, lasso.id}
    window.actions_by_id["masks_duplicate"].trigger()
    assert len(f.session.mask_set.tracks) == 4
    window.actions_by_id["masks_delete"].trigger()
    assert len(f.session.mask_set.tracks) == 2
