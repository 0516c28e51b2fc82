"""Cold start: wall time from launching `bwv-reviewer RECORDING` to the first frame on screen, for the built bundle
and for the source tree, in the same run, on the 1080p clip of _clip.py.

Each variant gets its own fresh library with the clip imported (not timed). A launch runs the real app offscreen
with --screenshot: the app stamps the wall-clock time when the canvas shows the requested frame (frame 0), and the
figure is that stamp minus the time just before the process was started. The open includes what a user waits for:
Python/Qt start-up, opening the library, re-hashing the original, the frame table (built on the first launch,
cached after) and the first decode. The first launch of each variant also has the bundle's files cold in the page
cache only if nothing ran it before (the library's copy of the clip is evicted before every launch); the median of the later launches is the warm figure.

    .venv/bin/python bench/bench_cold_start.py --bundle dist/bwv-reviewer [--runs 4]

Target (issue 12): <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._clip import clip_1080, evict_from_page_cache, verdict  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def variant_commands(bundle: Path | None) -> dict[str, tuple[list[str], list[str], dict]]:
    """name -> (CLI argv prefix, GUI argv prefix, extra environment)."""
    out = {"source": ([sys.executable, "-m", "reviewer"], [sys.executable, "-m", "ui.launch"],
                      {"PYTHONPATH": str(ROOT)})}
    if bundle is not None:
        out["bundle"] = ([str(bundle / "reviewer")], [str(bundle / "bwv-reviewer")], {})
    return out


def launch_seconds(gui: list[str], rid: str, env: dict, work: Path) -> float:
    shot = work / "shot.png"
    started = time.time()
    p = subprocess.run([*gui, rid, "--frame", "0", "--reason", "benchmark", "--screenshot", str(shot)],
                       capture_output=True, text=True, env=env, cwd=work, timeout=300)
    if p.returncode:
        raise SystemExit(f"launch failed ({p.returncode}): {p.stderr}")
    return json.loads(Path(str(shot) + ".json").read_text())["shown_at"] - started


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, help="a built bundle (packaging/build.sh); without it, source only")
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()
    bundle = args.bundle.absolute() if args.bundle else None  # each launch runs in its own scratch folder
    clip = clip_1080()
    results = {}
    for name, (cli, gui, extra) in variant_commands(bundle).items():
        with tempfile.TemporaryDirectory(prefix=f"bwv-cold-{name}-") as tmp:
            work = Path(tmp)
            env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "REVIEWER_HOME": str(work / "home"),
                   "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **extra}
            # a new library has no supervisor until one is named (ADR 0012): the account running the bench
            subprocess.run([*cli, "admin", "init", "--supervisor", pwd.getpwuid(os.getuid()).pw_name],
                           capture_output=True, text=True, env=env, cwd=work, check=True, timeout=600)
            rid = subprocess.run([*cli, "import", str(clip)], capture_output=True, text=True, env=env, cwd=work,
                                 check=True, timeout=600).stdout.strip()
            times = []
            for _ in range(args.runs):
                for original in (work / "home" / "originals").rglob("*"):
                    if original.is_file():  # the open re-hashes the library's copy: read it from disk each time
                        evict_from_page_cache(original)
                times.append(launch_seconds(gui, rid, env, work))
            results[name] = times
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            print(f"{name:7} first {times[0]:5.2f} s   median of the rest {warm:5.2f} s   "
                  f"all {' '.join(f'{t:.2f}' for t in times)}   {verdict(warm, TARGET_S)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
