"""The first export shows the Exports dock. Stacked under the annotations it made the right column taller than the
window, and the window grew past the bottom of a 1600x1000 screen: the transport and the status bar were off-screen.
It opens as a tab beside the annotations, raised, and the window keeps its size."""

from __future__ import annotations

import pytest

from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip

pytestmark = pytest.mark.gui


def test_the_first_export_shows_its_dock_without_growing_the_window(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    window.resize(1472, 920)  # what the app opens at on a 1600x1000 screen
    qtbot.waitUntil(lambda: window.height() == 920, timeout=WAIT)
    f = window.f.export
    f.reveal()
    qtbot.waitUntil(lambda: f.panel.isVisible(), timeout=WAIT)
    # the main window's layout settles: activate() does any pending relayout (a window that must grow to fit a
    # stacked dock grows then) and says False once there is nothing left to do
    qtbot.waitUntil(lambda: not window.layout().activate(), timeout=WAIT)
    assert window.height() == 920, f"the window grew to {window.height()} px"
    assert window.minimumSizeHint().height() <= 920
    assert window.docks["transportDock"].isVisible()
    annotations = window.docks["annotationsDock"]
    assert f.dock in window.tabifiedDockWidgets(annotations)  # one click away, not stacked under them
