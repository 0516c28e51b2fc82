"""The open grid follows its incident's clock (ui/multicam/clock_follow.py): an offset changed while the grid is
open (in the single view, by an undo or by a sync: each announces clock_changed) moves that camera's tile and
lane at once; the focused camera stays on its frame. Checked by the burned-in frame codes."""

from __future__ import annotations

import pytest

from reviewer.incident.service import IncidentClocks
from tests.fixtures import framecode
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import CAMS, check_all_tiles, grid, scene_paths, wait_settled  # noqa: F401

pytestmark = pytest.mark.gui

SHIFT_US = 2_000_000  # the camera placed 2 s later on the incident clock


def test_an_offset_changed_while_the_grid_is_open_moves_that_camera_at_once(qtbot, grid):
    s, window = grid.session, grid.parent()
    s.seek(30.0)  # every camera running
    wait_settled(qtbot, grid)
    before = check_all_tiles(grid)
    focus = s.focus
    other = next(k for k in s.keys if k != focus)
    name, focus_name = CAMS[s.camera_name(other)].name, CAMS[s.camera_name(focus)].name
    p = s.clock.get(other)
    lane_start = grid.lanes.x_of(s.clock.start(other))
    layers = grid.lanes.layers_drawn
    clocks = IncidentClocks(window.library)

    version = s.clock_version
    clocks.set_offset(p.recording_id, p.offset_us + SHIFT_US, drift_ppm=p.drift_ppm)
    qtbot.waitUntil(lambda: s.clock_version == version + 1, timeout=WAIT)
    wait_settled(qtbot, grid)
    assert s.clock.get(other).offset_us == p.offset_us + SHIFT_US
    # the focused camera did not move; the other now shows the frame 2 s earlier in its own recording
    assert framecode.read(s.tiles[focus].shown.rgb) == before[focus_name]
    moved = framecode.read(s.tiles[other].shown.rgb)
    assert moved == s.clock.frame_at(other, s.time).index
    fps = s.clock.get(other).table.frame_count / s.clock.get(other).table.duration
    assert abs((before[name] - moved) - SHIFT_US / 1e6 * fps) <= 2, (before[name], moved, fps)
    assert f"frame {moved} " in grid.tiles[other].label()
    # its lane starts 2 s later, drawn again for the new clock
    grid.lanes.grab()
    assert grid.lanes.layers_drawn > layers
    assert grid.lanes.x_of(s.clock.start(other)) > lane_start

    # back to the true offset: every tile is the scene's true frame at the grid's instant again (check_all_tiles),
    # the focused one still on its frame (the instant is now that frame's start, so a neighbour may be one earlier)
    clocks.set_offset(p.recording_id, p.offset_us, drift_ppm=p.drift_ppm)
    qtbot.waitUntil(lambda: s.clock_version == version + 2, timeout=WAIT)
    wait_settled(qtbot, grid)
    after = check_all_tiles(grid)
    assert after[focus_name] == before[focus_name] and all(v is not None for v in after.values())
