"""Random exact access with FrameReader against the raw floor (plain PyAV from the preceding keyframe).

Target: our median and p95 at most 1.1x the floor's, measured in the same run on the same indices.
Usage (from the repo root): .venv/bin/python bench/bench_random_access.py [--n 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402
import numpy as np  # noqa: E402

from bench._clip import clip_1080, percentile, verdict  # noqa: E402
from reviewer.media.frame_reader import FrameReader  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402

TARGET_RATIO = 1.1


def pick_indices(table, n: int, seed: int) -> list[int]:
    """Random frames, but never one the reader could reach by decoding on from the previous access.

    Without this, a target a few frames after the last one would be served by continuing the decode, and the
    comparison would flatter us: every access here must pay for a seek, exactly like the floor.
    """
    rng = random.Random(seed)
    out: list[int] = []
    prev = None
    while len(out) < n:
        i = rng.randrange(table.frame_count)
        if prev is not None and i > prev and (table.gop_start_for(i) <= prev or i - prev <= 12):
            continue
        if i == prev:
            continue
        out.append(i)
        prev = i
    return out


class Floor:
    """Plain PyAV: seek to the keyframe from the same table, decode forward to the pts. No cache, no layers."""

    def __init__(self, path: Path, table):
        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        ctx = self.stream.codec_context
        ctx.thread_type = "AUTO"  # same as FrameReader
        ctx.thread_count = 0
        self.table = table

    def frame(self, index: int) -> av.VideoFrame:
        target = int(self.table.pts[index])
        self.container.seek(self.table.seek_pts_for(index), stream=self.stream, backward=True, any_frame=False)
        for packet in self.container.demux(self.stream):
            for vf in packet.decode():
                if vf.pts == target:
                    return vf
        raise RuntimeError(f"floor: frame {index} not found")

    def close(self) -> None:
        self.container.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    path = clip_1080()
    table = build_frame_table(path)
    indices = pick_indices(table, args.n, args.seed)
    # a cache too small to hold one 1080p frame, so every access is a real decode
    reader = FrameReader(path, table, cache_bytes=1)
    floor = Floor(path, table)
    for i in reversed(indices[:5]):  # warm both decoders; ending on indices[0] forces its measured access to seek
        reader.frame(i)
        floor.frame(i)
    seeks_before = reader.seeks

    ours: list[float] = []
    raw: list[float] = []
    for k, i in enumerate(indices):
        # alternate who goes first so drift (thermal, other load) hits both sides equally
        order = (0, 1) if k % 2 == 0 else (1, 0)
        for who in order:
            t0 = time.perf_counter()
            if who == 0:
                f = reader.frame(i)
                assert f.index == i and f.pts == int(table.pts[i])
                ours.append(time.perf_counter() - t0)
            else:
                vf = floor.frame(i)
                raw.append(time.perf_counter() - t0)
                assert vf.pts == int(table.pts[i])
    seeks = reader.seeks - seeks_before
    reader.close()
    floor.close()

    om, op = np.median(ours) * 1e3, percentile(ours, 95) * 1e3
    fm, fp = np.median(raw) * 1e3, percentile(raw, 95) * 1e3
    print(f"file: {path.name} 1920x1080 {table.frame_count} frames, GOP 60, B-frames; accesses: {len(indices)}"
          f" (reader seeks: {seeks})")
    print(f"floor (plain PyAV)   median {fm:7.2f} ms   p95 {fp:7.2f} ms")
    print(f"FrameReader          median {om:7.2f} ms   p95 {op:7.2f} ms")
    print(f"ratio median {om / fm:.3f}x  p95 {op / fp:.3f}x   target <= {TARGET_RATIO}x   "
          f"{verdict(max(om / fm, op / fp), TARGET_RATIO)}")


if __name__ == "__main__":
    main()
