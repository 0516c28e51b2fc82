"""One transport for every recording of an incident: the incident time is the single truth, and each tile shows
the exact frame its recording presents at that time (IncidentClock.frame_at), or nothing when it is not running.

Each tile decodes on its own DecodeWorker thread (the player's own decode-ahead, so exactness and coalescing of
rapid steps are the same code). One memory budget (the single player's cache) covers the whole grid: each tile
gets an equal share for its reader's cache and its play queue together, so four tiles cost what one player
costs. Paused, every tile asks for its exact, full-resolution frame; playing, every tile runs forwards with its
frames scaled down to the tile's size on screen (cheaper to convert, queue and paint), and the presenter takes
the newest frame due at the incident clock mapped to that recording's media time, so a late tile drops frames
rather than drifting behind the others. Four decoders share the cores, so a tile's decoder may fall behind: it
then jumps over GOPs already in the past and, if it still cannot keep up, shows a late frame (labelled with its
own number) every quarter second rather than freezing (DecodeWorker catch_up).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer.incident.clock import IncidentClock
from reviewer.media.playback import PLAYER_CACHE_BYTES, Delivery, DecodeWorker
from ui.player.controller import PlaybackStats
from ui.player.image import qimage_from_pixels

GRID_BUDGET_BYTES = PLAYER_CACHE_BYTES  # the grid as a whole costs one player's decode cache
QUEUE_PART = 4  # a quarter of a tile's share holds its play queue, the rest its reader's cache of decoded frames
QUEUE_FRAMES = 8  # at most; the byte bound usually binds first, and the frames are scaled down to fit two
TICK_MS = 15
PREROLL_FRAMES = 3  # decoded ahead by every running tile before the clock starts (the player's figure)
PREROLL_MAX_S = 2.0  # never hold play longer than this for a slow tile: it drops frames instead
MAX_TILES = 4


@dataclass
class TileState:
    """What one tile shows: `index` None with no picture means "no footage at this time"."""

    key: str
    worker: DecodeWorker
    generation: int = 0
    running: bool = False  # a forward play run is started
    visible: bool = True  # on screen; a hidden tile (the focus-only layout) does not decode while playing
    wanted: int | None = None  # the frame the clock says should be on screen
    shown: Delivery | None = None  # the picture on screen (None: nothing)
    stats: PlaybackStats = field(default_factory=PlaybackStats)  # play frames shown and dropped, since open
    last_index: int = -1  # the last play frame shown in this run (drops are the gaps after it)


class GridSession(QObject):
    """Incident time, play state and the tiles' decoders. Qt only for the timer and the thread hop."""

    tileChanged = Signal(str)  # SHA-256 of a tile whose picture or "no footage" state changed
    timeChanged = Signal(float)
    playingChanged = Signal(bool)
    focusChanged = Signal(str)
    clockChanged = Signal()  # set_clock(): offsets changed while the grid is open
    failed = Signal(str)
    _delivered = Signal(str, object)  # decode thread -> UI thread (queued)
    _errored = Signal(str, object)

    def __init__(self, clock: IncidentClock, sources: dict, budget_bytes: int = GRID_BUDGET_BYTES, parent=None,
                 audio=None):
        super().__init__(parent)
        self.audio = audio  # ui.player.audio_output.AudioOutput (or None): sound of the focused tile only
        keys = [p.key for p in clock.placements if p.key in sources]
        if not 1 <= len(keys) <= MAX_TILES:
            raise ValueError(f"a grid shows 1 to {MAX_TILES} recordings; incident {clock.reference!r} "
                             f"has {len(keys)} open")
        self.clock = clock.bind({k: sources[k].table for k in keys})
        self.clock_version = 0  # counts set_clock() calls: what the lanes' cached drawing was made for
        self.sources = sources
        self.keys = keys
        self.focus = keys[0]
        self.time = self.clock.span()[0]
        self.playing = False
        share = budget_bytes // len(keys)
        queue_bytes = share // QUEUE_PART
        # the tiles' decoders share the cores: FFmpeg's default of a thread per core (and one more) for each
        # cost ~33 MB more peak memory with four 720p tiles on two cores and saved no measurable CPU (bench_grid.py)
        threads = max(1, (os.cpu_count() or 1) // len(keys))
        self._delivered.connect(self._on_delivered)
        self._errored.connect(self._on_error)
        self.tiles: dict[str, TileState] = {}
        for key in keys:
            worker = DecodeWorker(
                sources[key], convert=qimage_from_pixels, pixel_format="bgra", queue_frames=QUEUE_FRAMES,
                queue_bytes=queue_bytes, cache_bytes=share - queue_bytes, catch_up=True,
                decode_threads=threads,
                on_result=lambda d, k=key: self._delivered.emit(k, d),
                on_error=lambda g, e, k=key: self._errored.emit(k, e), autostart=False)
            self.tiles[key] = TileState(key, worker)
            worker.start()
        self.cache_share = share  # one tile's part of the budget: its reader's cache and its play queue
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._play_from = (0.0, 0.0)  # (incident time, monotonic) at play start
        self._prerolling = False  # play pressed, the clock not started yet (_prerolled)
        self._preroll_since = 0.0
        self._closed = False
        self._sound_on = False
        self._request_exact()  # the first picture of every tile at the incident's start

    # ---- reading ------------------------------------------------------------------------------------------------
    def camera_name(self, key: str) -> str:
        return self.clock.get(key).file_name

    def settled(self) -> bool:
        """Every tile shows exactly the frame the clock names, at full resolution (for the UI's 'ready' and for
        tests)."""
        for t in self.tiles.values():
            if t.wanted is None:
                if t.shown is not None:
                    return False
            elif not _exactly(t.shown, t.wanted):
                return False
        return True

    def held_bytes(self) -> int:
        """Decoded pictures the tiles' decoders hold now (caches and play queues): within the budget."""
        return sum(t.worker.held_bytes() for t in self.tiles.values())

    def set_tile_visible(self, key: str, on: bool) -> None:
        """A hidden tile is not decoded while playing (a quarter of the work each, in the focus-only layout); it is
        still asked for its exact frame when paused, so showing it again shows the right picture. Shown again
        while playing, its run starts at the next tick and its last picture (labelled with its own frame) stays
        until the run's first frame is due."""
        tile = self.tiles.get(key)
        if tile is None or tile.visible == on:
            return
        tile.visible = on
        if not on and tile.running:
            tile.worker.stop_run()
            tile.running = False

    def set_view_size(self, key: str, width: float, height: float) -> None:
        """The tile's picture area on screen, in device pixels: play frames are decoded to fit it."""
        tile = self.tiles.get(key)
        if tile is not None:
            tile.worker.set_play_fit(width, height)

    def set_redaction(self, processors: dict[str, object]) -> None:
        """The redaction preview: each tile's frames pass through its recording's frame processor
        (ui.redaction.preview.frame_processor, the export's own redact()); a key left out shows the original.
        Paused tiles are asked for their frame again; a playing run re-decodes its queue (DecodeWorker)."""
        for key, tile in self.tiles.items():
            tile.worker.set_processor(processors.get(key))
            if not self.playing and tile.wanted is not None:
                tile.generation += 1  # the picture on screen was made under the old processor
                tile.worker.request(tile.wanted, exact=True, generation=tile.generation)

    # ---- transport ----------------------------------------------------------------------------------------------
    def set_focus(self, key: str) -> None:
        if key in self.tiles and key != self.focus:
            self.focus = key
            self.focusChanged.emit(key)
            if self.playing and not self._prerolling:
                self._start_audio()

    def seek(self, t: float) -> None:
        """Pause at incident time t (clamped to the incident's span)."""
        lo, hi = self.clock.span()
        self._stop_timer()
        self.time = min(max(t, lo), hi)
        self.timeChanged.emit(self.time)
        self._request_exact()

    def set_clock(self, clock: IncidentClock) -> None:
        """The incident's offsets changed while the grid is open (an alignment accepted, a nudge, a sync): the
        focused camera stays on the frame it shows and the others move to their frames at that instant."""
        at = self.clock.frame_at(self.focus, self.time)
        self.clock = clock.bind({k: self.sources[k].table for k in self.keys})
        self.clock_version += 1
        t = self.time
        if at.index is not None:
            t = self.clock.time_of_frame(self.focus, at.index)
            if self.clock.frame_at(self.focus, t).index != at.index:
                t += 1e-6  # as in step(): a float round trip a hair before the frame's pts
        self.clockChanged.emit()
        self.seek(t)

    def step(self, frames: int) -> None:
        """Move the focused recording `frames` frames; the other tiles follow to their frame at that instant."""
        key = self.focus
        table = self.clock.get(key).table
        now = self.clock.frame_at(key, self.time)
        if now.index is None:
            target = 0 if now.media_time < 0 else table.frame_count - 1
        else:
            target = min(max(now.index + frames, 0), table.frame_count - 1)
        t = self.clock.time_of_frame(key, target)
        if self.clock.frame_at(key, t).index != target:
            t += 1e-6  # float round trip landed a hair before the frame's pts; a microsecond is inside it
        self._stop_timer()
        self.time = t
        self.timeChanged.emit(t)
        self._request_exact()

    def play(self) -> None:
        if self.playing or self._closed:
            return
        if self.time >= self.clock.span()[1]:
            return
        self.playing = True
        for tile in self.tiles.values():
            tile.running = False
        self._prerolling = True
        self._preroll_since = time.monotonic()
        self._timer.start()
        self.playingChanged.emit(True)
        self._tick()

    def pause(self) -> None:
        if self.playing:
            self._stop_timer()
            self._request_exact()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def close(self) -> None:
        self._closed = True
        self._timer.stop()
        if self.audio is not None:
            self.audio.stop()
            self._sound_on = False
        for tile in self.tiles.values():
            tile.worker.close()

    # ---- inside -------------------------------------------------------------------------------------------------
    def _start_audio(self) -> None:
        """Sound from the focused recording at its media time now; none when it is not running at this instant.
        The picture keeps the incident clock (monotonic), so every tile stays on one time whatever the device."""
        if self.audio is None:
            return
        self.audio.stop()
        self._sound_on = False
        key = self.focus
        at = self.clock.frame_at(key, self.time)
        src = self.sources[key]
        if at.index is None or not getattr(src.info, "has_audio", False):
            return
        origin = float(src.table.first_pts * src.table.time_base)
        if self.audio.prepare(src.path, origin, at.media_time, 1.0):
            self.audio.begin()
            self._sound_on = True

    def _stop_timer(self) -> None:
        self._timer.stop()
        self._prerolling = False
        if self.audio is not None:
            self.audio.stop()
            self._sound_on = False
        for tile in self.tiles.values():
            if tile.running:
                tile.worker.stop_run()
                tile.running = False
        if self.playing:
            self.playing = False
            self.playingChanged.emit(False)

    def _request_exact(self) -> None:
        for key, tile in self.tiles.items():
            at = self.clock.frame_at(key, self.time)
            tile.generation += 1
            tile.wanted = at.index
            if at.index is None:
                tile.worker.stop_run()
                if tile.shown is not None:
                    tile.shown = None
                    self.tileChanged.emit(key)
            elif _exactly(tile.shown, at.index):
                continue  # already exactly on screen (a reduced play frame is not: it is asked for in full)
            else:
                tile.worker.request(at.index, exact=True, generation=tile.generation)

    def _start_run(self, tile: TileState, index: int) -> None:
        tile.generation += 1
        tile.worker.start_run(index, tile.generation)
        tile.running = True
        tile.last_index = index - 1

    def _prerolled(self) -> bool:
        """Start every running camera's decoder and wait until each has PREROLL_FRAMES ready (at most
        PREROLL_MAX_S): four decoders seeking and warming up at once would otherwise drop the first frames of
        every play, as the single player's preroll avoids for one."""
        ready = True
        for key, tile in self.tiles.items():
            at = self.clock.frame_at(key, self.time)
            if at.index is None or not tile.visible:
                continue
            if not tile.running:
                self._start_run(tile, at.index)
            w = tile.worker
            ready = ready and (w.ready_count() >= PREROLL_FRAMES or w.run_finished())
        return ready or time.monotonic() - self._preroll_since >= PREROLL_MAX_S

    def _tick(self) -> None:
        if self._prerolling:
            if not self._prerolled():
                return
            self._prerolling = False
            self._play_from = (self.time, time.monotonic())
            self._start_audio()
        t0, m0 = self._play_from
        lo, hi = self.clock.span()
        self.time = min(t0 + (time.monotonic() - m0), hi)
        for key, tile in self.tiles.items():
            at = self.clock.frame_at(key, self.time)
            tile.wanted = at.index
            if at.index is None:
                if tile.running:
                    tile.worker.stop_run()
                    tile.running = False
                if tile.shown is not None:
                    tile.shown = None
                    self.tileChanged.emit(key)
                continue
            if not tile.visible:
                continue
            if not tile.running:
                self._start_run(tile, at.index)
                if key == self.focus and not self._sound_on:
                    self._start_audio()  # the focused camera starts recording during play: its sound starts too
                continue
            due, _ended = tile.worker.take_due(at.media_time)
            if due is not None and due.generation == tile.generation:
                tile.stats.dropped += max(0, due.index - tile.last_index - 1)
                tile.stats.shown += 1
                tile.last_index = due.index
                tile.shown = due
                self.tileChanged.emit(key)
        self.timeChanged.emit(self.time)
        if self.time >= hi:
            self.pause()

    def _on_delivered(self, key: str, d: Delivery) -> None:
        tile = self.tiles.get(key)
        if tile is None or self._closed or d.generation != tile.generation or self.playing:
            return  # a stale answer to an older request, or a paused request arriving after play began
        tile.shown = d
        self.tileChanged.emit(key)

    def _on_error(self, key: str, exc: BaseException) -> None:
        self.failed.emit(f"{self.camera_name(key)}: {exc}")


def _exactly(shown: Delivery | None, index: int) -> bool:
    return shown is not None and shown.index == index and shown.exact and not shown.reduced
