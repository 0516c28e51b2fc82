"""Tracking assist: follow a box with an OpenCV tracker over exactly decoded frames, then keep only the
keyframes needed for linear interpolation to stay within a tolerance of what the tracker saw.

Two users: the editor's "track forward/backward" from a drawn box (track_box, the whole picture), and detection
assist, which bridges between its samples from a detected face (reviewer/detect/bridge.py, a region around the
face). Both run `follow`. A tracker's cost grows with its search area, so it looks at a downscaled picture
(`View`): the whole frame at a long side of at most TRACK_LONG_SIDE, or a region scaled so the target is small;
boxes are mapped back to source pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import cv2
import numpy as np

from reviewer.media.frame_reader import Frame, FrameReader
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


@dataclass(eq=False)
class Held:
    """A frame kept for the tracker: its planes copied out of the decoder, so the decoder's buffer goes back to its
    pool at once. Decoded frames held pin more than their pixels (measured: holding 16 at 1080p raised the peak by
    116 MB), and so do fresh copies made and dropped by the thousand (100 MB: the allocator keeps what they
    fragment); copies into buffers reused from a Ring cost what they hold. The colour is kept: on the evaluation
    set the tracker lost the grey, blurred face in luma alone (docs/decisions/0020-detection-assist.md)."""

    index: int
    pts: int
    width: int
    height: int
    planes: tuple[np.ndarray, ...]  # Y, U, V

    @classmethod
    def of(cls, frame: Frame, ring: "Ring | None" = None):
        """The frame's copy (into the ring's next buffers, which it reuses), or the frame itself when its picture is
        not 8-bit 4:2:0 planar of even sides."""
        planes = _yuv_planes(frame)
        if planes is None or frame.width % 2 or frame.height % 2:
            return frame
        if ring is None:
            return cls(frame.index, frame.pts, frame.width, frame.height, tuple(p.copy() for p in planes))
        out = ring.next([p.shape for p in planes])
        for src, dst in zip(planes, out):
            np.copyto(dst, src)
        return cls(frame.index, frame.pts, frame.width, frame.height, out)


class Ring:
    """`size` sets of plane buffers, handed out in turn: a Held copy made from it lives until `size` more are made."""

    def __init__(self, size: int):
        self.slots: list[tuple[np.ndarray, ...] | None] = [None] * size
        self.at = -1

    def next(self, shapes) -> tuple[np.ndarray, ...]:
        self.at = (self.at + 1) % len(self.slots)
        slot = self.slots[self.at]
        if slot is None or [a.shape for a in slot] != list(shapes):
            slot = self.slots[self.at] = tuple(np.empty(sh, np.uint8) for sh in shapes)
        return slot  # type: ignore[return-value]


def _yuv_planes(frame) -> tuple[np.ndarray, ...] | None:
    if isinstance(frame, Held):
        return frame.planes
    video = frame.video
    if video.format.name not in ("yuv420p", "yuvj420p"):
        return None
    w, h = video.width, video.height
    sizes = ((w, h), ((w + 1) // 2, (h + 1) // 2), ((w + 1) // 2, (h + 1) // 2))
    return tuple(np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:ph, :pw]  # type: ignore[return-value]
                 for p, (pw, ph) in zip(video.planes, sizes))


def _region_bgr(frame, x: int, y: int, w: int, h: int) -> np.ndarray:
    """BGR of the stored picture's region (x, y, w, h even), converted from the YUV planes without converting the
    rest of the frame."""
    planes = _yuv_planes(frame)
    if planes is None:
        return frame.video.to_ndarray(format="bgr24")[y:y + h, x:x + w]
    out = np.empty((h * 3 // 2, w), np.uint8)
    out[:h] = planes[0][y:y + h, x:x + w]
    cx, cy, cw, ch = x // 2, y // 2, w // 2, h // 2
    out[h:] = np.concatenate([planes[1][cy:cy + ch, cx:cx + cw].ravel(),
                              planes[2][cy:cy + ch, cx:cx + cw].ravel()]).reshape(h // 2, w)
    return cv2.cvtColor(out, cv2.COLOR_YUV2BGR_I420)


class View:
    """What a tracker looks at: the whole stored picture, or a region of it (source pixels), scaled.
    picture() makes it from a frame; to_view/to_source map boxes between source pixels and the picture."""

    def __init__(self, width: int, height: int, scale: float, region: tuple[int, int, int, int] | None = None):
        self.width, self.height, self.scale = width, height, scale
        self.whole = region is None
        if region is None:
            self.x, self.y, self.w, self.h = 0, 0, width, height
            # as _picture scales: source * scale, whatever the rounding to even sizes did
            self.sx = self.sy = scale
            self.ox = self.oy = 0.0
            return
        x0, y0, x1, y1 = region
        x0, y0 = max(0, int(x0)) & ~1, max(0, int(y0)) & ~1
        x1, y1 = min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1)))
        self.x, self.y = x0, y0
        self.w, self.h = max(2, (x1 - x0) & ~1), max(2, (y1 - y0) & ~1)
        self.out_w, self.out_h = max(2, round(self.w * scale)), max(2, round(self.h * scale))
        self.sx, self.sy = self.out_w / self.w, self.out_h / self.h
        self.ox, self.oy = self.x * self.sx, self.y * self.sy

    @classmethod
    def of_frame(cls, width: int, height: int) -> "View":
        return cls(width, height, min(1.0, TRACK_LONG_SIDE / max(width, height)))

    def picture(self, frame) -> np.ndarray:
        if self.whole:
            return _picture(frame, self.scale)
        pic = _region_bgr(frame, self.x, self.y, self.w, self.h)
        if (self.out_w, self.out_h) != (self.w, self.h):
            pic = cv2.resize(pic, (self.out_w, self.out_h), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(pic)

    def to_view(self, box: Box) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = box
        return (int(round(x0 * self.sx - self.ox)), int(round(y0 * self.sy - self.oy)),
                int(round((x1 - x0) * self.sx)), int(round((y1 - y0) * self.sy)))

    def to_source(self, rect) -> Box:
        bx, by, bw, bh = rect
        return ((bx + self.ox) / self.sx, (by + self.oy) / self.sy,
                (bx + bw + self.ox) / self.sx, (by + bh + self.oy) / self.sy)

    def holds(self, box: Box) -> bool:
        """The box is still where this view can follow it: overlapping the picture, and for a region, its centre
        inside it (a target reaching a region's edge may be leaving it, and the tracker cannot follow further)."""
        if box[2] < 0 or box[3] < 0 or box[0] > self.width or box[1] > self.height:
            return False
        if self.whole:
            return True
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return self.x <= cx <= self.x + self.w and self.y <= cy <= self.y + self.h


def follow(seed: Frame, box: Box, frames: Iterable[Frame], view: View, mode: str = "csrt", task: Task = NO_TASK,
           on_sample: Callable[[Sample], None] | None = None, total: int = 0) -> TrackResult:
    """Track `box` from the seed frame through `frames` (in the order given). Stops "lost" when the tracker says
    so, or its box balloons, collapses or leaves what the view holds; "end" when the frames run out."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ValueError("box is too small to track (needs at least 4x4 pixels)")
    tracker = _make_tracker(mode)
    tracker.init(view.picture(seed), view.to_view(box))
    samples = [Sample(seed.index, seed.pts, box)]
    area0 = (x1 - x0) * (y1 - y0)
    it = iter(frames)
    n = 0
    while True:
        if task.cancel.cancelled:
            return TrackResult(samples, "cancelled")
        frame = next(it, None)
        if frame is None:
            return TrackResult(samples, "end")
        n += 1
        i = frame.index
        ok, rect = tracker.update(view.picture(frame))
        if not ok or rect[2] <= 0 or rect[3] <= 0:
            return TrackResult(samples, "lost", f"tracker lost the target at frame {i}")
        nb = view.to_source(rect)
        area = (nb[2] - nb[0]) * (nb[3] - nb[1])
        # a box that balloons, collapses or leaves the picture is a lost target, whatever the tracker says
        if not (0.25 < area / area0 < 4.0) or not view.holds(nb):
            return TrackResult(samples, "lost", f"target left the picture or changed size abruptly at frame {i}")
        s = Sample(frame.index, frame.pts, nb)
        samples.append(s)
        if on_sample is not None:
            on_sample(s)
        if total:
            task.report(n / total, f"tracking frame {i}")


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
    last = reader.table.frame_count - 1
    stop = min(last, start_index + limit) if direction == 1 else max(0, start_index - limit)
    frames = (reader.frame(i) for i in range(start_index + direction, stop + direction, direction))
    result = follow(first, box, frames, View.of_frame(first.width, first.height), mode, task, on_sample, limit)
    if result.stopped == "end" and len(result.samples) - 1 == limit:
        return TrackResult(result.samples, "limit")
    return result


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
