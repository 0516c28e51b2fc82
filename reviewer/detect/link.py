"""Link per-sample face detections into tracks (issue 14 s.1): a detection continues the track whose predicted box
it overlaps (IoU) or whose centre it is near; a track survives a few missed samples (recorded as dips) and ends
after more. Pure: boxes in, tracks out, so it is tested and evaluated without footage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]
REACH = 6.0  # how far (in its own sizes) a face seen once may have moved by the next sample


@dataclass
class Hit:
    index: int  # frame index of the sample
    pts: int
    box: Box | None  # None: the sample missed the face (a dip inside the track)
    score: float


@dataclass
class FaceTrack:
    hits: list[Hit] = field(default_factory=list)
    missed: int = 0  # consecutive missed samples at the end
    end: str = ""  # why it ended: "edge" (left the picture), "abrupt" (vanished inside it), "range" (pass ended)
    start: str = ""  # "range" (there when the pass began) or "appeared"
    # tracker boxes between samples (reviewer/detect/bridge.py): between two detections, checked against both;
    # from a first or last detection outwards, unchecked, kept only where no detection follows (see settle())
    bridged: list[Hit] = field(default_factory=list)
    ends: list[Hit] = field(default_factory=list)

    @property
    def found(self) -> list[Hit]:
        return [h for h in self.hits if h.box is not None]

    @property
    def last(self) -> Hit:
        return next(h for h in reversed(self.hits) if h.box is not None)

    @property
    def peak(self) -> float:
        return max(h.score for h in self.found)

    def settle(self) -> None:
        """The pass is over: the tracker's boxes outside the detections join the bridged ones. Those inside (from a
        last detection before a dip, or a first one before a look back found it earlier) are dropped: there the
        track is interpolated between detections, which the tracker could not be checked against."""
        f = self.found
        self.bridged += [h for h in self.ends if h.index < f[0].index or h.index > f[-1].index]
        self.ends = []

    def predict(self, index: int) -> Box:
        """Where the face should be at `index`, moving as it did between its last two detections."""
        f = self.found
        b = np.asarray(f[-1].box)
        if len(f) >= 2 and f[-1].index > f[-2].index:
            v = (b - np.asarray(f[-2].box)) / (f[-1].index - f[-2].index)
            b = b + v * (index - f[-1].index)
        return tuple(float(x) for x in b)  # type: ignore[return-value]


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def near(a: Box, b: Box) -> float:
    """Centre distance in units of the larger box's size."""
    ca, cb = ((a[0] + a[2]) / 2, (a[1] + a[3]) / 2), ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    size = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1], 1.0)
    return float(np.hypot(ca[0] - cb[0], ca[1] - cb[1]) / size)


def same_face(expected: Box, box: Box, reach: float) -> bool:
    """Plausibly the face expected there: overlapping or near it, and of about its size (a face does not halve
    or double between two samples; a smaller face beside a big one is another face)."""
    ratio = (box[3] - box[1]) / max(1e-3, expected[3] - expected[1])
    return 0.5 < ratio < 2.0 and (iou(expected, box) >= 0.1 or near(expected, box) < reach)


class Linker:
    def __init__(self, start: float, keep: float, max_gap: int, width: int, height: int):
        self.start_at, self.keep, self.max_gap = start, keep, max_gap
        self.width, self.height = width, height
        self.active: list[FaceTrack] = []
        self.done: list[FaceTrack] = []

    def step(self, index: int, pts: int, dets: np.ndarray, first: bool) -> list[FaceTrack]:
        """One sample's detections (rows x0, y0, x1, y1, score, source pixels). Returns the tracks it started."""
        pairs = []
        for ti, t in enumerate(self.active):
            p = t.predict(index)
            # seen once, a face's speed is unknown: between samples it may have moved several of its own sizes
            reach = REACH if len(t.found) == 1 else 1.0
            for di, d in enumerate(dets):
                box = tuple(float(v) for v in d[:4])
                if same_face(p, box, reach):
                    pairs.append((iou(p, box) - near(p, box), ti, di))
        used_t, used_d = set(), set()
        for _, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            t = self.active[ti]
            t.hits.append(Hit(index, pts, tuple(float(v) for v in dets[di][:4]), float(dets[di][4])))
            t.missed = 0
        still = []
        for ti, t in enumerate(self.active):
            if ti not in used_t:
                t.missed += 1
                t.hits.append(Hit(index, pts, None, 0.0))
                if t.missed > self.max_gap:
                    self._finish(t)
                    continue
            still.append(t)
        self.active = still
        started = []
        for di, d in enumerate(dets):
            if di in used_d:
                continue
            # every detection starts a track, tentative while below `start`: a small, blurred face may score
            # low where first seen and higher once followed; the detector keeps only tracks confirmed by then
            hit = Hit(index, pts, tuple(float(v) for v in d[:4]), float(d[4]))
            t = FaceTrack([hit], start="range" if first else "appeared")
            self.active.append(t)
            started.append(t)
        return started

    def _finish(self, t: FaceTrack, end: str | None = None) -> None:
        while t.hits and t.hits[-1].box is None:  # the trailing misses are where it ended, not part of it
            t.hits.pop()
        if end is None:
            x0, y0, x1, y1 = t.last.box  # type: ignore[misc]
            m = 0.5 * max(x1 - x0, y1 - y0)
            at_edge = x0 < m or y0 < m or x1 > self.width - m or y1 > self.height - m
            end = "edge" if at_edge else "abrupt"
        t.end = end
        self.done.append(t)

    def close(self) -> list[FaceTrack]:
        """The pass is over: every track still open ends with the range."""
        for t in self.active:
            self._finish(t, "range" if t.missed == 0 else None)
        self.active = []
        return sorted(self.done, key=lambda t: (t.hits[0].index, t.hits[0].box))
