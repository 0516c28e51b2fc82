"""The synchronised grid (issue 13 s.3): every tile shows the exact frame of its recording at the incident time,
read from the frame code burned into each decoded picture and checked against the scene's ground truth."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from reviewer.incident.service import IncidentClocks
from tests.fixtures import framecode, scenes
from tests.ui.shell import import_and_wait, library, make_window, settings, window  # noqa: F401 - fixtures
from ui.multicam.tile import NO_FOOTAGE

SCENE = scenes.STREET  # four cameras: 25, 29.97, 30 fps and VFR, clocks up to 20 s out, drift up to 50 ppm
INCIDENT = "INC-GRID-1"
CAMS = {f"{c.name}.mp4": c for c in SCENE.cameras}


@pytest.fixture(scope="session")
def scene_paths(clip_dir) -> dict[str, Path]:
    return scenes.render(SCENE, clip_dir / "scenes")


def true_frame(cam: scenes.Camera, world: float) -> int | None:
    """The frame the camera was showing at world time `world`, from the generator's own pts (not the app's)."""
    pts, tb = scenes.frame_pts(cam)
    media = cam.media_time(world)
    if media < 0 or media >= cam.seconds:
        return None
    return bisect.bisect_right([p * tb for p in pts], media) - 1


@pytest.fixture
def grid(qtbot, window, scene_paths):
    lib = window.library
    report = lib.import_paths(list(scene_paths.values()), incident=INCIDENT)
    assert not report.errors, report.errors
    clocks = IncidentClocks(lib)
    for p in clocks.clock(INCIDENT).placements:  # the true offsets and drifts, as an accepted alignment gives
        cam = CAMS[p.file_name]
        clocks.set_offset(p.recording_id, int(round(-cam.clock_error * 1e6)), drift_ppm=cam.drift_ppm)
    feature = window.f.multicam
    feature.open_incident(INCIDENT, reason="grid test")
    qtbot.waitUntil(lambda: feature.grid is not None and feature.grid.session.settled(), timeout=60_000)
    yield feature.grid
    feature.grid.close()


def world_of(session, t: float) -> float:
    """Incident time -> scene world time: the incident origin is the earliest camera start its sidecar claims."""
    origin = min(c.true_start + c.clock_error for c in SCENE.cameras)
    return t + origin


def check_all_tiles(grid) -> dict[str, int | None]:
    """Every tile: its picture's burned-in code is the clock's frame and the scene's true frame; its label names
    that frame; an uncovered tile shows no picture and says so."""
    s = grid.session
    seen = {}
    for key, tile in s.tiles.items():
        cam = CAMS[s.camera_name(key)]
        want = s.clock.frame_at(key, s.time).index
        # the truth within 20 us (the sidecar's and offsets' microsecond rounding), far inside any frame: a step
        # lands exactly on the focused frame's start, where another camera's frame may change at the same instant
        w = world_of(s, s.time)
        truth = {true_frame(cam, w - 2e-5), true_frame(cam, w + 2e-5)}
        assert want in truth, (cam.name, s.time, want, truth)
        label = grid.tiles[key].label()
        if want is None:
            assert tile.shown is None and label.endswith(NO_FOOTAGE), (cam.name, label)
        else:
            d = tile.shown
            assert d.exact and d.pixels.shape[:2] == (scenes.HEIGHT, scenes.WIDTH)  # full resolution
            assert framecode.read(d.rgb) == want, (cam.name, s.time)
            assert f"frame {want} " in label, label
        seen[cam.name] = want
    return seen


def wait_settled(qtbot, grid):
    qtbot.waitUntil(lambda: not grid.session.playing and grid.session.settled(), timeout=60_000)


def test_every_tile_shows_its_exact_frame_after_open_seek_step_and_play(qtbot, grid):
    s = grid.session
    assert len(grid.tiles) == 4 and s.cache_share * 4 <= 192 * 1024 * 1024  # one budget across the grid
    first = check_all_tiles(grid)
    assert sum(v is None for v in first.values()) >= 1  # the incident starts before some cameras do

    s.seek(30.0)  # every camera running
    wait_settled(qtbot, grid)
    mid = check_all_tiles(grid)
    assert all(v is not None for v in mid.values())

    focus = s.focus
    s.step(1)
    wait_settled(qtbot, grid)
    stepped = check_all_tiles(grid)
    assert stepped[CAMS[s.camera_name(focus)].name] == mid[CAMS[s.camera_name(focus)].name] + 1

    # a 25 fps focus stepped back: the 30 fps tile follows to its frame at that instant
    pc_a = next(k for k in s.keys if s.camera_name(k) == "pc-a.mp4")
    s.set_focus(pc_a)
    before = s.clock.frame_at(pc_a, s.time).index
    for _ in range(3):
        s.step(-1)
    wait_settled(qtbot, grid)
    assert check_all_tiles(grid)["pc-a"] == before - 3

    t0 = s.time
    s.play()
    qtbot.waitUntil(lambda: s.time > t0 + 1.0, timeout=30_000)
    s.pause()
    wait_settled(qtbot, grid)
    check_all_tiles(grid)

    s.seek(s.clock.span()[1] - 0.5)  # near the end: cameras that stopped earlier say so
    wait_settled(qtbot, grid)
    end = check_all_tiles(grid)
    assert any(v is None for v in end.values())
    assert any(grid.tiles[k].label().endswith(NO_FOOTAGE) for k in s.keys)


def test_single_focus_layout_shows_the_focused_camera_only(qtbot, grid):
    s = grid.session
    other = s.keys[2]
    grid.tiles[other].clicked.emit(other)
    assert s.focus == other
    grid.set_single_focus(True)
    qtbot.waitUntil(lambda: grid.tiles[other].isVisible() and
                    not any(grid.tiles[k].isVisible() for k in s.keys if k != other), timeout=10_000)
    grid.set_single_focus(False)
    qtbot.waitUntil(lambda: all(grid.tiles[k].isVisible() for k in s.keys), timeout=10_000)


def test_opening_the_grid_verifies_and_audits_every_recording_with_one_reason(qtbot, grid):
    gov = grid.parent().library.gov
    ids = {src.view.id for src in grid.session.sources.values()}
    opens = gov.audit.events(action="recording.open")
    assert {(e.object_id, e.justification) for e in opens} == {(i, "grid test") for i in ids}
    assert {e.object_id for e in gov.audit.events(action="recording.view_start")} == ids
    assert gov.audit.events(action="recording.view_end") == []
    grid.close()
    assert {e.object_id for e in gov.audit.events(action="recording.view_end")} == ids


def test_an_incident_with_one_recording_is_refused_with_a_clear_message(qtbot, window, scene_paths):
    lib = window.library
    assert not lib.import_paths([scene_paths["pc-a"]], incident="INC-ONE").errors
    window.f.multicam.open_incident("INC-ONE", reason="grid test")
    qtbot.waitUntil(lambda: window.f.multicam.last_alert is not None, timeout=60_000)
    assert window.f.multicam.last_alert.text() == \
        "incident 'INC-ONE' has 1 recording; the grid needs 2 to 4"
    assert window.f.multicam.grid is None


class RecordingAudio:
    """Stands in for the sound device (none offscreen): records what the grid asks it to play."""

    def __init__(self):
        self.prepared: list[tuple[Path, float]] = []
        self.playing = False

    def prepare(self, path, origin_seconds, media_time, speed):
        self.prepared.append((Path(path), media_time))
        return True

    def begin(self):
        self.playing = True

    def stop(self):
        self.playing = False


def test_sound_comes_from_the_focused_tile_only_at_its_media_time(qtbot, grid):
    s = grid.session
    s.audio = audio = RecordingAudio()
    by_name = {s.camera_name(k): k for k in s.keys}
    s.set_focus(by_name["pc-b.mp4"])
    s.seek(30.0)
    wait_settled(qtbot, grid)
    s.play()
    qtbot.waitUntil(lambda: audio.playing, timeout=30_000)  # once every tile has its first frames decoded
    assert len(audio.prepared) == 1
    path, media = audio.prepared[0]
    assert path == s.sources[by_name["pc-b.mp4"]].path
    assert media == pytest.approx(s.clock.media_time(by_name["pc-b.mp4"], 30.0), abs=0.05)

    s.set_focus(by_name["pc-c.mp4"])  # while playing: the sound moves to the new focus, at its own media time
    assert audio.playing and audio.prepared[-1][0] == s.sources[by_name["pc-c.mp4"]].path
    assert audio.prepared[-1][1] == pytest.approx(s.clock.media_time(by_name["pc-c.mp4"], s.time), abs=0.05)
    s.pause()
    assert not audio.playing

    s.seek(s.clock.start(by_name["pc-c.mp4"]) - 1.0)  # the focused camera is not running yet: silence
    wait_settled(qtbot, grid)
    count = len(audio.prepared)
    s.play()
    assert not audio.playing and len(audio.prepared) == count
    qtbot.waitUntil(lambda: audio.playing, timeout=30_000)  # it starts recording a second later: sound with it
    assert audio.prepared[-1][0] == s.sources[by_name["pc-c.mp4"]].path and audio.prepared[-1][1] < 0.1
    s.pause()


def test_lanes_sit_at_each_recordings_offset_and_a_click_seeks_every_tile(qtbot, grid):
    s, lanes = grid.session, grid.lanes
    qtbot.waitUntil(lambda: lanes.isVisible() and lanes.width() > 300, timeout=10_000)
    by_name = {s.camera_name(k): k for k in s.keys}
    a, c = lanes.lane_rect(by_name["pc-a.mp4"]), lanes.lane_rect(by_name["pc-c.mp4"])
    # pc-c starts 9.5 s of world time after pc-a (its own clock says 21.4 s): the lanes show the truth
    per_second = (lanes.x_of(10.0) - lanes.x_of(0.0)) / 10.0
    assert (c.left() - a.left()) / per_second == pytest.approx(9.5, abs=0.05)
    x = lanes.x_of(35.0)
    y = c.center().y()
    qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    wait_settled(qtbot, grid)
    assert s.focus == by_name["pc-c.mp4"] and abs(s.time - 35.0) < 2 / per_second
    check_all_tiles(grid)


def test_keys_step_and_play_the_grid_and_closing_the_main_window_ends_it(qtbot, grid):
    s = grid.session
    grid.activateWindow()
    qtbot.waitActive(grid)
    s.seek(30.0)
    wait_settled(qtbot, grid)
    before = s.clock.frame_at(s.focus, s.time).index
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    wait_settled(qtbot, grid)
    assert check_all_tiles(grid)[CAMS[s.camera_name(s.focus)].name] == before + 1
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert s.playing
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    wait_settled(qtbot, grid)
    check_all_tiles(grid)
    gov = grid.parent().library.gov
    grid.parent().close()
    assert not grid.isVisible() and all(not t.worker.alive for t in s.tiles.values())
    assert len(gov.audit.events(action="recording.view_end")) == 4


def test_stepping_a_camera_that_has_not_started_goes_to_its_first_frame(qtbot, grid):
    s = grid.session
    pc_c = next(k for k in s.keys if s.camera_name(k) == "pc-c.mp4")
    s.set_focus(pc_c)
    s.seek(s.clock.start(pc_c) - 2.0)
    wait_settled(qtbot, grid)
    assert check_all_tiles(grid)["pc-c"] is None
    s.step(1)
    wait_settled(qtbot, grid)
    assert check_all_tiles(grid)["pc-c"] == 0


def test_an_incident_with_more_cameras_than_the_grid_holds_is_refused(qtbot, window, scene_paths, clip_dir):
    extra = scenes.render(scenes.STREET_WITH_MUTE, clip_dir / "scenes")["no-audio"]
    assert not window.library.import_paths([*scene_paths.values(), extra], incident="INC-FIVE").errors
    window.f.multicam.open_incident("INC-FIVE", reason="grid test")
    qtbot.waitUntil(lambda: window.f.multicam.last_alert is not None, timeout=60_000)
    assert window.f.multicam.last_alert.text() == \
        "incident 'INC-FIVE' has 5 recordings; the grid shows at most 4 in this version"
    assert window.library.gov.audit.events(action="recording.open") == []  # refused before any footage is read
