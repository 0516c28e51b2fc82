"""The redaction preview on a 1080p frame with 5 masks, against the raw OpenCV operations on the same regions.

What the player's decode worker runs per frame (ui/redaction/preview.frame_processor): copy the decoded YUV
planes, regions_at() (interpolate + rasterise), redact() (the export's effects on the planes), convert to the
player's BGRA. Measured:
- redact: regions_at + redact on the planes (the export's code; what the masks add to a frame);
- processor: the whole per-frame call, YUV copy and BGRA conversion included;
- plain: the conversion the player does for every frame anyway (frame -> BGRA), for context;
- anchor: the same effects done with raw OpenCV calls on BGR crops of the same bounding boxes (no masks, no
  chroma planes): the floor for this work.
Masks: two blurred ellipses (faces), a pixelated rectangle (plate), a solid rectangle (screen), a blurred polygon,
all between two keyframes so every call interpolates. Target (issue #4): preview <= 15 ms.

Run from the repository root:  .venv/bin/python bench/bench_preview.py [--rounds 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _clip import clip_1080, percentile  # noqa: E402
from reviewer.media.playback import frame_pixels  # noqa: E402
from reviewer.media.source import MediaSource  # noqa: E402
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, ShapeKind  # noqa: E402
from reviewer.redact.planes import Planes  # noqa: E402
from reviewer.redact.render import redact, regions_at  # noqa: E402
from ui.redaction.preview import frame_processor  # noqa: E402

TARGET_MS = 15.0
FRAME = 100


def masks(pts0: int, pts1: int) -> MaskSet:
    def track(kind, a, effect, shift=(40, 20)):
        moved = tuple((x + shift[0], y + shift[1]) for x, y in a)
        return MaskTrack(kind, (Keyframe(pts0, a), Keyframe(pts1, moved)), effect=effect, padding=0.1)

    hexagon = ((900, 300), (1000, 260), (1100, 300), (1100, 420), (1000, 460), (900, 420))
    return MaskSet((
        track(ShapeKind.ELLIPSE, ((300, 200), (480, 420)), Effect(EffectKind.BLUR, 25)),
        track(ShapeKind.ELLIPSE, ((1400, 150), (1560, 350)), Effect(EffectKind.BLUR, 25)),
        track(ShapeKind.RECT, ((700, 800), (980, 870)), Effect(EffectKind.PIXELATE, 16)),
        track(ShapeKind.RECT, ((1200, 600), (1600, 900)), Effect(EffectKind.SOLID)),
        track(ShapeKind.POLYGON, hexagon, Effect(EffectKind.BLUR, 25)),
    ))


def raw_opencv(bgr: np.ndarray, boxes: list[tuple[int, int, int, int, Effect]]) -> None:
    """The same effects on the same boxes with plain OpenCV on a BGR picture: box blur x3 of the same kernel,
    pixelate by resize down/up, fill."""
    for x0, y0, x1, y1, eff in boxes:
        roi = bgr[y0:y1, x0:x1]
        if eff.kind is EffectKind.BLUR:
            k = max(9, int(min(x1 - x0, y1 - y0) * eff.strength / 100)) | 1
            roi[:] = cv2.blur(cv2.blur(cv2.blur(roi, (k, k)), (k, k)), (k, k))
        elif eff.kind is EffectKind.PIXELATE:
            b = eff.strength
            small = cv2.resize(roi, (max(1, (x1 - x0) // b), max(1, (y1 - y0) // b)), interpolation=cv2.INTER_AREA)
            roi[:] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
        else:
            roi[:] = 0


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, ms: list[float], anchor: float | None = None, target: float | None = None) -> None:
    med = percentile(ms, 50)
    line = f"{name:58} median {med:6.2f} ms  p95 {percentile(ms, 95):6.2f} ms"
    if anchor:
        line += f"  ({med / anchor:4.1f}x anchor)"
    if target is not None:
        line += f"  target <= {target:.0f} ms  {'PASS' if med <= target else 'MISS'}"
    print(line)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=60)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}  (2 cores; other work may share them)")
    cv2.setNumThreads(1)  # the decode worker is one thread; so is the export's redaction
    src = MediaSource.from_file(clip_1080())
    reader = src.reader()
    frame = reader.frame(FRAME)
    pts0, pts1 = int(src.table.pts[FRAME - 50]), int(src.table.pts[FRAME + 50])
    ms = masks(pts0, pts1)
    w, h = frame.width, frame.height
    regions = regions_at(ms, frame.pts, w, h)
    assert len(regions) == 5
    boxes = [(r.x0, r.y0, r.x1, r.y1, t.effect) for t, r in regions]
    print(f"1080p frame {FRAME}, 5 masks covering {sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes) / (w * h):.1%} "
          f"of the picture (bounding boxes)")

    bgr = frame.video.to_ndarray(format="bgr24")
    anchor = timed(lambda: raw_opencv(bgr.copy(), boxes), args.rounds)
    planes = Planes.from_frame(frame.video)
    redact_only = timed(lambda: redact(planes.copy(), ms, frame.pts), args.rounds)
    copy_only = timed(lambda: planes.copy(), args.rounds)
    process = frame_processor(ms)
    full = timed(lambda: process(frame, "bgra"), args.rounds)
    plain = timed(lambda: frame_pixels(frame, "bgra"), args.rounds)
    a = percentile(anchor, 50)
    report("anchor: raw OpenCV on BGR crops of the same boxes", anchor)
    report("redact: regions_at + redact on YUV planes (incl. copy)", redact_only, a, TARGET_MS)
    report("  of which the planes copy", copy_only)
    report("processor: YUV copy + redact + BGRA conversion", full, a, TARGET_MS)
    report("plain frame -> BGRA (paid by every frame, masks or not)", plain)
    extra = percentile(full, 50) - percentile(plain, 50)
    print(f"{'preview cost over an unmasked frame (processor - plain)':58} median {extra:6.2f} ms  "
          f"target <= {TARGET_MS:.0f} ms  {'PASS' if extra <= TARGET_MS else 'MISS'}")
    reader.close()
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
