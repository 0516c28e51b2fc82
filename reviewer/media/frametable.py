"""The frame table: identity of every presented frame of a video stream, built from packets alone.

Frame index N is the position of a presented frame in presentation order. Everything else (media time,
camera time, annotation keys) is derived from the pts stored here, so there is one truth for frame identity.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reviewer.errors import MediaError
from reviewer.progress import NO_TASK, Task

TABLE_FORMAT_VERSION = 2


@dataclass(frozen=True, eq=False)
class FrameTable:
    stream_index: int
    time_base: Fraction
    pts: np.ndarray  # int64, presented frames in presentation order
    key_pts: np.ndarray  # int64, pts of every keyframe packet (presented or not), ascending
    key_indices: np.ndarray  # int64, indices into `pts` of presented keyframes

    # ---- identity -------------------------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return int(self.pts.size)

    @property
    def first_pts(self) -> int:
        return int(self.pts[0])

    def pts_of(self, index: int) -> int:
        self._check_index(index)
        return int(self.pts[index])

    def index_of_pts(self, pts: int) -> int:
        """Exact lookup: the index whose pts is `pts`, or KeyError."""
        i = int(np.searchsorted(self.pts, pts))
        if i < self.pts.size and int(self.pts[i]) == pts:
            return i
        raise KeyError(pts)

    def index_at_or_before_pts(self, pts: int) -> int:
        """The frame on screen at presentation timestamp `pts` (clamped to the first frame)."""
        i = int(np.searchsorted(self.pts, pts, side="right")) - 1
        return max(0, min(i, self.pts.size - 1))

    def nearest_index_to_pts(self, pts: int) -> int:
        i = int(np.searchsorted(self.pts, pts))
        if i <= 0:
            return 0
        if i >= self.pts.size:
            return self.pts.size - 1
        return i if (int(self.pts[i]) - pts) < (pts - int(self.pts[i - 1])) else i - 1

    # ---- seeking ----------------------------------------------------------------------------------------------
    def seek_pts_for(self, index: int) -> int:
        """pts of the last keyframe packet at or before frame `index`: where exact decoding must start."""
        target = self.pts_of(index)
        k = bisect.bisect_right(self.key_pts, target) - 1
        if k < 0:
            return int(self.key_pts[0]) if self.key_pts.size else target
        return int(self.key_pts[k])

    def earlier_seek_pts(self, seek_pts: int) -> int | None:
        """The keyframe before `seek_pts`, used when a container seek lands later than asked."""
        k = bisect.bisect_left(self.key_pts, seek_pts) - 1
        return int(self.key_pts[k]) if k >= 0 else None

    def keyframe_index_at_or_before(self, index: int) -> int:
        """Index of the last presented keyframe at or before `index` (0 when there is none)."""
        k = bisect.bisect_right(self.key_indices, index) - 1
        return int(self.key_indices[k]) if k >= 0 else 0

    def gop_start_for(self, index: int) -> int:
        """First presented index decodable from the keyframe that frame `index` needs."""
        return self.index_at_or_before_pts(self.seek_pts_for(index)) if self.pts.size else 0

    # ---- time -----------------------------------------------------------------------------------------------
    def media_time(self, index: int) -> float:
        """Seconds from the first presented frame."""
        return float((self.pts_of(index) - self.first_pts) * self.time_base)

    def pts_at_media_time(self, seconds: float) -> int:
        return self.first_pts + int(round(Fraction(seconds).limit_denominator(10**9) / self.time_base))

    def index_at_media_time(self, seconds: float) -> int:
        """The frame on screen `seconds` after the first frame."""
        tb = self.time_base
        ticks = Fraction(seconds).limit_denominator(10**9) / tb
        # a tiny epsilon so a time printed from media_time() maps back to the same frame
        return self.index_at_or_before_pts(self.first_pts + int(np.floor(float(ticks) + 1e-6)))

    @property
    def duration(self) -> float:
        """Seconds from the first frame's start to the last frame's end (last frame lasts the median gap)."""
        if self.pts.size == 0:
            return 0.0
        return float((int(self.pts[-1]) - self.first_pts + self.typical_frame_ticks) * self.time_base)

    @cached_property  # a median over every pts: 0.6 ms on an hour of footage, and asked for per repaint
    def typical_frame_ticks(self) -> int:
        if self.pts.size < 2:
            return 1
        return int(np.median(np.diff(self.pts)))

    @property
    def average_fps(self) -> float:
        if self.pts.size < 2:
            return 0.0
        span = float((int(self.pts[-1]) - self.first_pts) * self.time_base)
        return (self.pts.size - 1) / span if span > 0 else 0.0

    @property
    def is_vfr(self) -> bool:
        """True when frame durations differ by more than container rounding (one tick or 2%)."""
        if self.pts.size < 3:
            return False
        d = np.diff(self.pts)
        lo, hi = int(d.min()), int(d.max())
        return hi - lo > 1 and (hi - lo) > 0.02 * float(np.median(d))

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.pts.size:
            raise IndexError(f"frame {index} is outside 0..{self.pts.size - 1}")

    # ---- persistence --------------------------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "version": np.array([TABLE_FORMAT_VERSION]),
            "stream_index": np.array([self.stream_index]),
            "time_base": np.array([self.time_base.numerator, self.time_base.denominator]),
            "pts": self.pts,
            "key_pts": self.key_pts,
            "key_indices": self.key_indices,
        }

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "FrameTable":
        if int(a["version"][0]) != TABLE_FORMAT_VERSION:
            raise ValueError("frame table cache has an old format")
        num, den = (int(x) for x in a["time_base"])
        return cls(
            stream_index=int(a["stream_index"][0]),
            time_base=Fraction(num, den),
            pts=np.asarray(a["pts"], dtype=np.int64),
            key_pts=np.asarray(a["key_pts"], dtype=np.int64),
            key_indices=np.asarray(a["key_indices"], dtype=np.int64),
        )


def video_stream(container: av.container.InputContainer, path: str | Path) -> av.video.stream.VideoStream:
    for stream in container.streams.video:
        # skip cover-art pictures some MP4/MKV files carry as a video stream
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        return stream
    raise MediaError(path, "has no video stream (audio-only, or not footage)")


def build_frame_table(path: str | Path, task: Task = NO_TASK) -> FrameTable:
    """Demux every packet of the first video stream (no decoding) and derive the presented frames.

    Packets the container marks as discardable (edit lists) are decoded for reference but never shown, so they
    are not presented frames.
    """
    path = Path(path)
    from reviewer.media.probe import open_container  # local: probe imports this module

    with open_container(path) as container:
        stream = video_stream(container, path)
        tb = stream.time_base
        stream_index = stream.index
        if tb is None:
            raise MediaError(path, "video stream has no time base")
        expected = stream.frames or 0
        size = max(1, path.stat().st_size)
        shown: list[int] = []
        keys: list[int] = []
        shown_keys: list[int] = []
        packets = 0
        missing_ts = 0
        try:
            for n, packet in enumerate(container.demux(stream)):
                if packet.size == 0 and packet.pts is None and packet.dts is None:
                    continue  # flush marker at end of stream
                packets += 1
                ts = packet.pts if packet.pts is not None else packet.dts
                if ts is None:
                    missing_ts += 1
                    continue
                key = packet.is_keyframe
                if key:
                    keys.append(ts)
                if not packet.is_discard:
                    shown.append(ts)
                    if key:
                        shown_keys.append(ts)
                if n % 2048 == 0:
                    task.check("frame indexing")
                    pos = packet.pos if packet.pos is not None and packet.pos >= 0 else 0
                    task.report(pos / size, "indexing frames")
        except av.error.FFmpegError as exc:
            raise MediaError(path, f"damaged video data after {packets} packets ({exc.strerror or exc})") from exc

    if missing_ts:
        raise MediaError(path, f"{missing_ts} video packets carry no timestamps; remux the file to MP4 or MKV")
    if not shown:
        raise MediaError(path, "contains no video frames")
    if expected and packets < expected:
        raise MediaError(
            path, f"is truncated: the container lists {expected} video frames but only {packets} are present"
        )
    pts = np.array(sorted(set(shown)), dtype=np.int64)
    if pts.size != len(shown):
        raise MediaError(path, "video stream repeats presentation timestamps; frame identity would be ambiguous")
    key_pts = np.array(sorted(set(keys)), dtype=np.int64)
    key_indices = np.searchsorted(pts, np.array(sorted(set(shown_keys)), dtype=np.int64)).astype(np.int64)
    task.report(1.0, "indexed")
    return FrameTable(stream_index, Fraction(tb.numerator, tb.denominator), pts, key_pts, key_indices)
