"""Longest UI event-loop stall while indexing and scrubbing (Qt offscreen, the real player widgets).

A 5 ms QTimer probe records the gap between its ticks; a stall is the longest gap. Phases, each on the 1-hour
1080p30 file: idle (the anchor), indexing (build_frame_table on a worker thread reporting progress to a
progress bar, as an import would), scrubbing (drags on the real timeline scrubber: quick previews while moving,
an exact seek on each release) and both at once. Then (issue 11) the real window with a mask dragged in the mask
editor, alone (the anchor) and while another thread applies 10,000 remote operations with the sync loop's own
page application, paced as the window's loop is (bench/_sync_drag.py). Target: longest gap <= 100 ms.
Usage (from the repo root): .venv/bin/python bench/bench_ui_stall.py [--seconds 8] [--only-sync] [--ops 10000]
  [--synchronous-writes: the mask editor writing on the UI thread, as before the writer thread, for comparison]
  [--unpaced: the sync loop without its Pacer (reviewer/sync/pacing.py), for comparison]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QEventLoop, QObject, QPointF, Qt, QTimer, Signal  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QProgressBar, QVBoxLayout, QWidget  # noqa: E402

from bench._clip import hour_file, percentile, verdict  # noqa: E402
from reviewer.media.frametable import build_frame_table  # noqa: E402
from reviewer.media.source import MediaSource  # noqa: E402
from reviewer.progress import Task  # noqa: E402
from ui.player.canvas import VideoCanvas  # noqa: E402
from ui.player.controller import PlayerController  # noqa: E402
from ui.player.transport import TransportBar  # noqa: E402
from ui.timeline.scrubber import TimelineScrubber  # noqa: E402

TARGET_MS = 100.0
PROBE_MS = 5


class Probe:
    def __init__(self):
        self.gaps: list[float] = []
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(self.gaps)


class Indexer(QObject):
    """build_frame_table on a worker thread, progress delivered to the UI thread through a queued signal."""

    progress = Signal(float)

    def __init__(self, path: Path, bar: QProgressBar):
        super().__init__()
        self.path = path
        self.progress.connect(lambda f: bar.setValue(int(f * 1000)))
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        last = [0.0]

        def report(fraction: float, _label: str) -> None:
            now = time.monotonic()
            if now - last[0] > 0.05:  # throttle: a UI needs ~20 updates a second, not one per packet
                last[0] = now
                self.progress.emit(fraction)

        while not self._stop.is_set():
            build_frame_table(self.path, Task(progress=report))
            self.passes += 1

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class Scrubber:
    """Synthetic drags on the real scrubber widget: ~60 moves a second, release (exact seek) every 0.5 s."""

    def __init__(self, widget: TimelineScrubber, seed: int = 1):
        self.w = widget
        self.rng = random.Random(seed)
        self.timer = QTimer()
        self.timer.setInterval(16)
        self.timer.timeout.connect(self._tick)
        self._ticks = 0
        self._x = 0.0
        self.releases = 0
        self.moves = 0

    def _send(self, kind: QEvent.Type, x: float, buttons) -> None:
        pos = QPointF(x, self.w.height() / 2)
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        ev = QMouseEvent(kind, pos, self.w.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(self.w, ev)

    def _tick(self) -> None:
        phase = self._ticks % 30
        self._ticks += 1
        if phase == 0:
            self._x = self.rng.uniform(10, self.w.width() - 10)
            self._send(QEvent.Type.MouseButtonPress, self._x, Qt.MouseButton.LeftButton)
        elif phase == 29:
            self._send(QEvent.Type.MouseButtonRelease, self._x, Qt.MouseButton.NoButton)
            self.releases += 1
        else:
            self._x = min(self.w.width() - 10, max(10, self._x + self.rng.uniform(-25, 25)))
            self._send(QEvent.Type.MouseMove, self._x, Qt.MouseButton.LeftButton)
            self.moves += 1

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def report(name: str, gaps: list[float], extra: str = "") -> float:
    worst = max(gaps) if gaps else float("nan")
    print(f"{name:22s} longest gap {worst:7.1f} ms  p99 {percentile(gaps, 99):6.1f} ms  "
          f"ticks {len(gaps):5d}  {verdict(worst, TARGET_MS) if name != 'idle (anchor)' else '':4s} {extra}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--only-sync", action="store_true", help="only the mask drag + sync phase")
    ap.add_argument("--ops", type=int, default=10_000, help="remote operations the sync applies")
    ap.add_argument("--synchronous-writes", action="store_true")
    ap.add_argument("--unpaced", action="store_true", help="the sync loop without its Pacer, for comparison")
    args = ap.parse_args()
    if args.only_sync:
        QApplication.instance() or QApplication([])
        print(f"probe every {PROBE_MS} ms; target longest gap <= {TARGET_MS:.0f} ms; load average before: "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        sync_phase(args)
        return
    path = hour_file()
    app = QApplication.instance() or QApplication([])
    print(f"file: {path.name}; probe every {PROBE_MS} ms; target longest gap <= {TARGET_MS:.0f} ms; "
          f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    src = MediaSource.from_file(path)
    c = PlayerController(audio=False)
    win = QWidget()
    lay = QVBoxLayout(win)
    lay.addWidget(VideoCanvas(c), 1)
    scrub_widget = TimelineScrubber(c)
    lay.addWidget(scrub_widget)
    lay.addWidget(TransportBar(c))
    bar = QProgressBar()
    bar.setRange(0, 1000)
    lay.addWidget(bar)
    win.resize(1280, 800)
    win.show()
    c.open(src)
    end = time.monotonic() + 30
    while c.current_image is None and time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    probe = Probe()
    indexer = Indexer(path, bar)
    scrubber = Scrubber(scrub_widget)
    shown = [0]
    c.frameShown.connect(lambda _i: shown.__setitem__(0, shown[0] + 1))

    results = {}
    probe.start()
    spin(args.seconds)
    results["idle"] = report("idle (anchor)", probe.stop())

    probe.start()
    indexer.start()
    spin(args.seconds)
    indexer.stop()
    results["indexing"] = report("indexing", probe.stop(), f"({indexer.passes} full passes over 108000 frames)")

    shown[0] = 0
    probe.start()
    scrubber.start()
    spin(args.seconds)
    scrubber.stop()
    results["scrubbing"] = report("scrubbing", probe.stop(),
                                  f"({scrubber.moves} moves, {scrubber.releases} exact releases, {shown[0]} frames shown)")

    shown[0] = 0
    indexer.passes = 0
    probe.start()
    indexer.start()
    scrubber.start()
    spin(args.seconds)
    scrubber.stop()
    indexer.stop()
    results["both"] = report("indexing + scrubbing", probe.stop(), f"({shown[0]} frames shown)")
    c.shutdown()
    worst = max(v for k, v in results.items() if k != "idle")
    print(f"summary: longest stall {worst:.1f} ms under load (target <= {TARGET_MS:.0f} ms) {verdict(worst, TARGET_MS)}; "
          f"idle anchor {results['idle']:.1f} ms")
    sync_phase(args)


def sync_phase(args) -> None:
    from bench import _sync_drag

    r = _sync_drag.run(Probe(), report, args.ops, synchronous_writes=args.synchronous_writes, paced=not args.unpaced)
    how = "writes on the UI thread (old path)" if args.synchronous_writes else "writes on the writer thread"
    how += ", sync unpaced" if args.unpaced else ", sync paced"
    print(f"summary (sync): longest stall dragging a mask while {args.ops} remote operations apply: {r['sync']:.1f} ms "
          f"(target <= {TARGET_MS:.0f} ms) {verdict(r['sync'], TARGET_MS)}; drag alone {r['drag']:.1f} ms; {how}")


if __name__ == "__main__":
    main()
