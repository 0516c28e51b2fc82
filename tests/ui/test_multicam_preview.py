"""The grid shows each camera redacted by its own masks, as the single player's preview does (and the export
will), and a toggle shows the originals: a reviewer comparing angles sees what a recipient would see."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import INCIDENT, scene_paths  # noqa: F401 - fixture

pytestmark = pytest.mark.gui

BOX = (120, 40, 230, 120)  # x0, y0, x1, y1 in stored pixels, clear of the burned-in frame code


def _inside(rgb: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = BOX
    return rgb[y0 + 4:y1 - 4, x0 + 4:x1 - 4].astype(int)


def test_tiles_show_each_cameras_masks_and_the_toggle_shows_the_originals(qtbot, window, scene_paths):
    lib = window.library
    assert not lib.import_paths(list(scene_paths.values())[:2], incident=INCIDENT).errors
    masked, plain = lib.recordings(incident=INCIDENT)[:2]
    table = lib.open_recording(masked.id, reason="setup").table
    x0, y0, x1, y1 = BOX
    MaskStore(lib).save_track(masked.id, MaskTrack(
        ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((float(x0), float(y0)), (float(x1), float(y1)))),),
        Effect(EffectKind.SOLID), label="bystander", reason="third-party face"))

    feature = window.f.multicam
    feature.open_incident(INCIDENT, reason="preview test")
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    grid, s = feature.grid, feature.grid.session
    s.seek(s.clock.time_of_frame(masked.sha256, 40))
    tiles = s.tiles

    def shown(key, processed: bool):
        d = tiles[key].shown
        return d is not None and d.exact and d.processed is processed and d.index == s.clock.frame_at(key, s.time).index

    assert grid.preview_button.isEnabled() and grid.preview_button.isChecked()  # on by default, as the player's
    qtbot.waitUntil(lambda: shown(masked.sha256, True) and shown(plain.sha256, False), timeout=60_000)
    on = tiles[masked.sha256].shown.rgb.copy()
    inside = _inside(on)
    assert (inside == inside[0, 0]).all()  # the solid fill, one colour over the whole mask
    assert framecode.read(on) == tiles[masked.sha256].shown.index  # the frame is still the clock's

    grid.preview_button.setChecked(False)
    qtbot.waitUntil(lambda: shown(masked.sha256, False), timeout=60_000)
    off = tiles[masked.sha256].shown.rgb
    assert not (_inside(off) == inside[0, 0]).all()  # the original picture under the mask
    outside = np.ones(off.shape[:2], bool)
    outside[y0 - 2:y1 + 2, x0 - 2:x1 + 2] = False
    assert np.abs(off.astype(int) - on.astype(int))[outside].max() <= 3  # nothing else changed
    grid.close()


def test_a_mask_added_while_the_grid_is_open_reaches_its_tile(qtbot, window, scene_paths):
    lib = window.library
    assert not lib.import_paths(list(scene_paths.values())[:2], incident=INCIDENT).errors
    view = lib.recordings(incident=INCIDENT)[0]
    feature = window.f.multicam
    feature.open_incident(INCIDENT, reason="preview test")
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    grid, s = feature.grid, feature.grid.session
    assert not grid.preview_button.isEnabled()  # nothing to redact yet
    s.seek(s.clock.time_of_frame(view.sha256, 40))
    qtbot.waitUntil(s.settled, timeout=60_000)
    assert not s.tiles[view.sha256].shown.processed

    table = s.sources[view.sha256].table
    x0, y0, x1, y1 = BOX
    MaskStore(lib).save_track(view.id, MaskTrack(  # as an edit in the player, or a sync, would store it
        ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((float(x0), float(y0)), (float(x1), float(y1)))),),
        Effect(EffectKind.SOLID), label="bystander", reason="third-party face"))
    qtbot.waitUntil(lambda: (d := s.tiles[view.sha256].shown) is not None and d.processed and d.exact,
                    timeout=60_000)
    inside = _inside(s.tiles[view.sha256].shown.rgb)
    assert (inside == inside[0, 0]).all() and grid.preview_button.isEnabled()
    grid.close()
