"""Alignment of two 10-minute recordings by their audio (issue 13 s.1): wall time of reviewer.incident.align.propose,
split into decode (audio to the onset envelope) and correlation (pair search, drift windows, solve).

Media: two cameras of one generated scene (tests/fixtures/scenes.py), 10 minutes each, 30 and 29.97 fps at
256x144 with 48 kHz mono AAC; clocks 17.3 s apart, drift +25 and -25 ppm (50 ppm between them, so the lag moves
by 30 ms, about a frame, over the recording). Cached in bench/out/align/.
Anchor (same run): plain PyAV decode of both audio streams, packets to frames and nothing else: the floor any
alignment that listens to the whole recording pays. Cold: no envelope cached (each run gets an empty cache, as
the first alignment of new footage); warm: the envelopes cached by the run before (aligning again, e.g. after a
camera is added to the incident).

    .venv/bin/python bench/bench_align.py [--runs 3]

Target: <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402

from bench._clip import OUT, verdict  # noqa: E402
from reviewer.incident.align import AlignInput, propose  # noqa: E402
from reviewer.incident.onset import EnvelopeCache  # noqa: E402
from tests.fixtures import scenes  # noqa: E402

TARGET_S = 2.0
SCENE = scenes.Scene(620.0, 29, (
    scenes.Camera("cam-1", "30", 0.0, 600.0, 9.1, 25.0, gain=0.8, noise=0.02),
    scenes.Camera("cam-2", "29.97", 8.0, 600.0, -8.2, -25.0, gain=0.4, noise=0.03, noise_kind="wind"),
))


def decode_only(path: Path) -> int:
    n = 0
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        for packet in c.demux(s):
            for frame in packet.decode():
                n += frame.samples
    return n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    paths = scenes.render(SCENE, OUT / "align")
    built = time.perf_counter() - t0
    if built > 1:
        print(f"[media] built two 10-minute recordings in {built:.0f} s", file=sys.stderr)
    a, b = SCENE.cameras
    # the clocks as the sidecars give them: b's start is 17.3 s off its truth relative to a
    inputs = [AlignInput(c.name, paths[c.name], 0.0, c.true_start + c.clock_error, True) for c in SCENE.cameras]
    totals, decodes, correlates, floors, warm, cpu, floor_cpu = [], [], [], [], [], [], []
    for _ in range(args.runs):
        t, c0 = time.perf_counter(), time.process_time()
        for c in SCENE.cameras:
            decode_only(paths[c.name])
        floors.append(time.perf_counter() - t)
        floor_cpu.append(time.process_time() - c0)
        with tempfile.TemporaryDirectory() as tmp:
            cache = EnvelopeCache(Path(tmp))
            t, c0 = time.perf_counter(), time.process_time()
            got = propose(inputs, reference=a.name, cache=cache)
            totals.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c0)
            decodes.append(got.timings["decode"])
            correlates.append(got.timings["correlate"])
            t = time.perf_counter()
            propose(inputs, reference=a.name, cache=cache)
            warm.append(time.perf_counter() - t)
    pb = got.placements[b.name]
    err_ms = (pb.start - got.placements[a.name].start - (b.true_start - a.true_start)) * 1000
    drift = pb.drift_ppm
    load = os.getloadavg()[0]
    print(f"align two 10-minute recordings, cold: {statistics.median(totals):.2f} s (median of {args.runs}; decode "
          f"{statistics.median(decodes):.2f} s, correlation {statistics.median(correlates):.2f} s)  "
          f"target <= {TARGET_S:g} s  {verdict(statistics.median(totals), TARGET_S)}")
    print(f"  CPU time of the cold alignment: {statistics.median(cpu):.2f} s (what it takes on an idle core)")
    print(f"anchor: PyAV decode of both audio streams alone: {statistics.median(floors):.2f} s "
          f"(CPU {statistics.median(floor_cpu):.2f} s)")
    print(f"warm (envelopes cached): {statistics.median(warm):.2f} s  target <= {TARGET_S:g} s  "
          f"{verdict(statistics.median(warm), TARGET_S)}")
    print(f"result: {pb.status}, start error {err_ms:+.1f} ms (a frame is 33 ms), drift "
          f"{'not measured' if drift is None else f'{drift:+.1f} ppm'} (truth {b.drift_ppm - a.drift_ppm:+.1f} ppm)")
    print(f"load average while running: {load:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
