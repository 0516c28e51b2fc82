"""The main window on a 1366x768 laptop (about 728 px under its panel): the right-hand docks become one tab group,
and the whole window, transport included, fits on the screen. On a taller screen nothing moves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint

from ui.screen_fit import fit_short_screen
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
LAPTOP_H = 728  # 768 px less a desktop panel


def test_on_a_short_screen_the_right_hand_docks_join_one_tab_group_and_the_transport_fits(qtbot, window):
    docks = window.docks
    assert window.minimumSizeHint().height() > LAPTOP_H  # as built, the window is taller than the laptop's screen
    assert fit_short_screen(window, LAPTOP_H)
    group = set(window.tabifiedDockWidgets(docks["annotationsDock"]))
    assert {docks["auditDock"], docks["infoDock"], docks["masksDock"]} <= group
    assert docks["transportDock"] not in group and docks["timelineDock"] not in group
    assert window.minimumSizeHint().height() <= LAPTOP_H

    window.resize(1366, LAPTOP_H)
    qtbot.waitUntil(lambda: window.height() == LAPTOP_H, timeout=WAIT)
    transport = docks["transportDock"]
    qtbot.waitUntil(lambda: transport.isVisible() and transport.height() > 0, timeout=WAIT)
    bottom = transport.mapTo(window, QPoint(0, transport.height())).y()
    assert bottom <= window.height()  # the transport is on the screen, not below it
    assert not docks["annotationsDock"].visibleRegion().isEmpty()  # the tab in front is the annotations


def test_on_a_tall_screen_nothing_moves(qtbot, window):
    docks = window.docks
    before = set(window.tabifiedDockWidgets(docks["annotationsDock"]))
    assert not fit_short_screen(window, 2000)
    assert set(window.tabifiedDockWidgets(docks["annotationsDock"])) == before
    assert docks["auditDock"] not in before
