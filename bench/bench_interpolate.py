"""interpolate() per call over a 10,000-keyframe track, against its floor measured in the same run.

Cases: a rectangle track (2 points per keyframe), a 12-vertex polygon track, and a polygon track whose
neighbouring keyframes differ in vertex count (12 vs 16, so every call resamples). Queries are random pts
across the whole range, most between keyframes. Anchor: bisect on the same pts tuple plus one linear blend of
two points in plain Python, the least any keyframe lookup + interpolation can cost.
Target (issue #4): < 50 us per call.

Run from the repository root:  .venv/bin/python bench/bench_interpolate.py [--calls 100000]
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.redact.interpolate import interpolate  # noqa: E402
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind  # noqa: E402

KEYFRAMES = 10_000
STEP = 512  # pts between keyframes (30 fps at 1/15360)
TARGET_US = 50.0


def polygon(n: int, cx: float, cy: float, r: float) -> tuple[tuple[float, float], ...]:
    import math

    return tuple((cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n)) for k in range(n))


def tracks() -> dict[str, MaskTrack]:
    rng = random.Random(1)
    rect = []
    poly = []
    mixed = []
    for i in range(KEYFRAMES):
        x, y = rng.uniform(0, 1700), rng.uniform(0, 900)
        rect.append(Keyframe(i * STEP, ((x, y), (x + 200, y + 150))))
        poly.append(Keyframe(i * STEP, polygon(12, x, y, 80)))
        mixed.append(Keyframe(i * STEP, polygon(12 if i % 2 else 16, x, y, 80)))
    return {"rectangle": MaskTrack(ShapeKind.RECT, tuple(rect)),
            "polygon 12": MaskTrack(ShapeKind.POLYGON, tuple(poly)),
            "polygon 12/16 (resampled)": MaskTrack(ShapeKind.POLYGON, tuple(mixed))}


def per_call_us(fn, queries) -> float:
    t0 = time.perf_counter_ns()
    for q in queries:
        fn(q)
    return (time.perf_counter_ns() - t0) / len(queries) / 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    rng = random.Random(2)
    end = (KEYFRAMES - 1) * STEP
    queries = [rng.randrange(0, end) for _ in range(args.calls)]
    built = tracks()
    pts = built["rectangle"].pts_list
    points = [k.points for k in built["rectangle"].keyframes]

    def floor(q: int):
        i = bisect.bisect_right(pts, q) - 1
        (ax, ay), (bx, by) = points[i]
        t = (q - pts[i]) / STEP
        return ax + (bx - ax) * t, ay + (by - ay) * t

    anchor = per_call_us(floor, queries)
    print(f"anchor (bisect + one linear blend, pure Python): {anchor:.2f} us/call")
    ok = True
    for name, track in built.items():
        calls = queries if "resampled" not in name else queries[: max(1000, len(queries) // 10)]
        us = per_call_us(lambda q, t=track: interpolate(t, q), calls)
        verdict = "PASS" if us < TARGET_US else "MISS"
        ok &= us < TARGET_US
        print(f"interpolate, {name:26} {KEYFRAMES} keyframes: {us:7.2f} us/call  ({us / anchor:5.1f}x anchor)  "
              f"target < {TARGET_US:.0f} us  {verdict}")
    print(f"load average after: {os.getloadavg()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
