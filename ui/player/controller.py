"""The player's brain: what is on screen, exactly, and how it changes.

`current_index` is always the index of the picture last handed to the canvas; every picture arrives from the
decode worker labelled with its index, so the readout can never disagree with the screen. Paused work (seek,
step, scrub) is a request to the worker; playback is a run of sequential exact frames presented against the
clock (audio position when audio plays, else monotonic time scaled by speed), dropping late frames rather than
drifting. Reverse play (direction -1) is the same run backwards: exact frames, a monotonic clock running
backwards, no audio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from reviewer.media.geometry import Geometry
from reviewer.media.playback import Delivery
from ui.player.audio_output import AudioOutput
from ui.player.clock import MediaClock
from ui.player.engine import DecodeEngine
from ui.player import frame_export

SPEED_LADDER = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
MIN_SPEED, MAX_SPEED = 0.1, 4.0
PRESENT_INTERVAL_MS = 4
PREROLL_FRAMES = 3
AUDIO_PREROLL_WAIT_S = 0.5  # never hold the picture longer than this waiting for audio


@dataclass
class PlaybackStats:
    shown: int = 0
    dropped: int = 0  # frames whose time came and went without being shown

    @property
    def dropped_fraction(self) -> float:
        total = self.shown + self.dropped
        return self.dropped / total if total else 0.0


class PlayerController(QObject):
    sourceOpened = Signal(object)
    sourceClosed = Signal()
    frameShown = Signal(int)
    imageReady = Signal(int, QImage)
    playingChanged = Signal(bool)
    playLimitReached = Signal()  # forward play met the frame after play_limit, which was therefore not shown
    speedChanged = Signal(float)
    directionChanged = Signal(int)  # 1 forwards, -1 while playing backwards
    busyChanged = Signal(bool)
    error = Signal(str)

    def __init__(self, parent: QObject | None = None, *, audio: bool = True):
        super().__init__(parent)
        self.source = None
        self.current_index = 0
        self.playing = False
        self.speed = 1.0
        self.direction = 1
        self.busy = False
        # Forward play never shows a frame past this index (a looping clip's out frame): the wrap then cannot
        # lose a race with the next frame's due time on a slow machine.
        self.play_limit: int | None = None
        self.stats = PlaybackStats()
        self._engine: DecodeEngine | None = None
        self._generation = 0  # bumped by every request, play run and pause
        self._accept_from = 0  # results older than this generation must never reach the screen
        self._shown_gen = 0
        self._pending: int | None = None  # index last requested and not yet on screen
        self._shown: Delivery | None = None
        self._clock = MediaClock()
        self._anchor = 0.0
        self._prerolling = False
        self._preroll_ticks = 0
        self._last_run_index = -1
        self._sha: tuple[object, str] | None = None  # (source, recording sha256), computed once per source
        self._processor = None  # applied by the decode worker to every frame (the redaction preview)
        self._audio = AudioOutput(self) if audio else None
        if self._audio is not None:
            self._audio.failed.connect(self.error)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PRESENT_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    # ---- source --------------------------------------------------------------------------------------------
    @property
    def table(self):
        return self.source.table if self.source is not None else None

    @property
    def frame_count(self) -> int:
        return self.source.table.frame_count if self.source is not None else 0

    @property
    def decoder_skipped(self) -> int:
        """Frames the decoder produced too late to show and so never converted (part of stats.dropped)."""
        return self._engine.skipped_late if self._engine is not None else 0

    @property
    def audio_available(self) -> bool:
        return self._audio is not None and self._audio.available

    def open(self, source, start: int = 0) -> None:
        """Show `source` from frame `start` (clamped to the recording)."""
        self.close_source()
        self.source = source
        self.current_index = 0
        self._shown = None
        self._engine = DecodeEngine(source, self)
        self._engine.set_processor(self._processor)
        self._engine.delivered.connect(self._on_delivered)
        self._engine.failed.connect(self._on_failed)
        self._engine.start()
        self.sourceOpened.emit(source)
        self.seek(start)

    def close_source(self) -> None:
        if self.source is None:
            return
        self.pause()
        self._engine.close()
        self._engine.deleteLater()
        self._engine = None
        self.source = None
        self._shown = None
        self._pending = None
        self._set_busy(False)
        self.current_index = 0
        self.sourceClosed.emit()

    def shutdown(self) -> None:
        self.close_source()
        if self._audio is not None:
            self._audio.stop()

    # ---- frame processing ----------------------------------------------------------------------------------
    def set_frame_processor(self, processor) -> None:
        """Install fn(Frame, pixel_format) -> pixels | None, run on the decode thread for every frame shown
        (None removes it). The picture on screen is redone at once: paused, the current frame is decoded again;
        playing, frames already queued are remade by the worker."""
        self._processor = processor
        if self._engine is not None:
            self._engine.set_processor(processor)
            self.refresh()

    def set_pcm_filter(self, fn) -> None:
        """Install fn(pcm, channels, t0, rate) -> pcm on the audio feed (ui.player.audio_output.PcmFilter), for
        sound decoded from the next play run on."""
        if self._audio is not None:
            self._audio.set_pcm_filter(fn)

    def refresh(self) -> None:
        """Decode the frame on screen again (e.g. after the processor's input changed), without the busy flag:
        the right frame is already showing, only its pixels will change."""
        if self.source is None or self.playing or self._shown is None:
            return
        index = self._base_index()
        self._generation += 1
        self._accept_from = self._generation
        self._pending = index
        self._engine.request(index, True, self._generation)

    # ---- positioning ----------------------------------------------------------------------------------------
    def _base_index(self) -> int:
        return self._pending if self._pending is not None else self.current_index

    def seek(self, index: int, exact: bool = True) -> None:
        if self.source is None:
            return
        index = max(0, min(int(index), self.frame_count - 1))
        if self.playing:
            if exact:
                self._start_run(index, self.source.table.media_time(index))
                return
            self.pause()
        if exact and self._pending is None and self._shown is not None and self._shown.index == index:
            return  # already exactly on screen
        self._generation += 1
        if exact:
            self._accept_from = self._generation  # an exact answer must not be overtaken by older previews
        self._pending = index
        self._engine.request(index, exact, self._generation)
        self._set_busy(exact)

    def step(self, n: int) -> None:
        if self.source is None:
            return
        self.pause()
        self.seek(self._base_index() + int(n))

    def jump_seconds(self, s: float) -> None:
        if self.source is None:
            return
        table = self.source.table
        t = table.media_time(self._base_index()) + float(s)
        t = max(0.0, min(t, table.media_time(self.frame_count - 1)))
        self.seek(table.index_at_media_time(t))

    def go_start(self) -> None:
        self.seek(0)

    def go_end(self) -> None:
        self.seek(self.frame_count - 1)

    def seek_media_time(self, seconds: float) -> None:
        if self.source is None:
            return
        table = self.source.table
        last = table.media_time(self.frame_count - 1)
        if not -1e-6 <= seconds <= table.duration + 1e-6:
            raise ValueError(f"media time {seconds:.3f} s is outside this recording (0 to {table.duration:.3f} s)")
        self.seek(table.index_at_media_time(min(max(seconds, 0.0), last)))

    def seek_camera_time(self, t: dt.datetime) -> None:
        if self.source is None:
            return
        start = getattr(self.source, "camera_start", None)
        if start is None:
            raise ValueError("this recording has no camera start time, so camera times cannot be located")
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.timezone.utc)
        self.seek_media_time((t - start).total_seconds())

    # ---- play / pause --------------------------------------------------------------------------------------
    def play(self, direction: int = 1) -> None:
        """Play forwards (1) or backwards (-1) from the frame on screen; switches direction when already playing."""
        if self.source is None or (self.playing and direction == self.direction):
            return
        start = self.current_index if self.playing else self._base_index()
        table = self.source.table
        if direction < 0:
            if start <= 0:
                return  # nothing before the first frame
            self._set_direction(-1)
            self._start_run(start - 1, table.media_time(start))
        elif start >= self.frame_count - 1:
            self._set_direction(1)
            self._start_run(0, 0.0)  # at the end: play again from the start
        else:
            self._set_direction(1)
            self._start_run(start + 1, table.media_time(start))

    def play_reverse(self) -> None:
        self.play(-1)

    def _set_direction(self, direction: int) -> None:
        if direction != self.direction:
            self.direction = direction
            self.directionChanged.emit(direction)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self._engine.stop_run()
        if self._audio is not None:
            self._audio.stop()
        self._clock.stop()
        self._generation += 1  # frames still in flight from the run are now stale
        self._accept_from = self._generation
        self._prerolling = False
        self.playing = False
        self._set_direction(1)
        self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _start_run(self, first: int, anchor: float) -> None:
        """Play frames first, first+1, ... with the clock starting at media time `anchor` once enough frames
        (and audio) are decoded, so the opening frames are not dropped while the decoder warms up."""
        self._generation += 1
        self._accept_from = self._generation
        self._pending = None
        self._set_busy(False)
        self._clock.stop()
        self._engine.start_run(first, self._generation, self.direction)
        self._anchor = anchor
        self._last_run_index = first - self.direction
        self._prerolling = True
        self._preroll_ticks = 0
        if self._audio is not None:
            self._audio.stop()
            if self.direction > 0 and getattr(self.source.info, "has_audio", False):
                table = self.source.table
                origin = float(table.first_pts * table.time_base)
                self._audio.prepare(self.source.path, origin, anchor, self.speed)
        if not self.playing:
            self.playing = True
            self.playingChanged.emit(True)
        self._timer.start()

    def _tick(self) -> None:
        engine = self._engine
        if engine is None:
            return
        if self._prerolling:
            self._preroll_ticks += 1
            video_ready = engine.ready_count() >= PREROLL_FRAMES or engine.run_finished()
            waited = self._preroll_ticks * PRESENT_INTERVAL_MS / 1000
            audio_ready = self._audio is None or self._audio.ready() or waited > AUDIO_PREROLL_WAIT_S
            if not (video_ready and audio_ready):
                return
            self._prerolling = False
            self._clock.start(self._anchor, self.speed * self.direction)
            if self._audio is not None:
                self._audio.begin()
        if self._audio is not None and self._audio.active:
            lag = self._clock.follow(self._audio.media_position())
            if lag:
                self._audio.skip(lag)
        d, ended = engine.take_due(self._clock.media_time())
        if (d is not None and d.generation == self._generation and self.play_limit is not None
                and self.direction > 0 and d.index > self.play_limit):
            self.playLimitReached.emit()
            return
        if d is not None and d.generation == self._generation:
            self.stats.dropped += max(0, (d.index - self._last_run_index) * self.direction - 1)
            self.stats.shown += 1
            self._last_run_index = d.index
            self._show(d)
        if ended:
            self.pause()

    # ---- speed ---------------------------------------------------------------------------------------------
    def set_speed(self, x: float) -> None:
        x = round(max(MIN_SPEED, min(MAX_SPEED, float(x))), 3)
        if x == self.speed:
            return
        self.speed = x
        if self.playing:
            now = self._anchor if self._prerolling else self._clock.media_time()
            if not self._prerolling:
                self._clock.start(now, x * self.direction)
            if self._audio is not None and self._audio.active:
                # restart the audio at the new tempo from where the picture is now
                table = self.source.table
                self._audio.prepare(self.source.path, float(table.first_pts * table.time_base), now, x)
                if not self._prerolling:
                    self._audio.begin()
        self.speedChanged.emit(x)

    def faster(self) -> None:
        self.set_speed(next((s for s in SPEED_LADDER if s > self.speed + 1e-9), SPEED_LADDER[-1]))

    def slower(self) -> None:
        self.set_speed(next((s for s in reversed(SPEED_LADDER) if s < self.speed - 1e-9), SPEED_LADDER[0]))

    # ---- results -------------------------------------------------------------------------------------------
    def _on_delivered(self, d: Delivery) -> None:
        # While scrubbing, each move supersedes the last before its preview is decoded; an older preview is
        # still worth showing (it is labelled with its own index) unless something newer is already on screen
        # or an exact request / play / pause has happened since.
        if self.playing or d.generation < self._accept_from or d.generation <= self._shown_gen:
            return
        if d.generation == self._generation:
            self._pending = None  # the newest request is answered (a preview answers with its own index)
            self._set_busy(False)
        self._show(d)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == -1:
            self.close_source()  # the file could not even be opened: nothing can be shown from it
        elif generation == self._generation:
            self._pending = None
            self._set_busy(False)
            if self.playing:
                self.pause()
        self.error.emit(message)

    def _show(self, d: Delivery) -> None:
        self._shown = d
        self._shown_gen = d.generation
        self.current_index = d.index
        self.imageReady.emit(d.index, d.image)
        self.frameShown.emit(d.index)

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busyChanged.emit(busy)

    # ---- the picture ---------------------------------------------------------------------------------------
    @property
    def current_image(self) -> QImage | None:
        return self._shown.image if self._shown is not None else None

    @property
    def current_exact(self) -> bool:
        """False while a scrub preview stands in for the requested frame (it is still labelled truthfully)."""
        return self._shown is None or self._shown.exact

    @property
    def current_processed(self) -> bool:
        """True when the picture on screen was changed by the frame processor (the redaction preview)."""
        return self._shown is not None and self._shown.processed

    def current_frame_rgb(self) -> np.ndarray | None:
        """H x W x 3 RGB of the frame on screen (full resolution, no overlays, but with the frame processor's
        changes when current_processed); a fresh contiguous array."""
        return np.ascontiguousarray(self._shown.rgb) if self._shown is not None else None

    def export_current_frame(self, png_path: Path, home: Path | None = None) -> tuple[Path, Path]:
        """The frame on screen of a file opened from outside the library (a library recording's frame is
        exported by reviewer.export.frame, through the gate). `home`: the library no output may go into."""
        if self.source is None or self._shown is None:
            raise ValueError("no frame on screen to export")
        if getattr(self.source, "view", None) is not None:
            raise ValueError("a library recording's frame is exported through reviewer.export.frame")
        d = self._shown
        if self._sha is None or self._sha[0] is not self.source:
            self._sha = (self.source, frame_export.recording_sha256(self.source))
        rgb = d.rgb
        if d.processed:  # the screen shows a redaction preview; the evidential export is the original frame
            reader = self.source.reader()
            try:
                rgb = Geometry.of(self.source.info).to_display(reader.frame(d.index).rgb())  # as on screen
            finally:
                reader.close()
        return frame_export.export_frame(Path(png_path), np.ascontiguousarray(rgb), self.source, d.index,
                                         self._sha[1], home=home)
