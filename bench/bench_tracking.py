"""Tracking assist throughput at 1080p, against the raw tracker's update rate on the same frames.

Subject: a textured 200 px square moving along a smooth curve over a calm background, at 1920x1080 (the
tests' moving-square recipe scaled up; generated once into bench/out/track1080.mp4). The frame-code clip's flat
yellow square is not used: it has no texture, and CSRT's scale estimate collapses on it.
- ours: reviewer.redact.tracking.track_box end to end, as the editor runs it (exact decode of each frame
  through FrameReader, downscale to the tracker's working size, update, loss checks), CSRT and KCF;
- anchor: the same OpenCV tracker's update() alone on the same frames, decoded and downscaled beforehand
  (what tracking would cost if decoding and scaling were free).
Target (issue #4): >= 25 fps at 1080p (CSRT, the default).

Run from the repository root:  .venv/bin/python bench/bench_tracking.py [--frames 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _clip import OUT  # noqa: E402
from reviewer.media.source import MediaSource  # noqa: E402
from reviewer.redact.tracking import TRACK_LONG_SIDE, _make_tracker, _picture, track_box  # noqa: E402

TARGET_FPS = 25.0


WIDTH, HEIGHT, SIZE, FRAMES = 1920, 1080, 200, 300
RECIPE = f"v1-{WIDTH}x{HEIGHT}-{SIZE}-{FRAMES}"


def square_box(n: int) -> tuple[float, float, float, float]:
    cx = WIDTH / 2 + (WIDTH / 2 - SIZE) * 0.8 * np.sin(n / 40.0)
    cy = HEIGHT / 2 + (HEIGHT / 2 - SIZE) * 0.6 * np.sin(n / 23.0)
    x0, y0 = int(round(cx - SIZE / 2)), int(round(cy - SIZE / 2))
    return float(x0), float(y0), float(x0 + SIZE), float(y0 + SIZE)


def track_clip() -> Path:
    path = OUT / "track1080.mp4"
    stamp = path.with_suffix(".recipe.txt")
    if path.exists() and stamp.exists() and stamp.read_text() == RECIPE:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    patch = cv2.resize(rng.integers(0, 255, (10, 10, 3), dtype=np.uint8), (SIZE, SIZE),
                       interpolation=cv2.INTER_NEAREST)
    bg = cv2.GaussianBlur(rng.integers(60, 140, (HEIGHT, WIDTH, 3), dtype=np.uint8), (0, 0), 9)
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "20", "x264-params": "keyint=60:bframes=2"}
        for n in range(FRAMES):
            img = bg.copy()
            x0, y0, x1, y1 = (int(v) for v in square_box(n))
            img[y0:y1, x0:x1] = patch
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = n
            for p in vs.encode(f):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
    tmp.replace(path)
    stamp.write_text(RECIPE)
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}  (2 cores; other work may share them)")
    src = MediaSource.from_file(track_clip())
    n = min(args.frames, src.table.frame_count - 1)
    start = 0
    box = square_box(start)

    reader = src.reader()
    first = reader.frame(start)
    scale = min(1.0, TRACK_LONG_SIDE / max(first.width, first.height))
    pictures = [_picture(reader.frame(i), scale) for i in range(start, start + n + 1)]
    reader.close()
    print(f"{n} frames of {first.width}x{first.height}; trackers work at {pictures[0].shape[1]}x"
          f"{pictures[0].shape[0]}")

    ok = True
    for mode in ("csrt", "kcf"):
        tracker = _make_tracker(mode)
        tracker.init(pictures[0], tuple(int(round(v * scale)) for v in (box[0], box[1], box[2] - box[0],
                                                                        box[3] - box[1])))
        t0 = time.perf_counter()
        for pic in pictures[1:]:
            tracker.update(pic)
        anchor = n / (time.perf_counter() - t0)

        reader = src.reader()
        t0 = time.perf_counter()
        result = track_box(reader, start, box, direction=1, limit=n, mode=mode)
        fps = (len(result.samples) - 1) / (time.perf_counter() - t0)
        reader.close()
        x0, y0, x1, y1 = result.samples[-1].box
        tx0, ty0, tx1, ty1 = square_box(result.samples[-1].index)
        inter = max(0.0, min(x1, tx1) - max(x0, tx0)) * max(0.0, min(y1, ty1) - max(y0, ty0))
        iou = inter / ((x1 - x0) * (y1 - y0) + (tx1 - tx0) * (ty1 - ty0) - inter)
        line = (f"{mode.upper():4}: track_box {fps:6.1f} fps over {len(result.samples) - 1} frames "
                f"(stopped: {result.stopped}, last IoU {iou:.2f});  raw update() {anchor:6.1f} fps  "
                f"({fps / anchor:4.2f}x anchor)")
        if mode == "csrt":
            ok = fps >= TARGET_FPS
            line += f"  target >= {TARGET_FPS:.0f} fps  {'PASS' if ok else 'MISS'}"
        print(line)
    print(f"load average after: {os.getloadavg()}")
    return 0 if ok else 1


if __name__ == "__main__":
    cv2.setNumThreads(cv2.getNumberOfCPUs())
    sys.exit(main())
