"""The grid's timeline and bookmarks (issue 13 s.3): each recording's bookmarks, clips and masks drawn on its lane
at their incident time, a click on a bookmark seeking the grid to it, and a bookmark made in the grid recording
the frame every visible tile showed (read from the burned-in codes), undone in one step, listed in the single view."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox

from reviewer.annotate.service import Annotations
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode
from tests.ui.annotate_helpers import WAIT, open_in
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import CAMS, check_all_tiles, grid, scene_paths, wait_settled  # noqa: F401
from ui.annotate.bookmark_lane import MARKER
from ui.annotate.clip_lane import CLIP
from ui.redaction.mask_lane import ACTIVE


def keys_by_name(s) -> dict[str, str]:
    return {s.camera_name(k): k for k in s.keys}


def near(img, x: float, y: float, colour: QColor) -> bool:
    got = img.pixelColor(int(x), int(y))
    return max(abs(got.red() - colour.red()), abs(got.green() - colour.green()),
               abs(got.blue() - colour.blue())) <= 12


def press(qtbot, grid, k) -> None:
    grid.activateWindow()
    qtbot.waitActive(grid)
    qtbot.keyClick(grid, k, Qt.KeyboardModifier.NoModifier if k != Qt.Key.Key_Z else
                   Qt.KeyboardModifier.ControlModifier)


def test_m_in_the_grid_bookmarks_the_frame_each_visible_tile_shows_and_ctrl_z_removes_it(qtbot, grid):
    s, window = grid.session, grid.parent()
    ann = window.f.annotate.annotations
    s.seek(30.0)
    wait_settled(qtbot, grid)
    shown = check_all_tiles(grid)  # every tile's burned-in code is its true frame at this instant
    press(qtbot, grid, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: len(ann.bookmarks.list()) == 4, timeout=WAIT)
    marks = ann.bookmarks.list()
    assert len({m.group_id for m in marks}) == 1 and {m.incident_us for m in marks} == {round(s.time * 1e6)}
    for m in marks:
        key = s.clock.get(m.recording_id).key
        d = s.tiles[key].shown
        assert s.clock.get(key).table.index_of_pts(m.pts) == d.index == framecode.read(d.rgb) == \
            shown[CAMS[s.camera_name(key)].name]
    # on the lanes: one pin per camera, each at its frame's incident time, all under the playhead
    lanes = grid.lanes
    qtbot.waitUntil(lambda: all(len(lanes.marks_of(k).bookmarks) == 1 for k in s.keys), timeout=WAIT)
    for k in s.keys:
        assert abs(lanes.x_of(lanes.marks_of(k).bookmarks[0][0]) - lanes.x_of(s.time)) <= 2

    press(qtbot, grid, Qt.Key.Key_Z)  # Ctrl+Z in the grid: the library's one history, one step for all four
    qtbot.waitUntil(lambda: ann.bookmarks.list() == [], timeout=WAIT)
    qtbot.waitUntil(lambda: all(lanes.marks_of(k).bookmarks == [] for k in s.keys), timeout=WAIT)
    assert len(window.library.gov.audit.events(action="bookmark.delete")) == 4

    # only what is shown: the focused camera alone in the single-focus layout; none for a camera not yet running
    names = keys_by_name(s)
    s.set_focus(names["pc-c.mp4"])
    grid.set_single_focus(True)
    grid.bookmarks.button.click()
    qtbot.waitUntil(lambda: len(ann.bookmarks.list()) == 1, timeout=WAIT)
    assert ann.bookmarks.list()[0].recording_id == s.clock.get(names["pc-c.mp4"]).recording_id
    grid.set_single_focus(False)
    s.seek(s.clock.start(names["pc-c.mp4"]) - 1.0)
    wait_settled(qtbot, grid)
    running = [k for k in s.keys if s.tiles[k].shown is not None]
    assert names["pc-c.mp4"] not in running and running
    grid.bookmarks.button.click()
    qtbot.waitUntil(lambda: len(ann.bookmarks.list()) == 1 + len(running), timeout=WAIT)
    latest = {m.group_id for m in ann.bookmarks.list()} - {ann.bookmarks.list(
        s.clock.get(names["pc-c.mp4"]).recording_id)[0].group_id}
    assert {s.clock.get(m.recording_id).key for m in ann.bookmarks.list() if m.group_id in latest} == set(running)


def test_a_grid_bookmark_shows_in_each_recordings_single_view(qtbot, grid):
    s, window = grid.session, grid.parent()
    s.seek(30.0)
    wait_settled(qtbot, grid)
    shown = {k: s.tiles[k].shown.index for k in s.keys}
    grid.bookmarks.add()
    ann = window.f.annotate
    qtbot.waitUntil(lambda: len(ann.annotations.bookmarks.list()) == 4, timeout=WAIT)
    key = keys_by_name(s)["pc-b.mp4"]
    open_in(qtbot, window, window.library.get(s.clock.get(key).recording_id))
    qtbot.waitUntil(lambda: [i for i, _b in ann.bookmark_lane.markers()] == [shown[key]], timeout=WAIT)


def test_lanes_draw_each_recordings_marks_at_their_incident_time_and_a_pin_click_seeks_to_it(qtbot, grid):
    s, lanes, lib = grid.session, grid.lanes, grid.parent().library
    qtbot.waitUntil(lambda: lanes.isVisible() and lanes.width() > 300, timeout=WAIT)
    names = keys_by_name(s)
    c, a = names["pc-c.mp4"], names["pc-a.mp4"]
    p = s.clock.get(c)
    pts = p.table.pts_of
    ann = Annotations(lib)
    ann.add_bookmark(p.recording_id, pts(400), "on pc-c")
    ann.add_clip(p.recording_id, pts(100), pts(250), "approach", "training")
    box = ((9.0, 9.0), (60.0, 60.0))
    MaskStore(lib).save_track(p.recording_id, MaskTrack(ShapeKind.RECT, (
        Keyframe(pts(500), box), Keyframe(pts(700), box, hidden=True)), reason="bystander"))
    qtbot.waitUntil(lambda: lanes.marks_of(c) is not None and all(
        (lanes.marks_of(c).bookmarks, lanes.marks_of(c).clips, lanes.marks_of(c).masks)), timeout=WAIT)
    t = s.clock.time_of_frame
    (m0, m1), = lanes.marks_of(c).masks
    assert (m0, m1) == (t(c, 500), t(c, 699))  # hidden at 700: redacts up to the frame before
    img = lanes.grab().toImage()
    r, ra = lanes.lane_rect(c), lanes.lane_rect(a)
    x_pin = lanes.x_of(t(c, 400))
    assert near(img, x_pin, r.top() + 3, MARKER) and not near(img, x_pin, ra.top() + 3, MARKER)
    assert near(img, lanes.x_of((t(c, 100) + t(c, 250)) / 2), r.center().y(), CLIP)
    assert near(img, lanes.x_of((t(c, 500) + t(c, 699)) / 2), r.bottom() - 2, ACTIVE)
    assert not near(img, lanes.x_of(t(c, 450)), r.bottom() - 2, ACTIVE)

    drawn = lanes.layers_drawn  # playing and seeking move the playhead only: the marks are not drawn again
    for when in (20.0, 25.0, 30.0):
        s.seek(when)
        lanes.repaint()
    assert lanes.layers_drawn == drawn

    s.set_focus(a)
    qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(int(round(x_pin)), int(r.top() + 4)))
    wait_settled(qtbot, grid)
    d = s.tiles[c].shown
    assert s.focus == c and d.index == 400 and framecode.read(d.rgb) == 400
    check_all_tiles(grid)  # the others followed to their frame at that instant


def test_ctrl_m_in_the_grid_asks_a_title_category_and_note_for_every_cameras_bookmark(qtbot, grid):
    s, window = grid.session, grid.parent()
    s.seek(31.0)
    wait_settled(qtbot, grid)
    frames = {s.clock.get(k).recording_id: s.tiles[k].shown.index for k in s.keys}
    grid.activateWindow()
    qtbot.waitActive(grid)
    qtbot.keyClick(grid, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: grid.bookmarks.dialog is not None and grid.bookmarks.dialog.isVisible(), timeout=WAIT)
    d = grid.bookmarks.dialog
    s.seek(40.0)  # the frames are those on screen when the key was pressed, not when the dialog is answered
    d.title.setText("PC B shouts")
    d.category.setCurrentText("evidence")
    d.note.setPlainText("every camera")
    d.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    ann = window.f.annotate.annotations
    qtbot.waitUntil(lambda: len(ann.bookmarks.list()) == 4, timeout=WAIT)
    got = {m.recording_id: (s.clock.get(m.recording_id).table.index_of_pts(m.pts), m.title, m.category, m.note)
           for m in ann.bookmarks.list()}
    assert got == {rid: (i, "PC B shouts", "evidence", "every camera") for rid, i in frames.items()}
