"""The tracker bridges between detection samples (issue 14 s.1), where interpolating between them is not enough:

- a track's last detection before a miss (it may be leaving, or just dipping): forward from it to the next sample,
  so a face leaving between samples is covered where it goes, not only where it was last seen (if the track is
  found again, FaceTrack.settle drops these: between detections it interpolates);
- a track's first detection: backward to the previous sample, so a face entering between samples is covered from
  where it came in;
- where the tracker loses a face on its way out of the picture (or, backwards, in), the box goes on at the
  tracker's speed until it is out;
- two consecutive detections that disagree with the track's motion by more than a tolerance (it turned, stopped or
  sped up between them): forward from the first, kept only if the tracker arrives where the second one is.

The tracker is tracking assist's (reviewer/redact/tracking.follow), in KCF mode on a region around the face scaled
so the face is about TRACK_FACE px high: CSRT costs 25-85 ms an update here whatever the target's size, KCF 1-5 ms
at that size (measured; docs/decisions/0020-detection-assist.md). It runs on the stored picture (a tracker does not
care which way up a face is), so the seed box goes to storage pixels and the boxes it returns come back to the
detector's display pixels.
"""

from __future__ import annotations

import time

import numpy as np

from reviewer.detect.link import REACH, Box, FaceTrack, Hit, same_face
from reviewer.media.frame_reader import Frame
from reviewer.media.geometry import Geometry
from reviewer.redact.tracking import View, follow

TRACK_FACE = 40  # px: the face's height in the tracker's picture
MODE = "kcf"
MARGIN = 1.0  # face sizes around where a face with a known motion should be, for the tracker's region


def disagreement(expected: Box, box: Box) -> float:
    """How far a detection is from where the track's motion put it: the largest corner distance, in face heights."""
    size = max(expected[3] - expected[1], box[3] - box[1], 1.0)
    return float(np.abs(np.subtract(box, expected)).max() / size)


class Bridger:
    def __init__(self, geometry: Geometry):
        self.geo = geometry
        self.updates = 0  # tracker updates run, and the seconds they took with their pictures (for the benchmark)
        self.seconds = 0.0

    def _storage(self, box: Box) -> Box:
        (x0, y0), (x1, y1) = self.geo.box_to_storage((box[0], box[1]), (box[2], box[3]))
        return x0, y0, x1, y1

    def _display(self, box: Box) -> Box:
        (x0, y0), (x1, y1) = self.geo.box_to_display((box[0], box[1]), (box[2], box[3]))
        return x0, y0, x1, y1

    def _run(self, seed: Frame, box: Box, frames: list[Frame], towards: Box | None, reach: float) -> list[Hit]:
        """Track `box` (display pixels) from `seed` through `frames`; the region covers `towards` too (where the
        face should arrive) with MARGIN around, or `reach` face sizes around the box when its motion is unknown."""
        sb = self._storage(box)
        size = max(sb[2] - sb[0], sb[3] - sb[1])
        if min(sb[2] - sb[0], sb[3] - sb[1]) < 4 or not frames:
            return []
        if towards is not None:
            tb = self._storage(towards)
            lo, hi = np.minimum(sb, tb), np.maximum(sb, tb)
            region = (lo[0] - MARGIN * size, lo[1] - MARGIN * size, hi[2] + MARGIN * size, hi[3] + MARGIN * size)
        else:
            region = (sb[0] - reach * size, sb[1] - reach * size, sb[2] + reach * size, sb[3] + reach * size)
        view = View(self.geo.width, self.geo.height, min(1.0, TRACK_FACE / (sb[3] - sb[1])), region)
        t0 = time.perf_counter()
        result = follow(seed, sb, frames, view, MODE)
        self.seconds += time.perf_counter() - t0
        self.updates += len(result.samples) - 1 + (result.stopped == "lost")
        return [Hit(s.index, s.pts, self._display(s.box), 0.0) for s in result.samples[1:]]

    def _leaving(self, seed: Box, hits: list[Hit], frames: list[Frame], speed=None) -> list[Hit]:
        """The tracker lost the face on its way out of the picture (fast, blurred, half out: faces KCF cannot hold
        to the edge): the box goes on at the tracker's last speed until it is out, where a held box would be left
        behind. Only when that speed takes it out before the next sample: otherwise it is held, erring on
        covering. `speed`: the track's own (per frame, from its detections), steadier than a tracker's first
        steps."""
        boxes = [np.asarray(seed)] + [np.asarray(h.box) for h in hits]
        if len(hits) >= len(frames) or (speed is None and len(boxes) < 2):
            return []
        k = min(4, len(boxes))
        b = boxes[-1]
        v = np.asarray(speed) if speed is not None else (boxes[-1] - boxes[-k]) / (k - 1)  # a frame a step
        w, h = self.geo.display_size
        end = b + v * (len(frames) - len(hits))
        cx, cy = (end[0] + end[2]) / 2, (end[1] + end[3]) / 2
        if 0 < cx < w and 0 < cy < h:
            return []  # at that speed it would still be (mostly) in the picture by the next sample: not leaving
        out = []
        for f in frames[len(hits):]:
            b = b + v
            if b[2] <= 0 or b[3] <= 0 or b[0] >= w or b[1] >= h:
                break
            out.append(Hit(f.index, f.pts, tuple(float(x) for x in b), 0.0))  # type: ignore[arg-type]
        return out

    def forward(self, t: FaceTrack, interval: list[Frame]) -> None:
        """The track was found on the interval's first sample and missed on its last: follow it across."""
        last = t.found[-1]
        moving = len(t.found) >= 2
        towards = t.predict(interval[-1].index) if moving else None
        frames = interval[1:-1]
        hits = self._run(interval[0], last.box, frames, towards, REACH)
        speed = np.subtract(t.predict(last.index + 1), last.box) if moving else None
        t.ends += hits + self._leaving(last.box, hits, frames, speed)

    def backward(self, t: FaceTrack, interval: list[Frame]) -> None:
        """The track starts on the interval's last sample: follow it back to the one before (frames in order)."""
        first = t.found[0]
        frames = interval[-2:0:-1]
        hits = self._run(interval[-1], first.box, frames, None, REACH)
        t.ends += hits + self._leaving(first.box, hits, frames)

    def between(self, t: FaceTrack, interval: list[Frame]) -> None:
        """Found on both samples, but not where its motion said: follow it across; keep the path only if the
        tracker ends on the second detection (else it drifted, and interpolation is the better guess)."""
        a, b = t.found[-2], t.found[-1]
        hits = self._run(interval[0], a.box, interval[1:], b.box, REACH)
        if len(hits) == len(interval) - 1 and same_face(b.box, hits[-1].box, 0.5):
            t.bridged += hits[:-1]
