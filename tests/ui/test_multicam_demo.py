"""On a fresh home the first-run demo incident opens in the grid (issue 13, Done means): two cameras of the same
street, the second placed where its own clock (6.28 s fast) puts it until the incident is aligned."""

from __future__ import annotations

import pytest

from reviewer.demo import DEMO_INCIDENT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui import first_run
from ui.multicam.tile import NO_FOOTAGE


def test_the_first_run_demo_incident_opens_in_the_grid(qtbot, window):
    op = first_run.maybe_generate_demo(window, seconds=1.0)  # short clips: the real ones are 75 s and 30 s
    qtbot.waitUntil(lambda: op.finished, timeout=120_000)
    assert (DEMO_INCIDENT, 2) in window.library.incidents()  # offered by File > Open incident in grid
    feature = window.f.multicam
    feature.open_incident(DEMO_INCIDENT, reason="demo")
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    grid = feature.grid
    s = grid.session
    names = {s.camera_name(k).split("_")[0]: k for k in s.keys}
    assert sorted(names) == ["AXN-BWV-4417", "AXN-BWV-4432"]
    first, second = names["AXN-BWV-4417"], names["AXN-BWV-4432"]
    assert s.clock.start(second) - s.clock.start(first) == pytest.approx(42.28, abs=1e-3)  # 36 s + its clock error
    assert s.tiles[first].shown.index == 0 and grid.tiles[second].label().endswith(NO_FOOTAGE)
    grid.close()
