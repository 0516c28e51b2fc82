"""Stepping one frame back and forward inside the decoded-frame cache, after a first exact access.

Target: median per step at most 5 ms. Measured returning the Frame, and again with .rgb() (what the canvas needs).
Anchors in the same run: one exact access that must decode (what a step would cost without the cache), and
one plain YUV->RGB conversion of a 1080p frame.
Usage (from the repo root): .venv/bin/python bench/bench_step.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench._clip import clip_1080, percentile, verdict  # noqa: E402
from reviewer.media.frame_reader import FrameReader  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402

TARGET_MS = 5.0


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    path = clip_1080()
    table = build_frame_table(path)
    keys = [int(k) for k in table.key_indices]
    results: dict[str, list[float]] = {k: [] for k in ("back", "fwd", "back_rgb", "fwd_rgb", "fwd_rgb_again")}
    first_access: list[float] = []
    uncached_step: list[float] = []
    rgb_plain: list[float] = []

    for r in range(args.rounds):
        # a GOP away from the ends; the first access decodes it whole, so all of it is cached
        g0 = keys[2 + r % (len(keys) - 4)]
        g1 = keys[keys.index(g0) + 1] - 1
        reader = FrameReader(path, table)
        first_access.append(timed(lambda: reader.frame(g1)))
        for i in range(g1 - 1, g0 - 1, -1):  # step back to the keyframe
            results["back"].append(timed(lambda: reader.frame(i)))
        for i in range(g0 + 1, g1 + 1):  # and forward again
            results["fwd"].append(timed(lambda: reader.frame(i)))
        # with RGB: the first pass over a frame converts it, the second finds the conversion kept
        for i in range(g1 - 1, g0 - 1, -1):
            results["back_rgb"].append(timed(lambda: reader.frame(i).rgb()))
        for i in range(g0 + 1, g1 + 1):
            results["fwd_rgb_again"].append(timed(lambda: reader.frame(i).rgb()))
        reader.close()

        # forward steps with RGB on frames not yet converted: a fresh reader caches the GOP, back to its start
        reader = FrameReader(path, table)
        reader.frame(g1)
        reader.frame(g0)
        for i in range(g0 + 1, g1 + 1):
            results["fwd_rgb"].append(timed(lambda: reader.frame(i).rgb()))
        # anchor: stepping past the cached range means decoding one more frame
        for i in range(g1 + 1, g1 + 11):
            uncached_step.append(timed(lambda: reader.frame(i)))
        f = reader.frame(g0)
        for _ in range(10):
            rgb_plain.append(timed(lambda: f.video.to_ndarray(format="rgb24")))
        reader.close()

    def line(label: str, xs: list[float], target: float | None = TARGET_MS) -> None:
        med, p95 = float(np.median(xs)), percentile(xs, 95)
        tail = f"target <= {target} ms  {verdict(med, target)}" if target else "(anchor)"
        print(f"{label:<52} n={len(xs):4d}  median {med:7.3f} ms  p95 {p95:7.3f} ms  {tail}")

    print(f"file: {path.name} 1920x1080 GOP 60, B-frames; rounds: {args.rounds}")
    line("first exact access (decodes a GOP)", first_access, None)
    line("step past the cache (decode one more frame)", uncached_step, None)
    line("plain VideoFrame.to_ndarray('rgb24')", rgb_plain, None)
    line("step back, Frame", results["back"])
    line("step forward, Frame", results["fwd"])
    line("step back, Frame.rgb()", results["back_rgb"])
    line("step forward, Frame.rgb()", results["fwd_rgb"])
    line("step forward, Frame.rgb() again (the cache keeps YUV only)", results["fwd_rgb_again"])


if __name__ == "__main__":
    main()
