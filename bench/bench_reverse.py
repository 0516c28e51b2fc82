"""Reverse play through the real player (controller + decode worker + canvas, Qt offscreen, real event loop).

The 25 s 1080p30 bench clip (B-frames, 60-frame GOP) played backwards at -1x from its last frame, and, as the
anchor in the same run, forwards at 1x from its first frame for the same wall time. Reports the dropped-frame
share of each (frames whose time came and went unshown), checks every shown frame's burned-in code and order,
and the peak memory. Target: reverse -1x drops <= 5%. Also prints -2x as information (no target).
Usage (from the repo root): .venv/bin/python bench/bench_reverse.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget  # noqa: E402

from bench._clip import clip_1080, peak_rss_mb, verdict  # noqa: E402
from bench.bench_playback import spin, wait_until  # noqa: E402
from reviewer.media.source import MediaSource  # noqa: E402
from tests.fixtures import framecode  # noqa: E402
from ui.player.canvas import VideoCanvas  # noqa: E402
from ui.player.controller import PlayerController  # noqa: E402
from ui.player.image import rgb_from_qimage  # noqa: E402
from ui.player.transport import TransportBar  # noqa: E402

TARGET = 0.05


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0, help="wall time of each run (the clip lasts 25 s)")
    args = ap.parse_args()

    path = clip_1080()
    app = QApplication.instance() or QApplication([])
    src = MediaSource.from_file(path)
    n = src.table.frame_count
    print(f"file: {path.name}, {n} frames; load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    c = PlayerController(audio=False)
    win = QWidget()
    lay = QVBoxLayout(win)
    lay.addWidget(VideoCanvas(c), 1)
    lay.addWidget(TransportBar(c))
    win.resize(1280, 800)
    win.show()

    shown: list[tuple[int, int | None]] = []
    first_at: list[float] = []
    code_rows = 4 * framecode.block_size(src.info.width)

    def check(i, img) -> None:
        if not first_at:
            first_at.append(time.monotonic())
        shown.append((i, framecode.read(rgb_from_qimage(img.copy(QRect(0, 0, img.width(), code_rows))))))

    c.imageReady.connect(check)
    c.open(src)
    wait_until(app, lambda: c.current_image is not None and not c.busy)

    results = {}
    for label, start, direction, speed, seconds in (
        ("forward 1x", 0, 1, 1.0, args.seconds),
        ("reverse -1x", n - 1, -1, 1.0, args.seconds),
        ("reverse -2x", n - 1, -1, 2.0, min(args.seconds, 10.0)),
    ):
        c.seek(start)
        wait_until(app, lambda: c.current_index == start and not c.busy)
        c.set_speed(speed)
        shown.clear()
        first_at.clear()
        c.stats.shown = c.stats.dropped = 0
        skipped0 = c.decoder_skipped
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        c.play(direction)
        spin(app, 3.0)
        early = c.stats.dropped
        spin(app, seconds - 3.0)
        c.pause()
        wall = time.monotonic() - t0
        s = c.stats
        idx = [i for i, _ in shown]
        wrong = sum(code != i for i, code in shown)
        order = sum((b - a) * direction <= 0 for a, b in zip(idx, idx[1:]))
        gaps = [(b, abs(b - a) - 1) for a, b in zip(idx, idx[1:]) if abs(b - a) > 1]
        frac = s.dropped_fraction
        results[label] = frac
        target = f"target <= {100 * TARGET:.0f}% {verdict(frac, TARGET)}" if label == "reverse -1x" else "anchor"
        print(f"{label}: {wall:.1f} s wall, shown {s.shown}, dropped {s.dropped} ({100 * frac:.2f}%; {target}); "
              f"{early} of them in the first 3 s; first frame {1000 * (first_at[0] - t0):.0f} ms after play; "
              f"{c.decoder_skipped - skipped0} decoded too late; frames {start} -> {c.current_index}; "
              f"wrong codes {wrong}, out of order {order}; load average {load0:.2f} -> {os.getloadavg()[0]:.2f}; "
              f"first gaps (frame after, frames missed): {gaps[:12]}")
    c.shutdown()
    print(f"peak RSS {peak_rss_mb():.0f} MiB")
    print("summary:", ", ".join(f"{k} {100 * v:.2f}%" for k, v in results.items()),
          "| reverse -1x within target" if results["reverse -1x"] <= TARGET else "| reverse -1x MISSED")


if __name__ == "__main__":
    main()
