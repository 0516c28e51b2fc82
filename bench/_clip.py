"""Benchmark media: a generated 1080p30 H.264 clip (B-frames, 60-frame GOP) and a 1-hour file built from it.

Both are cached under bench/out/ (gitignored) and rebuilt only when the recipe changes. Run benchmarks from the
repository root so `tests.fixtures` imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
# `python bench/_clip.py` puts bench/, not the repository root, on sys.path; the generator lives in tests/
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIP_SECONDS = 25
CLIP_RECIPE = dict(width=1920, height=1080, fps=30, seconds=CLIP_SECONDS, gop=60, bframes=2, codec="libx264", v=1)
HOUR_SECONDS = 3600


def _stamp_ok(path: Path, recipe: dict) -> bool:
    stamp = path.with_suffix(".recipe.json")
    return path.exists() and stamp.exists() and stamp.read_text() == json.dumps(recipe, sort_keys=True)


def _write_stamp(path: Path, recipe: dict) -> None:
    path.with_suffix(".recipe.json").write_text(json.dumps(recipe, sort_keys=True))


def clip_1080() -> Path:
    """~25 s of 1080p30 H.264, B-frames, fixed 60-frame GOP, frame code burned in (tests/fixtures/clips.py)."""
    path = OUT / "clip1080.mp4"
    if _stamp_ok(path, CLIP_RECIPE):
        return path
    from tests.fixtures import clips

    OUT.mkdir(parents=True, exist_ok=True)
    frames = CLIP_SECONDS * 30
    t0 = time.perf_counter()
    clips.encode(
        path,
        width=1920,
        height=1080,
        pts_list=list(range(frames)),
        time_base=Fraction(1, 30),
        gop=60,
        bframes=2,
        audio=False,
    )
    _write_stamp(path, CLIP_RECIPE)
    print(f"[clip] built {path.name}: {frames} frames in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def hour_file() -> Path:
    """One hour of 1080p by stream-copy concatenation of the clip (ffmpeg concat demuxer, -c copy)."""
    src = clip_1080()
    copies = HOUR_SECONDS // CLIP_SECONDS
    recipe = dict(CLIP_RECIPE, copies=copies, src=hashlib.sha256(src.read_bytes()[:1 << 20]).hexdigest())
    path = OUT / "hour1080.mp4"
    if _stamp_ok(path, recipe):
        return path
    listing = OUT / "hour1080.concat.txt"
    listing.write_text("".join(f"file '{src.name}'\n" for _ in range(copies)))
    tmp = OUT / "hour1080.part.mp4"
    t0 = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
         "-map", "0:v:0", str(tmp)],
        check=True,
    )
    os.replace(tmp, path)
    _write_stamp(path, recipe)
    print(f"[clip] built {path.name} ({copies} copies) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def evict_from_page_cache(path: Path) -> None:
    """Ask the kernel to drop the file's cached pages so the next read comes from disk (no root needed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


if __name__ == "__main__":
    print(clip_1080())
    print(hour_file())
