"""One detection pass over a recording, or a range of it (issue 14 s.1): faces found on sampled frames, linked into
tracks. Qt-free; progress and cancel through the Task.

What is run where (chosen by measurement, docs/decisions/0020-detection-assist.md):
- every `stride`-th frame, the whole picture scaled to `coarse_long_side` (at 1024 px wide CenterFace finds 1080p
  faces from about 40 px high);
- every `fine_every`-th sample, the picture at full resolution in tiles (smaller faces, down to 24 px in 1080p;
  tiles keep the network's memory within the export's 600 MB budget, where a whole 1080p input took 800 MB);
- each small face already tracked is followed at full resolution on every sample by a crop around where it is
  expected, and a new one is searched for backwards through the samples kept since the last fine pass, so a
  small face is tracked from the sample it appeared on, not from the next fine pass.
Frames between samples are decoded (the codec needs them) but not examined: they are kept until the next sample
so the tracker can bridge across them where interpolation is not enough (reviewer/detect/bridge.py).

Detection runs on the displayed picture (ADR 0022: a phone clip turned 90 degrees shows its faces upright only
once turned), in display pixels; at the end of the pass every box is mapped back to stored pixels, which is
what masks are kept in.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from reviewer.detect.bridge import Bridger, disagreement
from reviewer.detect.centerface import CenterFace, nms, round32
from reviewer.detect.link import REACH, FaceTrack, Hit, Linker, near, same_face
from reviewer.media.frame_reader import FrameReader
from reviewer.media.geometry import Geometry, parse_sar
from reviewer.media.probe import display_geometry
from reviewer.progress import NO_TASK, Task
from reviewer.redact.tracking import Held, Ring
from reviewer.redact.model import Effect

READER_CACHE_BYTES = 16 * 1024 * 1024  # a forward pass needs no cache of its own


@dataclass(frozen=True)
class Settings:
    stride: int = 15  # frames between samples
    coarse_long_side: int = 1024
    fine_every: int = 8  # every n-th sample also at full resolution, tiled (0: never)
    tile: tuple[int, int] = (1024, 608)
    start: float = 0.3  # a track is proposed once a detection in it is this confident (and it has min_hits)...
    keep: float = 0.2  # ...a detection this confident starts or continues one; a track never confirmed is noted
    # as a low-confidence face (its best detection) for the coverage review
    max_gap: int = 2  # samples a track may miss and go on
    small: int = 72  # source px: faces smaller than this are followed by full-resolution crops
    min_hits: int = 2  # ...or once, if at least `single` confident
    single: float = 0.7
    padding: float = 0.2
    # the tracker bridges between samples at a track's ends and where a detection is further than this (in face
    # heights) from where the track's motion put it: twice the padding, the most the padded mask of a linear
    # guess can be out by and still cover the face half way (0: never bridge)
    bridge: float = 0.4
    effect: dict = field(default_factory=lambda: Effect().to_json())

    def to_json(self) -> dict:
        d = asdict(self)
        d["tile"] = list(self.tile)
        return d


@dataclass
class PassResult:
    tracks: list[FaceTrack]
    low: list[Hit]  # confident enough to note, not enough to propose
    first: int
    last: int
    samples: int
    width: int  # stored picture: the boxes are in stored pixels
    height: int
    bridged: int = 0  # tracker updates run between samples...
    bridge_seconds: float = 0.0  # ...and the time they took (frames read again for it included)


def _tiles(w: int, h: int, tw: int, th: int) -> list[tuple[int, int]]:
    """Top-left corners of tiles covering w x h with overlap (a face on a seam is whole in one of them)."""
    overlap = 80  # px: a face up to this size on a seam is whole in one tile; larger ones the coarse pass finds

    def starts(n: int, t: int) -> list[int]:
        if n <= t:
            return [0]
        k = int(np.ceil((n - overlap) / (t - overlap)))
        return [round(i * (n - t) / (k - 1)) for i in range(k)]
    return [(x, y) for y in starts(h, th) for x in starts(w, tw)]


class Detector:
    def __init__(self, reader: FrameReader, settings: Settings = Settings(), model: CenterFace | None = None,
                 geometry: Geometry | None = None):
        """`geometry`: the recording's (Geometry.of(info)); read from the file when not given."""
        self.reader = reader
        self.s = settings
        self.model = model or CenterFace()
        f0 = reader.frame(0)
        if geometry is None:
            rotation, sar = display_geometry(reader.path)
            geometry = Geometry(f0.width, f0.height, rotation, parse_sar(sar))
        self.geo = geometry
        self.width, self.height = geometry.display_size  # everything below works in display pixels
        scale = min(1.0, settings.coarse_long_side / max(self.width, self.height))
        self.cw, self.ch = max(2, round(self.width * scale)) & ~1, max(2, round(self.height * scale)) & ~1
        self.tw, self.th = min(settings.tile[0], round32(self.width)), min(settings.tile[1], round32(self.height))
        # the coarse picture is padded to the tile's size where it fits: one Net serves both (150 MB each)
        fits = self.cw <= self.tw and self.ch <= self.th
        self.coarse_in = (self.tw, self.th) if fits else (round32(self.cw), round32(self.ch))

    # ---- one picture ------------------------------------------------------------------------------------------
    def _full(self, frame) -> np.ndarray:
        """The displayed picture at full resolution (the stored one itself when the geometry is the identity), of
        a decoded Frame or a Held copy of one."""
        if isinstance(frame, Held):  # 4:2:0 of even sides (Held.of)
            y, u, v = frame.planes
            i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(frame.height * 3 // 2, frame.width)
            rgb = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
        else:
            rgb = frame.video.to_ndarray(format="rgb24")
        return self.geo.to_display(rgb)

    def _coarse(self, frame) -> np.ndarray:
        turned = self.geo.rotation in (90, 270)
        w, h = (self.ch, self.cw) if turned else (self.cw, self.ch)  # scaled to square pixels, then turned
        rgb = Geometry(w, h, self.geo.rotation).to_display(
            frame.video.reformat(width=w, height=h, format="rgb24").to_ndarray())
        pad = np.zeros((self.coarse_in[1], self.coarse_in[0], 3), np.uint8)
        pad[:self.ch, :self.cw] = rgb
        d = self.model.detect(pad, self.s.keep)
        d[:, [0, 2]] *= self.width / self.cw
        d[:, [1, 3]] *= self.height / self.ch
        return d

    def _region(self, full: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
        """Detections in full[y:y+h, x:x+w] at full resolution (padded to multiples of 32), source pixels."""
        crop = full[y:y + h, x:x + w]
        ph, pw = round32(crop.shape[0]), round32(crop.shape[1])
        if (ph, pw) != crop.shape[:2]:
            pad = np.zeros((ph, pw, 3), np.uint8)
            pad[:crop.shape[0], :crop.shape[1]] = crop
            crop = pad
        d = self.model.detect(np.ascontiguousarray(crop), self.s.keep)
        d[:, [0, 2]] += x
        d[:, [1, 3]] += y
        # a face cut by the region's edge is found whole elsewhere (another tile, the coarse pass)
        inside = ((d[:, 0] > x + 1) | (x == 0)) & ((d[:, 2] < x + w - 1) | (x + w >= self.width)) & \
                 ((d[:, 1] > y + 1) | (y == 0)) & ((d[:, 3] < y + h - 1) | (y + h >= self.height))
        return d[inside]

    def _fine(self, full: np.ndarray) -> np.ndarray:
        parts = [self._region(full, x, y, self.tw, self.th) for x, y in _tiles(self.width, self.height,
                                                                                 self.tw, self.th)]
        return np.concatenate(parts) if parts else np.zeros((0, 5), np.float32)

    def _around(self, full: np.ndarray, box, wide: bool = False) -> np.ndarray:
        x0, y0, x1, y1 = box
        # three crop sizes only (each input size is a Net of its own, with its own buffers); a face seen once
        # may be fast: look wide
        side = 512 if wide else 128 if 3.0 * max(x1 - x0, y1 - y0) <= 128 else 256
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        x = int(np.clip(cx - side / 2, 0, max(0, self.width - side)))
        y = int(np.clip(cy - side / 2, 0, max(0, self.height - side)))
        return self._region(full, x, y, min(side, self.width - x), min(side, self.height - y))

    def _small(self, box) -> bool:
        return box[3] - box[1] < self.s.small

    # ---- the pass --------------------------------------------------------------------------------------------
    def run(self, first: int, last: int, task: Task = NO_TASK) -> PassResult:
        s = self.s
        linker = Linker(s.start, s.keep, s.max_gap, self.width, self.height)
        bridger = Bridger(self.geo)
        kept: deque = deque(maxlen=max(1, s.fine_every))  # recent samples, copied as decoded (YUV: half the
        # bytes of RGB, into buffers reused: tracking.Held) and converted only if a face that appeared sends us back
        kept_ring = Ring(max(1, s.fine_every) + 1)
        looked_back: set[int] = set()
        samples = list(range(first, last + 1, s.stride))
        if samples[-1] != last:
            samples.append(last)  # the range's last frame is examined, so a face there is not left to chance
        interval: list = []  # the frames from the previous sample to this one, copied for the tracker...
        ring = Ring(s.stride + 2)  # ...into buffers reused interval after interval (the previous sample's survives)
        for n, i in enumerate(samples):
            task.check("face detection")
            if s.bridge > 0:
                held, frame = self._frames(interval[-1].index + 1 if interval else i, i, ring)
                interval = interval[-1:] + held
            else:
                frame = self.reader.frame(i)
                interval = [frame]
            fine = s.fine_every > 0 and n % s.fine_every == 0
            dets = [self._coarse(frame)]
            full = None
            # seen once, a face's speed is unknown: look further around it
            follow = [(t.predict(i), len(t.found) == 1) for t in linker.active if self._small(t.last.box)]
            if fine or follow:
                full = self._full(frame)
                if fine:
                    dets.append(self._fine(full))
                dets += [self._around(full, b, wide) for b, wide in follow]
            merged = nms(np.concatenate(dets), 0.3)
            prev = interval[0].index
            expected = {id(t): t.predict(i) for t in linker.active if t.last.index == prev}
            ended = len(linker.done)
            started = linker.step(i, frame.pts, merged, n == 0)
            if s.bridge > 0 and len(interval) > 2:  # (not on the first sample)
                self._bridge(bridger, linker.active + linker.done[ended:], started, expected, interval)
            for t in linker.active:
                # once confirmed (not for every faint tentative one: each look back costs a wide crop a sample)
                if t.start == "appeared" and id(t) not in looked_back and t.peak >= s.start:
                    looked_back.add(id(t))
                    self._backfill(t, kept)
                    f0 = t.found[0].index
                    if s.bridge > 0 and f0 < i:
                        # found further back: the frames before that sample are read again (rare: a small face
                        # that appeared; the reader seeks back, then on)
                        t0 = time.perf_counter()
                        # into the ring's buffers after this sample's (its others are done with), then handed
                        # back: the next interval overwrites them and keeps this sample's
                        at = ring.at
                        frames, _ = self._frames(max(first, f0 - s.stride), f0, ring)
                        bridger.seconds += time.perf_counter() - t0
                        bridger.backward(t, frames)
                        ring.at = at
            if s.fine_every > 0:
                kept.append(Held.of(frame, kept_ring))
            task.report((n + 1) / len(samples), f"face detection: frame {i} of {last}")
        every = linker.close()
        for t in every:
            t.settle()
        tracks = [t for t in every if (len(t.found) >= s.min_hits and t.peak >= s.start) or t.peak >= s.single]
        low = [max(t.found, key=lambda h: h.score) for t in every if t not in tracks]
        if not self.geo.identity:
            for t in tracks:
                t.hits = [self._stored(h) for h in t.hits]
                t.bridged = [self._stored(h) for h in t.bridged]
            low = [self._stored(h) for h in low]
        return PassResult(tracks, sorted(low, key=lambda h: h.index), first, last, len(samples), self.geo.width,
                          self.geo.height, bridger.updates, bridger.seconds)

    def _bridge(self, bridger: Bridger, tracks: list[FaceTrack], started: list[FaceTrack], expected: dict,
                interval: list) -> None:
        """After a sample's detections are linked: where interpolation from the previous sample is not enough,
        the tracker bridges the frames between (reviewer/detect/bridge.py). Faint tentative tracks are left
        alone: most are not faces, and each bridge costs a tracker update a frame."""
        prev, i = interval[0].index, interval[-1].index
        new = {id(t) for t in started}
        for t in tracks:
            if t.peak < self.s.start:
                continue
            if id(t) in new:
                bridger.backward(t, interval)
                continue
            here = t.hits[-1].index == i and t.hits[-1].box is not None
            if not here and t.last.index == prev:
                bridger.forward(t, interval)
            elif here and id(t) in expected and disagreement(expected[id(t)], t.last.box) > self.s.bridge:
                bridger.between(t, interval)

    def _frames(self, a: int, b: int, ring: Ring | None = None) -> tuple[list, object]:
        """Frames a..b copied for the tracker (tracking.Held: a decoded frame held pins more than its pixels), and
        frame b as decoded."""
        held = [Held.of(self.reader.frame(j), ring) for j in range(a, b)]
        last = self.reader.frame(b)
        return held + [Held.of(last, ring)], last

    def _stored(self, h: Hit) -> Hit:
        if h.box is None:
            return h
        (x0, y0), (x1, y1) = self.geo.box_to_storage((h.box[0], h.box[1]), (h.box[2], h.box[3]))
        return Hit(h.index, h.pts, (x0, y0, x1, y1), h.score)

    def _backfill(self, t: FaceTrack, kept: deque) -> None:
        """A face that appeared: look for it on the kept earlier samples, newest first, while it is still there."""
        box = t.hits[0].box
        for sample in reversed(kept):
            index, pts = sample.index, sample.pts
            if index >= t.hits[0].index:
                continue
            full = self._full(sample)
            d = [r for r in self._around(full, box, wide=True) if same_face(box, tuple(r[:4]), REACH)]
            if not d:
                return
            best = d[int(np.argmin([near(box, tuple(r[:4])) for r in d]))]
            box = tuple(float(v) for v in best[:4])
            t.hits.insert(0, Hit(index, pts, box, float(best[4])))
