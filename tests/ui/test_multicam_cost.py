"""The grid's cost (issue 13 s.3): one memory budget across all tiles, play frames scaled down to the tile, and a
paused tile always the exact full-resolution picture. Pictures are checked by the frame code burned into each."""

from __future__ import annotations

import os
import time

import numpy as np
from PySide6.QtCore import QTimer

from reviewer.media.frame_reader import FrameReader
from tests.fixtures import framecode, scenes
from tests.ui.shell import import_and_wait, library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import check_all_tiles, grid, scene_paths, wait_settled  # noqa: F401 - fixtures
from ui.multicam import session as session_module
from ui.multicam.session import GridSession
from ui.multicam.tile import LABEL_BAR
from ui.player.image import rgb_from_qimage

SMALL_BUDGET = 4 * 1024 * 1024  # a few frames per tile at the scene's 256x144, so the bound is reached


class Sampler:
    """Reads what the session's decoders hold every millisecond the UI thread is free, the whole test long."""

    def __init__(self, session):
        self.session = session
        self.samples: list[int] = []
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(lambda: self.samples.append(session.held_bytes()))
        self.timer.start()

    def stop(self) -> list[int]:
        self.timer.stop()
        return self.samples


def tiles_exact(session) -> None:
    """Every running tile shows its clock frame in full, its code saying so."""
    for key, tile in session.tiles.items():
        want = session.clock.frame_at(key, session.time).index
        if want is not None:
            assert tile.shown.pixels.shape[:2] == (scenes.HEIGHT, scenes.WIDTH) and not tile.shown.reduced
            assert framecode.read(tile.shown.rgb) == want


def test_four_tiles_hold_one_budget_between_them_while_playing_seeking_and_stepping(qtbot, grid):
    s = GridSession(grid.session.clock, grid.session.sources, budget_bytes=SMALL_BUDGET)
    try:
        assert len(s.tiles) == 4
        qtbot.waitUntil(lambda: all(t.worker._reader is not None for t in s.tiles.values()), timeout=30_000)
        threads = {t.worker._reader._stream.codec_context.thread_count for t in s.tiles.values()}
        assert threads == {max(1, (os.cpu_count() or 1) // 4)}  # the decoders share the cores between them
        sampler = Sampler(s)
        for t in (30.0, 12.0, 48.0):
            s.seek(t)
            qtbot.waitUntil(s.settled, timeout=60_000)
            tiles_exact(s)
            t0 = s.time
            s.play()
            qtbot.waitUntil(lambda: s.time > t0 + 2.0, timeout=30_000)
            s.pause()
            qtbot.waitUntil(s.settled, timeout=60_000)
            tiles_exact(s)
            for _ in range(5):
                s.step(-1)
            qtbot.waitUntil(s.settled, timeout=60_000)
            tiles_exact(s)
        samples = sampler.stop()
        assert len(samples) > 200
        assert max(samples) <= SMALL_BUDGET
        assert max(samples) > SMALL_BUDGET // 2  # the caches did fill: the bound was what held them
        assert sum(t.stats.shown for t in s.tiles.values()) > 100  # they played meanwhile
    finally:
        s.close()


def test_playing_tiles_are_scaled_to_their_size_and_a_paused_tile_is_the_exact_full_picture(qtbot, grid):
    s = grid.session
    grid.resize(640, 400)  # tiles lower than the 144-pixel pictures
    qtbot.waitUntil(lambda: all(t.height() - LABEL_BAR < scenes.HEIGHT for t in grid.tiles.values()),
                    timeout=10_000)
    s.seek(30.0)  # every camera running
    wait_settled(qtbot, grid)
    check_all_tiles(grid)

    played: list[tuple[str, object]] = []
    painted: dict[str, tuple[object, np.ndarray]] = {}

    def on_tile(key: str) -> None:
        if s.playing:
            played.append((key, s.tiles[key].shown))
            if key not in painted and s.tiles[key].shown is not None:  # what the tile paints, once per tile
                painted[key] = (s.tiles[key].shown, rgb_from_qimage(grid.tiles[key].grab().toImage()))

    s.tileChanged.connect(on_tile)
    t0 = s.time
    s.play()
    qtbot.waitUntil(lambda: s.time > t0 + 1.5 and {k for k, _ in played} == set(s.keys), timeout=30_000)
    s.pause()
    frames = [(k, d) for k, d in played if d is not None]
    assert len(frames) > 40
    for key, d in frames:  # every play frame: smaller than the recording, fits its tile, and names its own frame
        tile = grid.tiles[key]
        h, w = d.pixels.shape[:2]
        assert d.reduced and w < scenes.WIDTH and h <= tile.height() - LABEL_BAR, (w, h, tile.size())
        assert abs(w / h - scenes.WIDTH / scenes.HEIGHT) < 0.05
        assert framecode.read(d.rgb, width=scenes.WIDTH) == d.index
    for key, (d, screen) in painted.items():  # drawn pixel for pixel, centred in the picture area
        h, w = d.pixels.shape[:2]
        x = round((screen.shape[1] - w) / 2)
        y = round((screen.shape[0] - LABEL_BAR - h) / 2)
        shown = screen[y:y + h, x:x + w]
        # inside the focused tile's blue frame
        assert np.array_equal(shown[4:-4, 4:-4], d.rgb[4:-4, 4:-4]), s.camera_name(key)

    wait_settled(qtbot, grid)
    check_all_tiles(grid)  # full resolution, the clock's frame, the scene's true frame, the label
    for key, tile in s.tiles.items():  # the picture handed to the tile is the core reader's frame, pixel for pixel
        src = s.sources[key]
        with FrameReader(src.path, src.table) as reader:
            truth = reader.frame(tile.shown.index).rgb()
        assert np.array_equal(rgb_from_qimage(tile.shown.image), truth), s.camera_name(key)

    s.step(1)
    wait_settled(qtbot, grid)
    check_all_tiles(grid)
    s.seek(45.0)
    wait_settled(qtbot, grid)
    check_all_tiles(grid)


class SlowSource:
    """A recording whose decoder takes 40 ms a frame (slower than its frame rate, as four 1080p decoders sharing
    two cores): what a play that starts before the pictures are ready would show late."""

    def __init__(self, source):
        self._source = source

    def __getattr__(self, name):
        return getattr(self._source, name)

    def reader(self, cache_bytes, **kwargs):
        return SlowReader(self._source.reader(cache_bytes=cache_bytes, **kwargs))


class SlowReader:
    def __init__(self, reader):
        self._reader = reader

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def frame(self, index):
        # the decoder under test, slower than real time: this runs on the tile's decode thread, and the test
        # itself waits on conditions (qtbot.waitUntil), never on this
        time.sleep(0.04)
        return self._reader.frame(index)


def test_play_starts_once_every_tile_has_its_first_frames_so_none_of_them_is_dropped(qtbot, grid, monkeypatch):
    monkeypatch.setattr(session_module, "PREROLL_MAX_S", 120.0)  # a loaded test machine may take long to warm up
    sources = {k: SlowSource(src) for k, src in grid.session.sources.items()}
    s = GridSession(grid.session.clock, sources)
    try:
        s.seek(30.0)
        qtbot.waitUntil(s.settled, timeout=60_000)
        at_start = {k: s.clock.frame_at(k, s.time).index for k in s.keys}
        first: dict[str, int] = {}

        def shown(key: str) -> None:
            d = s.tiles[key].shown
            if s.playing and d is not None:
                first.setdefault(key, d.index)

        s.tileChanged.connect(shown)
        s.play()
        qtbot.waitUntil(lambda: len(first) == len(s.keys), timeout=30_000)
        s.pause()
        assert first == at_start  # each camera's play begins with the frame that was paused on screen
        assert all(t.stats.dropped == 0 for t in s.tiles.values())
        qtbot.waitUntil(s.settled, timeout=60_000)
        tiles_exact(s)
    finally:
        s.close()


def test_a_decoder_slower_than_real_time_still_shows_its_frames_and_keeps_near_the_clock(qtbot, grid):
    sources = {k: SlowSource(src) for k, src in grid.session.sources.items()}
    s = GridSession(grid.session.clock, sources)
    try:
        s.seek(30.0)  # every camera running
        qtbot.waitUntil(s.settled, timeout=60_000)
        shown: dict[str, list[tuple[float, int]]] = {k: [] for k in s.keys}

        def on_tile(key: str) -> None:
            d = s.tiles[key].shown
            if s.playing and d is not None:
                assert framecode.read(d.rgb) == d.index  # whatever is shown names its own frame
                shown[key].append((s.time, d.index))

        s.tileChanged.connect(on_tile)
        s.play()
        qtbot.waitUntil(lambda: s.time > 34.0, timeout=60_000)
        s.pause()
        for key, seen in shown.items():
            late = [s.clock.frame_at(key, t).index - i for t, i in seen if t > 31.0]
            name = s.camera_name(key)
            assert len(late) >= 6, f"{name}: {len(late)} frames shown in 3 s of play"  # not frozen
            assert max(late) <= 60, f"{name}: {max(late)} frames behind the clock"  # within a GOP or so
        assert sum(t.worker.jumped for t in s.tiles.values()) > 0  # it skipped what was already past
        qtbot.waitUntil(s.settled, timeout=60_000)
        tiles_exact(s)
    finally:
        s.close()


def test_the_focus_only_layout_decodes_only_the_focused_tile_while_playing(qtbot, grid):
    s = grid.session
    s.seek(30.0)  # every camera running
    wait_settled(qtbot, grid)
    focus = s.focus
    hidden = [k for k in s.keys if k != focus]
    grid.set_single_focus(True)
    qtbot.waitUntil(lambda: not any(s.tiles[k].visible for k in hidden), timeout=10_000)
    before = {k: t.stats.shown for k, t in s.tiles.items()}
    t0 = s.time
    s.play()
    qtbot.waitUntil(lambda: s.time > t0 + 1.5, timeout=30_000)
    assert all(s.tiles[k].worker.run_finished() and s.tiles[k].worker.ready_count() == 0 for k in hidden)
    s.pause()
    assert s.tiles[focus].stats.shown > before[focus] + 10
    assert all(s.tiles[k].stats.shown == before[k] for k in hidden)
    wait_settled(qtbot, grid)
    check_all_tiles(grid)  # paused, the hidden tiles too are at their exact frame, ready to be shown

    grid.set_single_focus(False)
    qtbot.waitUntil(lambda: all(t.visible for t in s.tiles.values()), timeout=10_000)
    before = {k: t.stats.shown for k, t in s.tiles.items()}
    t0 = s.time
    s.play()
    qtbot.waitUntil(lambda: s.time > t0 + 1.5 and all(t.stats.shown > before[k] + 10 for k, t in s.tiles.items()),
                    timeout=30_000)
    s.pause()
    wait_settled(qtbot, grid)
    check_all_tiles(grid)
