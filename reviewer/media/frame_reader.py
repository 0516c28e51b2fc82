"""Exact access to presented frame N.

Seek to the last keyframe at or before N taken from our own frame table (never the container's approximate
seek position), then decode forward until the frame's pts equals table.pts[N]. Every frame decoded on the way
is kept in a byte-bounded cache, so stepping backwards inside a GOP costs a lookup instead of a re-decode.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from reviewer.errors import MediaError
from reviewer.media.frame_cache import ByteBoundedLRU
from reviewer.media.frametable import FrameTable
from reviewer.media.probe import open_container

DEFAULT_CACHE_BYTES = 384 * 1024 * 1024
SEQUENTIAL_SLACK = 12  # frames


@dataclass(eq=False)
class Frame:
    """One presented frame with its identity. The picture stays YUV (half the bytes of RGB) in the cache."""

    index: int
    pts: int
    video: av.VideoFrame

    @property
    def width(self) -> int:
        return self.video.width

    @property
    def height(self) -> int:
        return self.video.height

    def rgb(self) -> np.ndarray:
        """H x W x 3 uint8, converted on each call (about 1-3 ms at 1080p): callers keep what they need, so
        the cache holds only YUV and its byte budget is what the process really uses."""
        return self.video.to_ndarray(format="rgb24")

    @property
    def nbytes(self) -> int:
        return sum(p.buffer_size for p in self.video.planes)


class FrameReader:
    """Exact frame access for one file. Safe to share between threads; calls are serialised by a lock."""

    def __init__(
        self,
        path: str | Path,
        table: FrameTable,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        threads: int = 0,
    ):
        self.path = Path(path)
        self.table = table
        self.cache: ByteBoundedLRU[int, Frame] = ByteBoundedLRU(cache_bytes)
        self._lock = threading.RLock()
        self._cm = open_container(self.path)
        self._container = self._cm.__enter__()
        self._stream = next(s for s in self._container.streams if s.index == table.stream_index)
        ctx = self._stream.codec_context
        ctx.thread_type = "AUTO"
        ctx.thread_count = threads
        self._decoded: Iterator[av.VideoFrame] | None = None
        self._last_pts: int | None = None  # pts of the newest frame the current decode run produced
        # Frames presented before the keyframe a run started from are leading pictures whose references were
        # never decoded (open GOP); they must not enter the cache as if they were exact.
        self._floor = 0
        self.seeks = 0
        self.decoded_frames = 0

    # ---- public ---------------------------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return self.table.frame_count

    def frame(self, index: int) -> Frame:
        """Presented frame `index`, exactly."""
        self.table._check_index(index)
        hit = self.cache.get(index)
        if hit is not None:
            return hit
        with self._lock:
            hit = self.cache.get(index)
            if hit is not None:
                return hit
            return self._decode_to(index)

    def peek_cached(self, index: int) -> Frame | None:
        return self.cache.get(index)

    def close(self) -> None:
        with self._lock:
            self._decoded = None
            self.cache.clear()
            self._cm.__exit__(None, None, None)

    def __enter__(self) -> "FrameReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- decoding ------------------------------------------------------------------------------------------
    def _decode_to(self, index: int) -> Frame:
        target = self.table.pts_of(index)
        seek_pts = self.table.seek_pts_for(index)
        can_continue = False
        if self._decoded is not None and self._last_pts is not None and self._last_pts < target:
            # Keep decoding when the needed keyframe is already behind us, or when the target is only a few
            # frames ahead: a seek flushes the decoder's reorder pipeline, which costs more than a few frames.
            ahead = index - self.table.index_at_or_before_pts(self._last_pts)
            can_continue = seek_pts <= self._last_pts or ahead <= SEQUENTIAL_SLACK
        if not can_continue:
            self._seek(seek_pts)
        found = self._run_until(target)
        retries = 0
        while found is None and retries < 3:
            # the container landed after the keyframe we asked for; step back one keyframe and try again
            earlier = self.table.earlier_seek_pts(seek_pts)
            if earlier is None:
                break
            seek_pts = earlier
            self._seek(seek_pts)
            found = self._run_until(target)
            retries += 1
        if found is None:
            raise MediaError(self.path, f"frame {index} (pts {target}) could not be decoded")
        return found

    def _seek(self, pts: int) -> None:
        self.seeks += 1
        try:
            self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError as exc:
            raise MediaError(self.path, f"seek failed ({exc.strerror or exc})") from exc
        self._decoded = self._frames()
        self._last_pts = None
        self._floor = pts

    def _frames(self) -> Iterator[av.VideoFrame]:
        for packet in self._container.demux(self._stream):
            yield from packet.decode()

    def _run_until(self, target: int) -> Frame | None:
        """Decode forward; cache presented frames on the way; stop at `target` or once past it."""
        assert self._decoded is not None
        table = self.table
        try:
            for vf in self._decoded:
                pts = vf.pts
                if pts is None:
                    continue
                self.decoded_frames += 1
                self._last_pts = pts
                if pts > target:
                    self._decoded = None
                    return None
                if pts < self._floor:
                    continue
                try:
                    idx = table.index_of_pts(pts)
                except KeyError:
                    continue  # decoded for reference only (edit-list lead-in)
                frame = Frame(idx, pts, vf)
                self.cache.put(idx, frame)
                if pts == target:
                    return frame
        except av.error.FFmpegError as exc:
            self._decoded = None
            raise MediaError(self.path, f"damaged video data near pts {target} ({exc.strerror or exc})") from exc
        self._decoded = None
        return None
