"""Decode-ahead for the player: one thread owns one FrameReader and answers two kinds of work.

- Requests (paused seeks, steps, scrub previews): only the newest pending request is served, so rapid steps
  coalesce. Results go to a callback on the decode thread.
- A play run: frames N, N+1, ... decoded in order through the same exact reader into a small bounded queue.
  The presenter takes the newest frame whose media time has come (take_due); older ones are dropped, never
  shown late. Every delivered frame names its index, so what is on screen is always known.
- A reverse run: frames N, N-1, ... through reviewer.media.reverse (each GOP decoded forwards, handed out
  backwards); the presenter's clock runs backwards, and take_due works the same way mirrored.

Qt-free: the UI passes `convert` (numpy pixels -> QImage, run on the decode thread) and `on_result`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from reviewer.media.geometry import Geometry
from reviewer.media.frame_reader import Frame, FrameReader
from reviewer.media.reverse import ReverseFeeder, segment_frames

PLAYER_CACHE_BYTES = 192 * 1024 * 1024
# swscale's cheapest filter for play frames scaled down to a view: measured on a 720p frame to 480x270 BGRA,
# 2.0 ms against 3.9 ms for the full-size conversion (AREA 3.3 ms, BILINEAR 6.1 ms); a paused picture is
# always the full, unscaled conversion, so this never reaches a still, an export or an exact comparison
PLAY_INTERPOLATION = "FAST_BILINEAR"
# catch_up: a decoder slower than real time shows a (late, labelled) frame at least this often instead of none
STALE_AFTER_S = 0.25


PIXEL_FORMATS = ("rgb24", "bgra")

# A frame processor turns a decoded Frame into the packed pixels to show (in the worker's pixel format), or
# returns None for "show it unchanged". The player uses one to preview redaction on the exact frame.
FrameProcessor = Callable[[Frame, str], "np.ndarray | None"]


@dataclass(frozen=True, eq=False)
class Delivery:
    generation: int
    index: int
    pts: int
    media_time: float
    pixels: np.ndarray  # H x W x 3 (rgb24) or H x W x 4 (bgra), uint8, C-contiguous
    image: Any  # convert(pixels); the array itself when no converter is given
    exact: bool  # False only for a scrub preview that is not the requested index
    processed: bool = False  # True when a frame processor changed the pixels (they are not the original)
    reduced: bool = False  # a play frame scaled down to its view (set_play_fit); never a request's picture

    @property
    def rgb(self) -> np.ndarray:
        """H x W x 3 RGB view of the picture (no copy)."""
        return self.pixels if self.pixels.shape[2] == 3 else self.pixels[..., 2::-1]


def frame_pixels(frame: Frame, pixel_format: str = "rgb24") -> np.ndarray:
    """The decoded picture as packed pixels (the cache keeps YUV only). rgb24 and bgra come from the same swscale
    conversion, so their RGB values are identical."""
    return np.ascontiguousarray(frame.video.to_ndarray(format=pixel_format))


@dataclass
class _Request:
    generation: int
    index: int
    exact: bool


@dataclass
class _Run:
    generation: int
    next_index: int
    done: bool = False
    step: int = 1  # 1 forwards, -1 backwards
    feeder: ReverseFeeder | None = None  # backwards only; made and used on the decode thread


class DecodeWorker:
    """Owns a decode thread. Every public method is safe to call from any thread and returns at once."""

    def __init__(
        self,
        source,
        *,
        convert: Callable[[np.ndarray], Any] | None = None,
        on_result: Callable[[Delivery], None] | None = None,
        on_error: Callable[[int, BaseException], None] | None = None,
        queue_frames: int = 6,
        queue_bytes: int | None = None,
        cache_bytes: int = PLAYER_CACHE_BYTES,
        pixel_format: str = "rgb24",
        autostart: bool = True,
        catch_up: bool = False,
        decode_threads: int = 0,
    ):
        if pixel_format not in PIXEL_FORMATS:
            raise ValueError(f"pixel_format must be one of {PIXEL_FORMATS}")
        self.pixel_format = pixel_format
        self.table = source.table
        self._source = source
        self._convert = convert or (lambda pixels: pixels)
        self._on_result = on_result or (lambda d: None)
        self._on_error = on_error or (lambda g, e: None)
        self._cache_bytes = cache_bytes
        self._decode_threads = decode_threads  # 0: the reader's default (FFmpeg's choice)
        self._cond = threading.Condition()
        self._request: _Request | None = None
        self._run: _Run | None = None
        self._queue: deque[Delivery] = deque()
        self._queue_max = max(1, queue_frames)
        # with a byte bound the queue's frames are also scaled down so that two of them fit (see set_play_fit)
        self._queue_bytes = queue_bytes
        self._play_fit: tuple[float, float] | None = None
        self._play_size: tuple[int, int] | None = None  # pre-rotation size of play frames; None: full size
        self._reader: FrameReader | None = None
        self._clock_hint = -math.inf  # newest media time the presenter asked about
        self._processor: FrameProcessor | None = None
        self._processor_version = 0  # frames made under an older processor are never queued
        info = getattr(source, "info", None)
        # what the screen shows is the display picture (rotation, square pixels); identity for most footage
        self.geometry = Geometry.of(info) if getattr(info, "width", None) else None
        yuv_bytes = int(1.5 * getattr(info, "width", 1920) * getattr(info, "height", 1080))
        self._segment_frames = segment_frames(yuv_bytes)
        self._channels = 3 if pixel_format == "rgb24" else 4
        self._update_play_size()
        self._closing = False
        self.skipped_late = 0  # frames decoded during play but never converted because they were already late
        # catch_up (the grid's tiles, several decoders sharing the cores): GOPs wholly in the past are jumped over
        # rather than decoded, and a decoder that cannot keep up still shows a frame every STALE_AFTER_S
        self._catch_up = catch_up
        self.jumped = 0  # frames never decoded because their whole GOP was already in the past (catch_up)
        self._last_queued = 0.0  # monotonic time the play queue last took a frame
        self._thread = threading.Thread(target=self._main, name="decode-worker", daemon=True)
        if autostart:
            self._thread.start()

    def start(self) -> None:
        """Start decoding; with autostart=False, call it once listeners are in place, so an error opening the
        file (reported at once by the thread) cannot arrive before anyone listens."""
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()

    # ---- requests ------------------------------------------------------------------------------------------
    def request(self, index: int, exact: bool, generation: int) -> None:
        """Decode `index` (exact) or something close and cheap (preview). Replaces any pending request and
        stops a play run."""
        with self._cond:
            self._request = _Request(generation, int(index), bool(exact))
            self._run = None
            self._queue.clear()
            self._cond.notify_all()

    def set_processor(self, processor: FrameProcessor | None) -> None:
        """Swap the frame processor. Queued play frames made with the old one are dropped and decoded again
        from the first of them, so a change reaches the screen within a frame or two; paused pictures are
        refreshed by the caller with a new request."""
        with self._cond:
            self._processor = processor
            self._processor_version += 1
            run = self._run
            if run is not None and self._queue:
                run.next_index = self._queue[0].index
                run.done = False
            if run is not None:
                run.feeder = None  # backwards: a new feeder from there (a frame in conversion is redone too)
            self._queue.clear()
            self._cond.notify_all()

    def set_play_fit(self, width: float | None, height: float | None) -> None:
        """Play frames may be scaled down to fit width x height display pixels (a grid tile's picture on screen):
        cheaper to convert, queue and paint. Requests (paused pictures, steps, previews) stay full resolution,
        and so does every frame a frame processor changes (its pixels are what must be seen exactly)."""
        with self._cond:
            self._play_fit = (width, height) if width and height else None
            self._update_play_size()

    def _update_play_size(self) -> None:
        g = self.geometry
        if g is None:
            self._play_size = None
            return
        fit = self._play_fit or (math.inf, math.inf)
        cap = None if self._queue_bytes is None else max(1, self._queue_bytes // (2 * self._channels))
        self._play_size = g.reduced_size(fit[0], fit[1], cap)

    def _play_frame_bytes(self) -> int:
        """What the next play frame will occupy in the queue."""
        if self._play_size is not None:
            w, h = self._play_size
        elif self.geometry is not None:
            w, h = self.geometry.display_size
        else:
            return 0
        return w * h * self._channels

    def held_bytes(self) -> int:
        """Decoded pictures this worker holds: its reader's cache and its play queue (what a memory budget covers;
        the picture on screen belongs to the presenter)."""
        reader = self._reader
        cached = reader.cache.held_bytes() if reader is not None else 0
        with self._cond:
            return cached + sum(d.pixels.nbytes for d in self._queue)

    def _pixels(self, frame: Frame, size: tuple[int, int] | None = None) -> tuple[np.ndarray, bool, bool]:
        """(pixels, processed, reduced): the picture to show, scaled to `size` (play frames) when given."""
        processor = self._processor
        if processor is not None:
            px = processor(frame, self.pixel_format)
            if px is not None:
                return self._displayed(np.ascontiguousarray(px)), True, False
        if size is not None and self.geometry is not None:
            px = frame.video.reformat(width=size[0], height=size[1], format=self.pixel_format,
                                      interpolation=PLAY_INTERPOLATION).to_ndarray()
            return np.ascontiguousarray(self.geometry.turn_reduced(px)), False, True
        return self._displayed(frame_pixels(frame, self.pixel_format)), False, False

    def _displayed(self, px: np.ndarray) -> np.ndarray:
        return px if self.geometry is None else self.geometry.to_display(px)

    # ---- play runs -----------------------------------------------------------------------------------------
    def start_run(self, first_index: int, generation: int, step: int = 1) -> None:
        """Play from `first_index` forwards (step 1) or backwards (step -1)."""
        if step not in (1, -1):
            raise ValueError("step must be 1 or -1")
        with self._cond:
            self._request = None
            self._queue.clear()
            self._clock_hint = -math.inf * step
            n = self.table.frame_count
            done = first_index >= n if step > 0 else first_index < 0
            self._run = _Run(generation, int(first_index), done=done, step=step)
            self._last_queued = time.monotonic()
            self._cond.notify_all()

    def stop_run(self) -> None:
        with self._cond:
            self._run = None
            self._queue.clear()
            self._cond.notify_all()

    def ready_count(self) -> int:
        with self._cond:
            return len(self._queue)

    def wait_for_frames(self, count: int, timeout: float) -> bool:
        """Block until `count` frames are queued or the run is over (for tools and tests; the UI polls)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: len(self._queue) >= count or self._run is None or self._run.done, timeout)

    def run_finished(self) -> bool:
        """True when the current run decoded its last frame (queue may still hold frames)."""
        with self._cond:
            return self._run is None or self._run.done

    def take_due(self, media_time: float) -> tuple[Delivery | None, bool]:
        """The newest queued frame whose time has come (older due frames are discarded), and whether the run
        is over with nothing left to show."""
        with self._cond:
            self._clock_hint = media_time
            best = None
            step = self._run.step if self._run is not None else 1
            while self._queue and (self._queue[0].media_time - media_time) * step <= 1e-9:
                best = self._queue.popleft()
            ended = (self._run is None or self._run.done) and not self._queue
            if best is not None:
                self._cond.notify_all()
            return best, ended

    # ---- lifetime ------------------------------------------------------------------------------------------
    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closing = True
            self._request = None
            self._run = None
            self._queue.clear()
            self._cond.notify_all()
        if self._thread.ident is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ---- the decode thread ---------------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            extra = {"threads": self._decode_threads} if self._decode_threads else {}
            reader = self._source.reader(cache_bytes=self._cache_bytes, **extra)
        except BaseException as exc:  # report, never kill the UI
            self._on_error(-1, exc)
            return
        self._reader = reader
        try:
            while True:
                with self._cond:
                    while not self._closing and self._request is None and not self._can_produce():
                        self._cond.wait()
                    if self._closing:
                        return
                    req, self._request = self._request, None
                    run = self._run
                try:
                    if req is not None:
                        self._serve(reader, req)
                    elif run is not None:
                        self._produce(reader, run)
                except BaseException as exc:
                    gen = req.generation if req is not None else (run.generation if run else -1)
                    with self._cond:
                        if run is not None and self._run is run:
                            self._run.done = True
                    self._on_error(gen, exc)
        finally:
            reader.close()

    def _can_produce(self) -> bool:
        run = self._run
        if run is None or run.done:
            return False
        if len(self._queue) < self._queue_max and self._queue_fits(self._play_frame_bytes()):
            return True
        # backwards, a full queue is the time to decode the next segment down (paced by the feeder)
        return run.step < 0 and (run.feeder is None or run.feeder.decode_wanted())

    def _queue_fits(self, nbytes: int) -> bool:
        if self._queue_bytes is None or not self._queue:
            return True  # always one frame; the size cap holds a play frame to half the bound (unless processed)
        return sum(d.pixels.nbytes for d in self._queue) + nbytes <= self._queue_bytes

    def _serve(self, reader: FrameReader, req: _Request) -> None:
        frame = reader.frame(req.index) if req.exact else self._preview(reader, req.index)
        with self._cond:
            superseded = self._request is not None
        if superseded and req.exact:
            return  # a newer request is already waiting; converting this one is wasted work
        px, processed, _ = self._pixels(frame)
        self._on_result(
            Delivery(req.generation, frame.index, frame.pts, self.table.media_time(frame.index), px,
                     self._convert(px), exact=req.exact or frame.index == req.index, processed=processed)
        )

    def _preview(self, reader: FrameReader, index: int) -> Frame:
        """A cheap stand-in while scrubbing: the frame itself if cached, else the nearest cached frame in its
        GOP, else its keyframe (one seek, little decoding). The caller labels it with its own index."""
        hit = reader.peek_cached(index)
        if hit is not None:
            return hit
        key = self.table.keyframe_index_at_or_before(index)
        for d in range(1, index - key + 1):
            for j in (index - d, index + d):
                if 0 <= j < self.table.frame_count and j in reader.cache:
                    hit = reader.peek_cached(j)
                    if hit is not None:
                        return hit
        return reader.frame(key)

    def _produce(self, reader: FrameReader, run: _Run) -> None:
        if run.step < 0:
            self._produce_reverse(reader, run)
            return
        i = run.next_index
        if self._catch_up:
            i = self._past_gops_skipped(i)
        frame = reader.frame(i)
        n = self.table.frame_count
        t = self.table.media_time(i)
        t_next = self.table.media_time(i + 1) if i + 1 < n else math.inf
        with self._cond:
            late = t_next <= self._clock_hint
            if late and self._catch_up and time.monotonic() - self._last_queued >= STALE_AFTER_S:
                late = False  # late, but better than a picture frozen until the decoder catches up
            version = self._processor_version
            size = self._play_size
        delivery = None
        if late:
            self.skipped_late += 1
        else:
            px, processed, reduced = self._pixels(frame, size)
            delivery = Delivery(run.generation, i, frame.pts, t, px, self._convert(px), exact=True,
                                processed=processed, reduced=reduced)
        with self._cond:
            if self._run is not run or version != self._processor_version:
                return  # stopped, restarted or re-processed while decoding
            if delivery is not None and not self._queue_fits(delivery.pixels.nbytes):
                return  # the view grew while converting: made again at the new size once there is room
            if delivery is not None:
                self._queue.append(delivery)
                self._last_queued = time.monotonic()
            run.next_index = i + 1
            run.done = run.next_index >= n
            self._cond.notify_all()

    def _past_gops_skipped(self, i: int) -> int:
        """Where a forward run behind the clock should decode next: from the keyframe of the frame due now when
        that keyframe is past `i` (every frame before it is already late, and decoding from it costs less)."""
        with self._cond:
            hint = self._clock_hint
        if not math.isfinite(hint) or hint <= self.table.media_time(i):
            return i
        due = min(self.table.index_at_media_time(hint), self.table.frame_count - 1)
        key = self.table.keyframe_index_at_or_before(due)
        if key <= i:
            return i
        self.jumped += key - i
        return key

    def _produce_reverse(self, reader: FrameReader, run: _Run) -> None:
        """One step backwards: hand the presenter the next frame down when the queue has room, else decode one
        frame of the segment below."""
        table = self.table
        with self._cond:
            if run.feeder is None:
                run.feeder = ReverseFeeder(reader, table, run.next_index, self._segment_frames)
            feeder = run.feeder
            room = len(self._queue) < self._queue_max
            hint = self._clock_hint
            version = self._processor_version
        if math.isfinite(hint):
            feeder.skip_to(table.index_at_media_time(max(0.0, hint)))
        frame = feeder.pop() if room else None
        if frame is None:
            if feeder.decode_wanted():
                feeder.decode_step()
            with self._cond:
                if self._run is run and run.feeder is feeder:
                    run.done = feeder.finished
                    self._cond.notify_all()
            return
        i = frame.index
        # the frame below is already due: this one would only be shown late
        late = i > 0 and table.media_time(i - 1) >= hint
        delivery = None
        if late:
            self.skipped_late += 1
        else:
            px, processed, _ = self._pixels(frame)
            delivery = Delivery(run.generation, i, frame.pts, table.media_time(i), px, self._convert(px),
                                exact=True, processed=processed)
        with self._cond:
            if self._run is not run or run.feeder is not feeder or version != self._processor_version:
                return
            if delivery is not None:
                self._queue.append(delivery)
            run.next_index = i - 1
            run.done = feeder.finished
            self._cond.notify_all()
