"""Tracking assist: follow a drawn box with an OpenCV tracker over exactly decoded frames, then keep only the
keyframes needed for linear interpolation to stay within a tolerance of what the tracker saw.

The tracker runs on a downscaled copy (long side <= TRACK_LONG_SIDE) because CSRT's cost grows with the search
area; boxes are scaled back to source pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from reviewer.media.frame_reader import FrameReader
from reviewer.progress import NO_TASK, Task

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in source pixels
TRACK_LONG_SIDE = 960


@dataclass(frozen=True)
class Sample:
    index: int
    pts: int
    box: Box


@dataclass(frozen=True)
class TrackResult:
    samples: list[Sample]  # starts with the seed frame, in the direction tracked
    stopped: str  # "lost", "end", "limit" or "cancelled"
    message: str = ""


def _make_tracker(mode: str):
    if mode == "kcf":
        return cv2.TrackerKCF_create()
    if mode == "csrt":
        return cv2.TrackerCSRT_create()
    raise ValueError(f"unknown tracker mode {mode!r} (csrt or kcf)")


def _picture(frame, scale: float) -> np.ndarray:
    w, h = max(2, int(round(frame.width * scale))) & ~1, max(2, int(round(frame.height * scale))) & ~1
    return frame.video.reformat(width=w, height=h, format="bgr24").to_ndarray()


def track_box(
    reader: FrameReader,
    start_index: int,
    box: Box,
    direction: int = 1,
    limit: int = 900,
    mode: str = "csrt",
    task: Task = NO_TASK,
    on_sample: Callable[[Sample], None] | None = None,
) -> TrackResult:
    if direction not in (1, -1):
        raise ValueError("direction is +1 (forward) or -1 (backward)")
    first = reader.frame(start_index)
    scale = min(1.0, TRACK_LONG_SIDE / max(first.width, first.height))
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ValueError("box is too small to track (needs at least 4x4 pixels)")
    tracker = _make_tracker(mode)
    tracker.init(_picture(first, scale), tuple(int(round(v * scale)) for v in (x0, y0, x1 - x0, y1 - y0)))
    samples = [Sample(first.index, first.pts, box)]
    area0 = (x1 - x0) * (y1 - y0)
    last = reader.table.frame_count - 1
    i = start_index
    for n in range(1, limit + 1):
        i += direction
        if i < 0 or i > last:
            return TrackResult(samples, "end")
        if task.cancel.cancelled:
            return TrackResult(samples, "cancelled")
        frame = reader.frame(i)
        ok, (bx, by, bw, bh) = tracker.update(_picture(frame, scale))
        if not ok or bw <= 0 or bh <= 0:
            return TrackResult(samples, "lost", f"tracker lost the target at frame {i}")
        nb = (bx / scale, by / scale, (bx + bw) / scale, (by + bh) / scale)
        area = (nb[2] - nb[0]) * (nb[3] - nb[1])
        # a box that balloons, collapses or leaves the picture is a lost target, whatever the tracker says
        if not (0.25 < area / area0 < 4.0) or nb[2] < 0 or nb[3] < 0 or nb[0] > frame.width or nb[1] > frame.height:
            return TrackResult(samples, "lost", f"target left the picture or changed size abruptly at frame {i}")
        s = Sample(frame.index, frame.pts, nb)
        samples.append(s)
        if on_sample is not None:
            on_sample(s)
        task.report(n / limit, f"tracking frame {i}")
    return TrackResult(samples, "limit")


def _deviation(samples: list[Sample], a: int, b: int) -> tuple[float, int]:
    """Largest corner distance between the tracked boxes and the line from samples[a] to samples[b]."""
    pa, pb = samples[a].pts, samples[b].pts
    A, B = np.asarray(samples[a].box), np.asarray(samples[b].box)
    worst, where = 0.0, a
    for k in range(a + 1, b):
        t = (samples[k].pts - pa) / (pb - pa)
        d = float(np.abs(np.asarray(samples[k].box) - (A + (B - A) * t)).max())
        if d > worst:
            worst, where = d, k
    return worst, where


def thin_keyframes(samples: list[Sample], tolerance: float = 2.0) -> list[Sample]:
    """The fewest samples such that linear interpolation between them stays within `tolerance` px of every
    tracked box (Douglas-Peucker over time, iterative so long tracks cannot overflow the stack)."""
    ordered = sorted(samples, key=lambda s: s.pts)
    if len(ordered) <= 2:
        return ordered
    keep = {0, len(ordered) - 1}
    stack = [(0, len(ordered) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        worst, k = _deviation(ordered, a, b)
        if worst > tolerance:
            keep.add(k)
            stack += [(a, k), (k, b)]
    return [ordered[i] for i in sorted(keep)]
