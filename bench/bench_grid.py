"""The multi-camera grid's cost (issue 13 s.5): four recordings of 1280x720 at 30 fps played together at 1x in the
real grid window (GridSession + GridWindow, Qt offscreen, real event loop), against one of them in the real
single player, in the same run.

Each part runs in a process of its own so that its peak memory (VmHWM) is its own:
- single: PlayerController + VideoCanvas + scrubber + transport (as bench_playback.py), N seconds at 1x.
- grid: the four recordings on one incident clock (offsets 0, 0.4, 0.8 and 1.2 s), 2x2 at 1280x800, N seconds
  at 1x from an instant where all four run.
Dropped frames are frames whose time came and went unshown (the player's own count; the grid counts per tile the
same way); every shown frame's burned-in code is read back. Target: the grid drops <= 2%; its peak memory is
reported beside the single player's (the grid shares one player's decode budget, so it should be comparable).
Where drops come from is split into "decoded too late" (the tile's decoder behind the clock) and UI-thread gaps
longer than a frame (the presenter not running in time).
Both parts set the interpreter as the app does (ui.interpreter.settle).
Anchor in the same run: plain PyAV sequential decode of one clip, and decode + BGRA conversion (the worker's
per-frame work at full size); the grid needs four times 30 fps of that.

Usage (from the repo root): .venv/bin/python bench/bench_grid.py [--seconds 20] [--full-size]
  --full-size: play frames converted at full size (the tiles' reduction off), to measure what it saves.
Media: bench/out/grid720_{0..3}.mp4 (built once, ~40 s each; stamped with their recipe like _clip.py's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._clip import OUT, _stamp_ok, _write_stamp, current_rss_mb, peak_rss_mb, verdict  # noqa: E402

CAMERAS = 4
WIDTH, HEIGHT, FPS = 1280, 720, 30
CLIP_SECONDS = 40
OFFSETS = (0.0, 0.4, 0.8, 1.2)  # incident seconds at which each camera starts
START = 1.5  # play from here: every camera running
TARGET = 0.02
RECIPE = dict(width=WIDTH, height=HEIGHT, fps=FPS, seconds=CLIP_SECONDS, gop=60, bframes=2, codec="libx264", v=1)


def grid_clips() -> list[Path]:
    """Four distinct recordings (own texture each), frame code burned in, built once into bench/out/."""
    from tests.fixtures import clips

    paths = []
    for cam in range(CAMERAS):
        path = OUT / f"grid720_{cam}.mp4"
        recipe = dict(RECIPE, seed=cam + 1)
        if not _stamp_ok(path, recipe):
            OUT.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            clips.encode(path, width=WIDTH, height=HEIGHT, pts_list=list(range(CLIP_SECONDS * FPS)),
                         time_base=Fraction(1, FPS), gop=60, bframes=2, audio=False, seed=cam + 1)
            _write_stamp(path, recipe)
            print(f"[clip] built {path.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        paths.append(path)
    return paths


def decode_fps(path: Path, frames: int = 300, bgra: bool = False) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_type = "AUTO"
        n = 0
        t0 = time.perf_counter()
        for f in c.decode(s):
            if bgra:
                f.to_ndarray(format="bgra")
            n += 1
            if n >= frames:
                break
        return n / (time.perf_counter() - t0)


class CpuMeter:
    """CPU seconds of the whole process and of the UI thread alone over the play: what the work costs, which a
    loaded machine cannot hide the way it hides wall-clock throughput."""

    def start(self) -> None:
        t = os.times()
        self._proc, self._ui = t.user + t.system, time.thread_time()

    def stop(self) -> dict:
        t = os.times()
        return {"cpu_s": t.user + t.system - self._proc, "ui_cpu_s": time.thread_time() - self._ui}


class UiProbe:
    """A 5 ms timer on the UI thread: gaps longer than a frame are time the presenter could not run."""

    def __init__(self):
        from PySide6.QtCore import QTimer, Qt

        self.gaps: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        return {"longest_gap_ms": max(self.gaps, default=0.0),
                "gaps_over_a_frame": sum(g > 1000 / FPS for g in self.gaps)}


def code_of(pixels, width: int) -> int | None:
    """The burned-in code of a BGRA/RGB picture of a `width`-wide frame at any scale (its top strip only)."""
    from tests.fixtures import framecode

    rows = int(4 * framecode.block_size(width) * pixels.shape[1] / width) + 2
    strip = pixels[:rows, :, :3]
    return framecode.read(strip, width=width)


def part_single(path: Path, seconds: float) -> dict:
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from bench.bench_playback import spin, wait_until
    from reviewer.media.source import MediaSource
    from ui.player.canvas import VideoCanvas
    from ui.player.controller import PlayerController
    from ui.player.image import rgb_from_qimage
    from ui.interpreter import settle
    from ui.player.transport import TransportBar
    from ui.timeline.scrubber import TimelineScrubber

    app = QApplication.instance() or QApplication([])
    settle()  # as the app does when its window is built (1 ms GIL switch interval, start-up heap frozen)
    rss0 = current_rss_mb()
    src = MediaSource.from_file(path)
    c = PlayerController(audio=False)
    win = QWidget()
    lay = QVBoxLayout(win)
    lay.addWidget(VideoCanvas(c), 1)
    lay.addWidget(TimelineScrubber(c))
    lay.addWidget(TransportBar(c))
    win.resize(1280, 800)
    win.show()
    wrong = [0]

    def check(index: int, image) -> None:
        if code_of(rgb_from_qimage(image.copy(0, 0, image.width(), 80)), WIDTH) != index:
            wrong[0] += 1

    c.imageReady.connect(check)
    c.open(src)
    start = int(START * FPS)
    wait_until(app, lambda: c.current_image is not None)
    c.seek(start)
    wait_until(app, lambda: c.current_index == start and not c.busy)
    c.stats.shown = c.stats.dropped = 0
    skipped0 = c.decoder_skipped
    probe = UiProbe()
    load0 = os.getloadavg()[0]
    cpu = CpuMeter()
    cpu.start()
    probe.start()
    t0 = time.monotonic()
    c.play()
    spin(app, seconds)
    c.pause()
    wall = time.monotonic() - t0
    ui = probe.stop() | cpu.stop()
    s = c.stats
    out = dict(part="single", wall=wall, shown=s.shown, dropped=s.dropped, fraction=s.dropped_fraction,
               late=c.decoder_skipped - skipped0, wrong=wrong[0], rss_before_mb=rss0, peak_mb=peak_rss_mb(),
               load=(load0, os.getloadavg()[0]), **ui)
    c.shutdown()
    return out


def open_grid(paths: list[Path], full_size: bool):
    """The real grid window on an incident clock of these recordings, paused at START with every tile exact."""
    from PySide6.QtWidgets import QApplication

    from bench.bench_playback import wait_until
    from reviewer.incident.clock import IncidentClock, Placement
    from reviewer.media.source import MediaSource
    from ui.interpreter import settle
    from ui.multicam.grid_window import GridWindow
    from ui.multicam.session import GridSession

    app = QApplication.instance() or QApplication([])
    settle()  # as the app does when its window is built (1 ms GIL switch interval, start-up heap frozen)
    origin = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
    sources, placements = {}, []
    for cam, (path, offset) in enumerate(zip(paths, OFFSETS)):
        src = MediaSource.from_file(path)
        key = f"cam{cam}"
        sources[key] = src
        placements.append(Placement(key, key, path.name, origin, offset_us=int(offset * 1e6),
                                    duration=src.table.duration, has_audio=False))
    clock = IncidentClock("BENCH-GRID", origin, tuple(placements))
    session = GridSession(clock, sources)
    if full_size:
        session.set_view_size = lambda *a: None  # the tiles never tell the decoders their size
    win = GridWindow(session)
    win.resize(1280, 800)
    win.show()
    session.seek(START)
    wait_until(app, session.settled, timeout=60)
    return app, session, win


def part_cost(paths: list[Path], seconds: float, full_size: bool) -> dict:
    """The grid's work for `seconds` of 1x play with nothing dropped: the real session, window and decoders, but
    the clock advanced a frame at a time once every tile has its next frame. CPU seconds per second played is
    what 1x needs of the machine, whatever else runs on it (the wall-clock run above cannot show that when the
    machine is loaded)."""
    from bench.bench_playback import wait_until
    from ui.multicam import session as session_module

    app, session, win = open_grid(paths, full_size)
    now = [time.monotonic()]
    session_module.time = type("VirtualTime", (), {"monotonic": staticmethod(lambda: now[0])})
    session._timer.setInterval(10**6)  # the bench ticks the session itself, once per advanced frame
    session.play()
    wait_until(app, lambda: session._tick() or not session._prerolling, timeout=60)
    cpu = CpuMeter()
    cpu.start()
    t0 = time.perf_counter()
    shown0 = sum(t.stats.shown for t in session.tiles.values())
    for _ in range(int(seconds * FPS)):
        wait_until(app, lambda: all(t.worker.ready_count() or t.worker.run_finished() or not t.running
                                    for t in session.tiles.values()), timeout=60)
        now[0] += 1 / FPS
        session._tick()
        app.processEvents()  # paint what the tick changed
    wall = time.perf_counter() - t0
    used = cpu.stop()
    shown = sum(t.stats.shown for t in session.tiles.values()) - shown0
    dropped = sum(t.stats.dropped for t in session.tiles.values())
    session_module.time = time
    win.close()
    return dict(part="cost", tiles=len(session.keys), seconds=seconds, wall=wall, shown=shown, dropped=dropped,
                cpu_per_s=used["cpu_s"] / seconds, ui_cpu_per_s=used["ui_cpu_s"] / seconds,
                load=os.getloadavg()[0])


def part_grid(paths: list[Path], seconds: float, full_size: bool) -> dict:
    from bench.bench_playback import spin, wait_until

    rss0 = current_rss_mb()
    app, session, win = open_grid(paths, full_size)
    wrong = [0]
    sizes = set()

    def check(key: str) -> None:
        d = session.tiles[key].shown
        if session.playing and d is not None:
            sizes.add(d.pixels.shape[:2])
            if code_of(d.pixels, WIDTH) != d.index:
                wrong[0] += 1

    session.tileChanged.connect(check)
    for t in session.tiles.values():
        t.stats.shown = t.stats.dropped = 0
    late0 = {k: t.worker.skipped_late for k, t in session.tiles.items()}
    held = [0]

    def sample() -> None:
        held[0] = max(held[0], session.held_bytes())

    session.tileChanged.connect(lambda _k: sample())
    probe = UiProbe()
    load0 = os.getloadavg()[0]
    cpu = CpuMeter()
    cpu.start()
    probe.start()
    t0 = time.monotonic()
    session.play()
    spin(app, seconds)
    session.pause()
    wall = time.monotonic() - t0
    ui = probe.stop() | cpu.stop()
    wait_until(app, session.settled, timeout=60)
    tiles = {k: dict(shown=t.stats.shown, dropped=t.stats.dropped, late=t.worker.skipped_late - late0[k])
             for k, t in session.tiles.items()}
    shown = sum(t["shown"] for t in tiles.values())
    dropped = sum(t["dropped"] for t in tiles.values())
    out = dict(part="grid", wall=wall, shown=shown, dropped=dropped, fraction=dropped / max(1, shown + dropped),
               late=sum(t["late"] for t in tiles.values()), tiles=tiles, wrong=wrong[0],
               play_sizes=sorted(f"{w}x{h}" for h, w in sizes), held_peak_mb=held[0] / 2**20,
               budget_mb=session.cache_share * len(session.keys) / 2**20, rss_before_mb=rss0,
               peak_mb=peak_rss_mb(), load=(load0, os.getloadavg()[0]), **ui)
    win.close()
    return out


def run_part(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench part {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def line(r: dict) -> str:
    return (f"{r['part']:>6}: {r['wall']:.1f} s wall, shown {r['shown']}, dropped {r['dropped']} "
            f"({100 * r['fraction']:.2f}%), {r['late']} decoded too late; wrong codes {r['wrong']}; UI thread: "
            f"longest gap {r['longest_gap_ms']:.0f} ms, {r['gaps_over_a_frame']} gaps longer than a frame; CPU "
            f"{r['cpu_s'] / r['wall']:.2f} s/s ({r['ui_cpu_s'] / r['wall']:.2f} UI thread), "
            f"{1000 * r['cpu_s'] / max(1, r['shown'] + r['dropped']):.1f} ms per frame due; "
            f"peak RSS {r['peak_mb']:.0f} MiB (RSS before opening {r['rss_before_mb']:.0f} MiB); "
            f"load {r['load'][0]:.2f} -> {r['load'][1]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--full-size", action="store_true")
    ap.add_argument("--part", choices=("single", "grid", "cost"), help="one part only, printed as JSON")
    ap.add_argument("--tiles", type=int, default=CAMERAS, help="--part cost: how many recordings")
    args = ap.parse_args()
    paths = grid_clips()
    if args.part == "single":
        print(json.dumps(part_single(paths[0], args.seconds)))
        return
    if args.part == "grid":
        print(json.dumps(part_grid(paths, args.seconds, args.full_size)))
        return
    if args.part == "cost":
        print(json.dumps(part_cost(paths[:args.tiles], args.seconds, args.full_size)))
        return

    print(f"{CAMERAS} recordings of {WIDTH}x{HEIGHT} at {FPS} fps; load average before: {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    plain, bgra = decode_fps(paths[0]), decode_fps(paths[0], bgra=True)
    print(f"anchor: plain PyAV sequential decode {plain:.0f} fps; decode + BGRA {bgra:.0f} fps "
          f"(one recording needs {FPS}, the grid {CAMERAS * FPS})")
    extra = ["--full-size"] if args.full_size else []
    single = run_part(["--part", "single", "--seconds", str(args.seconds)])
    grid = run_part(["--part", "grid", "--seconds", str(args.seconds), *extra])
    print(line(single))
    print(line(grid))
    print("  grid tiles: " + "; ".join(f"{k} shown {t['shown']} dropped {t['dropped']} late {t['late']}"
                                       for k, t in grid["tiles"].items()))
    print(f"  grid play frames {', '.join(grid['play_sizes']) or 'none'}"
          f"{' (reduction off)' if args.full_size else ''}; decoders held at most {grid['held_peak_mb']:.0f} MiB "
          f"of a {grid['budget_mb']:.0f} MiB budget")
    costs = [run_part(["--part", "cost", "--tiles", str(n), "--seconds", str(min(args.seconds, 10.0)), *extra])
             for n in (1, CAMERAS)]
    for c in costs:
        print(f"  cost, {c['tiles']} tile(s) in the grid window, {c['seconds']:g} s played a frame at a time "
              f"(nothing dropped: {c['dropped']}): CPU {c['cpu_per_s']:.2f} s per second of 1x "
              f"({c['ui_cpu_per_s']:.2f} on the UI thread), {1000 * c['cpu_per_s'] / (c['tiles'] * FPS):.1f} ms "
              f"per frame; {c['wall'] / c['seconds']:.2f} s wall per second here (load {c['load']:.1f})")
    print(f"summary: grid drops {100 * grid['fraction']:.2f}% (target <= {100 * TARGET:.0f}%) "
          f"{verdict(grid['fraction'], TARGET)}, single {100 * single['fraction']:.2f}%; peak RSS grid "
          f"{grid['peak_mb']:.0f} MiB vs single {single['peak_mb']:.0f} MiB "
          f"({grid['peak_mb'] / single['peak_mb']:.2f}x); 1x of the grid needs {costs[1]['cpu_per_s']:.2f} CPU s/s "
          f"of the {os.cpu_count()} cores ({costs[0]['cpu_per_s']:.2f} for one recording in the same window)")


if __name__ == "__main__":
    main()
