"""Playback through the real player (controller + decode worker + canvas, Qt offscreen, real event loop).

60 s of wall-clock playback of the 1-hour 1080p30 file (B-frames, 60-frame GOP) at 1x and at 2x; reports the
dropped-frame share (frames whose time came and went unshown) and checks every shown frame's burned-in code.
Targets: <= 1% dropped at 1x, <= 5% at 2x. Anchor in the same run: plain PyAV sequential decode fps of the same
file (no RGB, no Qt), and decode + RGB conversion fps (the worker's per-frame work).
Offscreen there is no audio device, so the clock is the monotonic one (the audio clock only re-anchors it).
Usage (from the repo root): .venv/bin/python bench/bench_playback.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QRect, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget  # noqa: E402

from bench._clip import CLIP_SECONDS, hour_file, verdict  # noqa: E402
from reviewer.media.source import MediaSource  # noqa: E402
from tests.fixtures import framecode  # noqa: E402
from ui.player.canvas import VideoCanvas  # noqa: E402
from ui.player.controller import PlayerController  # noqa: E402
from ui.player.image import rgb_from_qimage  # noqa: E402
from ui.player.transport import TransportBar  # noqa: E402
from ui.timeline.scrubber import TimelineScrubber  # noqa: E402

TARGETS = {1.0: 0.01, 2.0: 0.05}


def raw_decode_fps(path: Path, frames: int = 600, rgb: bool = False) -> float:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_type = "AUTO"
        n = 0
        t0 = time.perf_counter()
        for f in c.decode(s):
            if rgb:
                f.to_ndarray(format="rgb24")
            n += 1
            if n >= frames:
                break
        return n / (time.perf_counter() - t0)


def spin(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_until(app: QApplication, cond, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("player did not settle")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()

    path = hour_file()
    print(f"file: {path.name}; load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    anchor = raw_decode_fps(path)
    anchor_rgb = raw_decode_fps(path, rgb=True)
    print(f"anchor: plain PyAV sequential decode {anchor:.1f} fps; decode + RGB {anchor_rgb:.1f} fps "
          f"(1x needs 30, 2x needs 60)")

    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    src = MediaSource.from_file(path)
    print(f"probe + frame table: {time.perf_counter() - t0:.2f} s for {src.table.frame_count} frames")
    c = PlayerController(audio=False)
    win = QWidget()
    lay = QVBoxLayout(win)
    canvas = VideoCanvas(c)
    lay.addWidget(canvas, 1)
    lay.addWidget(TimelineScrubber(c))
    lay.addWidget(TransportBar(c))
    win.resize(1280, 800)
    win.show()

    wrong: list[tuple[int, int | None]] = []
    order_errors = [0]
    last = [-1]
    code_rows = 4 * framecode.block_size(src.info.width)
    clip_frames = CLIP_SECONDS * 30

    def check(index: int, image) -> None:
        # read the burned-in code from the top strip of the very image handed to the canvas
        strip = rgb_from_qimage(image.copy(QRect(0, 0, image.width(), code_rows)))
        code = framecode.read(strip)
        if code != index % clip_frames:  # the hour file repeats one clip, so its codes repeat too
            wrong.append((index, code))
        if index <= last[0]:
            order_errors[0] += 1
        last[0] = index

    c.imageReady.connect(check)
    c.open(src)
    wait_until(app, lambda: c.current_index == 0 and c.current_image is not None)

    # a 5 ms probe on the UI thread: drops with no decoder lateness come from the UI thread not running in time
    gaps: list[float] = []
    last_tick = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last_tick[0]) * 1000)
        last_tick[0] = now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(5)
    probe.timeout.connect(tick)

    results = {}
    for speed, start in ((1.0, 0), (2.0, 36_000)):
        c.seek(start)
        wait_until(app, lambda: c.current_index == start and not c.busy)
        c.set_speed(speed)
        wrong.clear()
        order_errors[0] = 0
        last[0] = start
        c.stats.shown = c.stats.dropped = 0
        skipped0 = c.decoder_skipped
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        gaps.clear()
        last_tick[0] = time.perf_counter()
        probe.start()
        c.play()
        spin(app, args.seconds)
        c.pause()
        probe.stop()
        wall = time.monotonic() - t0
        s = c.stats
        frac = s.dropped_fraction
        results[speed] = frac
        expected = wall * 30 * speed
        print(f"{speed:g}x: {wall:.1f} s wall, shown {s.shown}, dropped {s.dropped} "
              f"({100 * frac:.2f}%; target <= {100 * TARGETS[speed]:.0f}%) {verdict(frac, TARGETS[speed])}; "
              f"{c.decoder_skipped - skipped0} of them decoded too late; "
              f"reached frame {c.current_index} (clock expects ~{start + expected:.0f}); "
              f"wrong codes {len(wrong)}, out of order {order_errors[0]}; UI thread: longest gap {max(gaps):.0f} ms, "
              f"{sum(g > 1000 / (30 * speed) for g in gaps)} gaps longer than a frame; "
              f"load average {load0:.2f} -> {os.getloadavg()[0]:.2f}")
    c.shutdown()
    bad = [k for k, v in results.items() if v > TARGETS[k]]
    print("summary:", ", ".join(f"{k:g}x {100 * v:.2f}%" for k, v in results.items()),
          "| all within target" if not bad else f"| MISSED at {bad}")


if __name__ == "__main__":
    main()
