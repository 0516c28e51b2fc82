"""Ctrl+T on a laptop-sized window: the Masks panel is scrolled to its mask list, and the tracking progress and its
Cancel sit below the fold. Starting to track brings them into sight and says so in the status bar; before, the
user pressed Ctrl+T, saw nothing happen, pressed it again and was told "Tracking is already running"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect

from reviewer.redact.model import ShapeKind
from tests.fixtures.clips import make_moving_square, square_truth
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip

pytestmark = pytest.mark.gui


def in_sight(panel, widget) -> bool:
    vp = panel.viewport()
    return vp.rect().contains(QRect(widget.mapTo(vp, QPoint(0, 0)), widget.size()))


def test_tracking_progress_and_cancel_come_into_sight_when_tracking_starts(qtbot, window, clip_dir, tmp_path):
    open_clip(qtbot, window, make_moving_square(clip_dir), tmp_path, "square.mp4")
    window.resize(1366, 768)
    f, table = window.f.masks, window.controller.table
    x0, y0, x1, y1 = square_truth(0)
    track = f.session.editor.add_track(ShapeKind.RECT, int(table.pts[0]), ((x0, y0), (x1, y1)))
    f.session.select([track.id])
    panel = f.panel
    qtbot.waitUntil(lambda: f.dock.isVisible() and panel.viewport().height() > 0, timeout=WAIT)
    panel.verticalScrollBar().setValue(0)  # where the user left it: at the tools and the mask list
    f.tracking.limit = 100_000  # long enough to still be running when looked at

    window.actions_by_id["masks_track_forward"].trigger()
    assert f.tracking.running
    assert window.statusBar().currentMessage().startswith("Tracking forward from frame 0")
    qtbot.waitUntil(lambda: in_sight(panel, panel.track_cancel) and in_sight(panel, panel.track_progress),
                    timeout=WAIT)
    panel.track_cancel.click()
    qtbot.waitUntil(lambda: not f.tracking.running, timeout=WAIT)
