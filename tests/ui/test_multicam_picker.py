"""Ctrl+Shift+G asks which incident to show: only incidents with two or more recordings are offered, in a picker
wide enough to read its title and references, and the chosen one opens in the grid."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from tests.fixtures import framecode
from tests.ui.annotate_helpers import open_in, seek
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import INCIDENT, scene_paths  # noqa: F401 - fixture

pytestmark = pytest.mark.gui


def test_the_picker_offers_incidents_with_two_recordings_and_opens_the_chosen_one(qtbot, window, scene_paths):
    lib = window.library
    paths = list(scene_paths.values())
    assert not lib.import_paths(paths[:2], incident=INCIDENT).errors
    assert not lib.import_paths(paths[2:3], incident="INC-ALONE").errors
    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(50, answer)
            return
        seen.update(items=dialog.comboBoxItems(), width=dialog.width(), title=dialog.windowTitle(), minw=dialog.minimumWidth())
        dialog.setTextValue(INCIDENT)
        dialog.accept()

    QTimer.singleShot(0, answer)
    feature = window.f.multicam
    window.open_reason = lambda _rid, go: go("picker test")  # the reason is asked by its own dialog elsewhere
    feature.choose_incident()
    assert seen["items"] == [INCIDENT]  # the incident with one recording cannot be shown side by side
    assert seen["title"] == "Open incident in grid" and seen["width"] >= 380, seen
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    assert len(feature.grid.session.tiles) == 2
    feature.grid.close()


def test_from_a_recording_of_the_incident_the_grid_starts_on_it_at_the_frame_the_player_shows(qtbot, window,
                                                                                                scene_paths):
    lib = window.library
    assert not lib.import_paths(list(scene_paths.values())[:2], incident=INCIDENT).errors
    view = lib.recordings(incident=INCIDENT)[1]
    window.open_reason = lambda _rid, go: go("picker test")
    open_in(qtbot, window, view)
    seek(qtbot, window, 137)

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(50, answer)
            return
        answer.chosen = dialog.textValue()
        dialog.accept()

    QTimer.singleShot(0, answer)
    feature = window.f.multicam
    feature.choose_incident()
    assert answer.chosen == INCIDENT
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    s = feature.grid.session
    assert s.focus == view.sha256
    assert s.clock.frame_at(view.sha256, s.time).index == 137
    d = s.tiles[view.sha256].shown
    assert d.exact and framecode.read(d.rgb) == 137  # the picture itself, by its burned-in code
    feature.grid.close()


def test_a_narrow_tile_keeps_its_frame_number_and_camera_time_and_shortens_the_name(qtbot, window, scene_paths):
    lib = window.library
    assert not lib.import_paths(list(scene_paths.values())[:2], incident=INCIDENT).errors
    feature = window.f.multicam
    feature.open_incident(INCIDENT, reason="label test")
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    key = feature.grid.session.keys[0]
    tile = feature.grid.tiles[key]
    metrics = tile.fontMetrics()
    full = tile.label()
    name = feature.grid.session.camera_name(key)
    rest = full[len(name):]  # " — frame N — camera time"
    width = metrics.horizontalAdvance(rest) + metrics.horizontalAdvance("ab…yz")
    fitted = tile.fitted_label(metrics, width)
    assert fitted.endswith(rest) and metrics.horizontalAdvance(fitted) <= width
    assert "…" in fitted and fitted[0] == name[0]
    assert tile.fitted_label(metrics, 10_000) == full  # room enough: nothing shortened
    feature.grid.close()
