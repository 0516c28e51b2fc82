"""Opening store footage shows the Downloads dock. Stacked under the annotations on a 1600x1000 screen it got a
sliver: the header of its list and no row, so a download waiting on a dead store said nothing at all. It opens as a
tab beside the annotations, raised, with its rows in sight, and the window keeps its size (the Conflicts dock too)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QTreeWidgetItem

from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("which", ["downloads", "conflicts"])
def test_sync_docks_open_as_tabs_with_room_for_their_rows(qtbot, window, make_clip, tmp_path, which):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    window.resize(1472, 920)  # what the app opens at on a 1600x1000 screen
    qtbot.waitUntil(lambda: window.height() == 920, timeout=WAIT)
    f = window.f.sync
    panel, dock = (f.downloads, f.downloads_dock) if which == "downloads" else (f.conflicts, f.conflicts_dock)
    f.show_downloads() if which == "downloads" else f.show_conflicts()
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=WAIT)
    # the main window's layout settles: activate() does any pending relayout (a window that must grow to fit a
    # stacked dock grows then) and says False once there is nothing left to do
    qtbot.waitUntil(lambda: not window.layout().activate(), timeout=WAIT)
    assert window.height() == 920, f"the window grew to {window.height()} px"
    assert dock in window.tabifiedDockWidgets(window.docks["annotationsDock"])
    if which == "downloads":
        panel.tree.addTopLevelItem(QTreeWidgetItem(["AXN-BWV-4417.mp4", "", "Failed: the store is unreachable"]))
        row = panel.tree.visualItemRect(panel.tree.topLevelItem(0))
        seen = panel.tree.viewport().height()
        assert row.height() > 0 and row.top() >= 0 and row.bottom() < seen, f"the row is out of sight ({seen} px)"
