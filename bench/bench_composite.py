"""Incident composite export throughput (issue 13 s.4) against the ffmpeg CLI stacking the same four inputs.

Four generated 1280x720 30 fps cameras (18 s, 2 s apart on their clocks), one with a solid mask and sound; a 10 s
2x2 composite through run_incident_export (exact frames through the incident clock, redaction, display geometry,
tiles scaled to 960x540, labels, leak check, manifest, disclosure). Anchor: ffmpeg scaling and xstacking the four
inputs over the same 10 s with the same encoder settings (no per-tile frame choice, redaction or check).
No target is set by the issue; the figure is reported beside the anchor.

Run from the repository root:  .venv/bin/python bench/bench_composite.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._keyring import ensure_keyring  # noqa: E402

OUT = ROOT / "bench" / "out"
CAM_SECONDS, SECONDS, FPS = 18, 10, 30
PRESET, CRF = "veryfast", 18
STARTS = ["2025-03-14T21:30:00Z", "2025-03-14T21:30:02Z", "2025-03-14T21:30:04Z", "2025-03-14T21:30:06Z"]


def cameras() -> list[Path]:
    from tests.fixtures import clips

    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, start in enumerate(STARTS):
        path = OUT / f"composite_cam{n}_{CAM_SECONDS}s.mp4"
        if not path.exists():
            print(f"building camera {n + 1} of {len(STARTS)} (720p30) ...", file=sys.stderr)
            clips.encode(path, width=1280, height=720, pts_list=list(range(CAM_SECONDS * FPS)),
                         time_base=Fraction(1, FPS), audio=n == 0, seed=n + 1)
        (OUT / f"{path.name}.json").write_text(json.dumps({"start_time": start, "device_id": f"cam-{n + 1}"}))
        paths.append(path)
    return paths


def run_ffmpeg(paths: list[Path], start: float) -> float:
    inputs = []
    for n, p in enumerate(paths):
        inputs += ["-ss", f"{max(0.0, start - 2 * n):.3f}", "-t", str(SECONDS), "-i", str(p)]
    graph = "".join(f"[{n}:v]scale=960:540[v{n}];" for n in range(4)) + \
        "[v0][v1][v2][v3]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[v]"
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]", "-map", "0:a",
                    "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(OUT / "composite_ffmpeg.mp4")], check=True)
    return time.perf_counter() - t0


def run_ours(paths: list[Path]) -> tuple[float, dict, float]:
    from reviewer.export.incident_export import IncidentExportJob, run_incident_export
    from reviewer.incident.service import IncidentClocks
    from reviewer.library import Library
    from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
    from reviewer.redact.store import MaskStore
    from tests.fixtures.testlib import make_test_library

    with tempfile.TemporaryDirectory() as tmp:
        home = make_test_library(Path(tmp) / "home")
        os.environ["REVIEWER_HOME"] = str(home)
        with Library(home) as lib:
            report = lib.import_paths(paths, incident="BENCH-1")
            assert not report.errors, report.errors
            clock = IncidentClocks(lib).clock("BENCH-1")
            first = clock.placements[0]
            table = lib.open_recording(first.recording_id, reason="bench").table
            MaskStore(lib).save_track(first.recording_id, MaskTrack(
                ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((400.0, 200.0), (700.0, 500.0))),),
                Effect(EffectKind.SOLID), label="face", reason="third-party face"))
            start = clock.start(clock.placements[-1].key) + 1.0  # every camera running
            job = IncidentExportJob("BENCH-1", start, start + SECONDS, Path(tmp) / "composite.mp4", layout="2x2",
                                    recordings=tuple(p.recording_id for p in clock.placements), preset=PRESET,
                                    crf=CRF, purpose="bench")
            t0 = time.perf_counter()
            [res] = run_incident_export(lib, job)
            wall = time.perf_counter() - t0
            return wall, res.manifest, start


def main() -> None:
    ensure_keyring()  # the manifest is sealed with the workstation key
    paths = cameras()
    wall, manifest, start = run_ours(paths)
    ff = run_ffmpeg(paths, start)
    frames = manifest["output"]["frames"]
    w, h = manifest["output"]["width"], manifest["output"]["height"]
    print(f"4 cameras 1280x720p30 -> {SECONDS} s 2x2 composite {w}x{h}, {frames} frames; x264 {PRESET} crf {CRF}; "
          f"1 solid mask, leak check {'passed' if manifest['leak_check']['passed'] else 'FAILED'}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"ffmpeg CLI scale + xstack (anchor): {ff:6.1f} s  {frames / ff:6.1f} fps")
    print(f"ours, run_incident_export        : {wall:6.1f} s  {frames / wall:6.1f} fps  = {ff / wall:4.2f}x ffmpeg")


if __name__ == "__main__":
    main()
