"""Peak memory (RSS) while reviewing the 1-hour 1080p file.

Builds the frame table, opens a FrameReader with the default cache, makes 300 random exact accesses and, every
tenth access, steps 30 frames back and 30 forward converting each frame to RGB as the canvas does.
Target: peak RSS at most 800 MB. Anchor in the same process: RSS after importing only av and numpy.
Usage (from the repo root): .venv/bin/python bench/bench_memory.py [--accesses 300]
"""

from __future__ import annotations

import sys
from pathlib import Path

import av  # noqa: F401  (anchor: RSS with just these two loaded)
import numpy as np  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._clip import current_rss_mb, peak_rss_mb  # noqa: E402

ANCHOR_MB = current_rss_mb()

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from bench._clip import hour_file, verdict  # noqa: E402
from reviewer.media.frame_reader import DEFAULT_CACHE_BYTES, FrameReader  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402

TARGET_MB = 800.0


def _frame_of(entry):
    # tolerate a cache that stores (frame, charged_size) pairs
    return entry[0] if isinstance(entry, tuple) else entry


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accesses", type=int, default=300)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()

    path = hour_file()
    t0 = time.perf_counter()
    table = build_frame_table(path)
    after_table = current_rss_mb()
    reader = FrameReader(path, table)
    rng = random.Random(args.seed)
    steps = 0
    for k in range(args.accesses):
        i = rng.randrange(table.frame_count)
        reader.frame(i).rgb()
        if k % 10 == 0:
            lo, hi = max(0, i - 30), min(table.frame_count - 1, i + 30)
            for j in range(i - 1, lo - 1, -1):
                reader.frame(j).rgb()
                steps += 1
            for j in range(lo + 1, hi + 1):
                reader.frame(j).rgb()
                steps += 1
    elapsed = time.perf_counter() - t0
    cache_items, cache_accounted = len(reader.cache), reader.cache.nbytes / 2**20
    # what the cached frames really hold, including RGB conversions made after they entered the cache
    held = sum(_frame_of(v).nbytes for v in list(reader.cache._items.values())) / 2**20
    end_rss = current_rss_mb()
    peak = peak_rss_mb()
    reader.close()

    print(f"file: {path.name} {table.frame_count} frames; {args.accesses} random accesses + {steps} steps "
          f"(all with .rgb()) in {elapsed:.1f} s; cache limit {DEFAULT_CACHE_BYTES / 2**20:.0f} MiB")
    print(f"RSS after importing av+numpy     {ANCHOR_MB:8.1f} MiB   (anchor)")
    print(f"RSS after frame table            {after_table:8.1f} MiB")
    print(f"cache: {cache_items} frames, accounted {cache_accounted:.1f} MiB, actually held {held:.1f} MiB")
    print(f"RSS at end                       {end_rss:8.1f} MiB")
    print(f"peak RSS (VmHWM)                 {peak:8.1f} MiB   target <= {TARGET_MB:.0f} MB  "
          f"{verdict(peak * 1.048576, TARGET_MB)}")


if __name__ == "__main__":
    main()
