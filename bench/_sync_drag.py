"""The sync phase of bench_ui_stall.py: the real window, a mask dragged in the mask editor by synthetic mouse
events on the canvas (the draw tool stores the geometry every 0.25 s and on each release), while another thread
applies 10,000 remote operations with the sync loop's own page application (SyncLoop.apply_page: its page size,
one write transaction per page, paced as the window's loop is), fed the JSON the store's GET /changes gives."""

from __future__ import annotations

import random
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

CLIP_FRAMES = 300


def make_library(root: Path):
    from reviewer.library import Library
    from tests.fixtures import clips
    from tests.fixtures.testlib import make_test_library

    clip = root / "in" / "clip.mp4"
    clip.parent.mkdir(parents=True)
    clips.encode(clip, width=1280, height=720, pts_list=list(range(CLIP_FRAMES)), time_base=Fraction(1, 30))
    home = make_test_library(root / "home")
    lib = Library(home)
    report = lib.import_paths([clip])
    assert not report.errors, report.errors
    return lib, report.added[0]


def remote_ops(sha: str, count: int):
    """`count` bookmark operations from another workstation, made a page at a time as they arrive from the store
    (the real loop holds one decoded page, not the whole sync): creations, then edits of them (a realistic page
    mix: half the edits touch something seen, half concurrent)."""
    from reviewer.ops.envelope import Operation
    from reviewer.ops.hlc import Stamp
    from reviewer.ops.ids import uuid7

    now = time.time_ns() // 1_000_000
    ids = [str(uuid7()) for _ in range(count // 2)]
    created = [str(uuid7()) for _ in ids]  # the creations' op ids, which the edits name as the revision they saw

    def op(i: int) -> Operation:
        if i < len(ids):
            return Operation(op_id=created[i], kind="bookmark.create", stamp=Stamp(now + i, 0, "ws-b"),
                             actor="bob", scope_type="recording", scope_id=sha, entity_type="bookmark",
                             entity_id=ids[i], payload={"pts": 512 * (i % CLIP_FRAMES), "title": f"remote {i}",
                                                        "note": "", "category": "other"})
        j = i - len(ids)
        return Operation(op_id=str(uuid7()), kind="bookmark.update", stamp=Stamp(now + count + j, 0, "ws-b"),
                         actor="bob", scope_type="recording", scope_id=sha, entity_type="bookmark",
                         entity_id=ids[j], revision_seen=created[j], payload={"fields": {"title": f"edited {j}"}})

    return PagedOps(count, op)


class PagedOps:
    def __init__(self, count: int, make):
        self.count, self.make = count, make

    def __len__(self) -> int:
        return self.count

    def page(self, start: int, size: int) -> list[dict]:
        """Operations start.. as a page of GET /changes lists them (the envelope, its store sequence and the role
        the store recorded for its author)."""
        return [{**self.make(i).to_json(), "seq": i + 1, "submitted_role": "investigator"}
                for i in range(start, min(self.count, start + size))]


class SyncApplier:
    """The sync loop's page application on a thread of its own, with no store behind it (the wire is not what is
    measured: a page is one GET)."""

    def __init__(self, library, ops, heartbeat=None):
        from reviewer.sync.loop import SyncLoop
        from reviewer.sync.pacing import Pacer

        self.ops = ops
        self.pacer = Pacer(heartbeat) if heartbeat is not None else None
        self.loop = SyncLoop(library, http=None, listen=False, pace=self.pacer)
        self.applied = 0
        self.seconds = 0.0
        self.longest_page_s = 0.0
        self._thread = threading.Thread(target=self._run, name="bench-sync", daemon=True)

    def _run(self) -> None:
        from reviewer.sync.loop import Cycle

        size = self.loop.pull_page
        c = Cycle()
        t0 = time.perf_counter()
        for start in range(0, len(self.ops), size):
            page = self.ops.page(start, size)
            p0 = time.perf_counter()
            self.loop.apply_page(page, start + len(page), c)
            self.longest_page_s = max(self.longest_page_s, time.perf_counter() - p0)
        self.applied = c.applied
        self.seconds = time.perf_counter() - t0

    def start(self) -> None:
        self._thread.start()

    def done(self) -> bool:
        return not self._thread.is_alive()


class MaskDragger:
    """~60 pointer moves a second over the mask on the canvas; press, wander, release every 0.5 s."""

    def __init__(self, window, centre: tuple[float, float], seed: int = 2):
        self.w, self.canvas = window, window.canvas
        self.centre = centre
        self.rng = random.Random(seed)
        self.timer = QTimer()
        self.timer.setInterval(16)
        self.timer.timeout.connect(self._tick)
        self._ticks = 0
        self._offset = [0.0, 0.0]
        self.moves = self.releases = 0

    def _pos(self) -> QPointF:
        x, y = self.centre[0] + self._offset[0], self.centre[1] + self._offset[1]
        return QPointF(self.canvas.image_to_widget().map(QPointF(x, y)))

    def _send(self, kind: QEvent.Type, buttons) -> None:
        pos = self._pos()
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        ev = QMouseEvent(kind, pos, self.canvas.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(self.canvas, ev)

    def _tick(self) -> None:
        phase = self._ticks % 30
        self._ticks += 1
        if phase == 0:
            self._send(QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton)
        elif phase == 29:
            self._send(QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)
            self.releases += 1
            # the mask moved with the pointer: grab it where it now is
            self.centre = (self.centre[0] + self._offset[0], self.centre[1] + self._offset[1])
            self._offset = [0.0, 0.0]
        else:
            self._offset[0] = max(-60.0, min(60.0, self._offset[0] + self.rng.uniform(-6, 6)))
            self._offset[1] = max(-40.0, min(40.0, self._offset[1] + self.rng.uniform(-4, 4)))
            self._send(QEvent.Type.MouseMove, Qt.MouseButton.LeftButton)
            self.moves += 1

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._send(QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)


def wait_for(app, cond, timeout: float = 120.0) -> None:
    """Run the event loop (a real one: timers fire as they would for a user) until cond() holds."""
    if cond():
        return
    loop = QEventLoop()
    end = time.monotonic() + timeout
    check = QTimer()
    check.setInterval(50)
    check.timeout.connect(lambda: loop.quit() if cond() or time.monotonic() > end else None)
    check.start()
    loop.exec()
    check.stop()
    if not cond():
        raise TimeoutError("condition not met")


def run(probe, report, ops_count: int, synchronous_writes: bool = False, paced: bool = True) -> dict:
    """Returns {"drag": longest gap dragging alone, "sync": longest gap dragging during the sync}."""
    from reviewer.redact.model import ShapeKind
    from ui.main_window import MainWindow
    from ui.redaction.draw_tool import Tool
    from ui.settings import Settings

    app = QApplication.instance()
    root = Path(tempfile.mkdtemp(prefix="bench-ui-sync-"))
    lib, view = make_library(root)
    window = MainWindow(lib, Settings(root / "ui-settings.ini"), audio=False)
    window.resize(1400, 900)
    window.show()
    window.open_recording(view.id, reason="benchmark: UI stall during sync")
    wait_for(app, lambda: window.controller.current_image is not None and not window.controller.busy)
    f = window.f.masks
    if synchronous_writes:  # the anchor: the editor writing on the UI thread, as before the writer thread
        f.session.store = f.session.store._store
        f.session._opened(window.controller.source)
    pts = window.controller.table.pts_of(0)
    track = f.session.editor.add_track(ShapeKind.RECT, pts, ((500.0, 260.0), (700.0, 420.0)), reason="third_party")
    f.session.select([track.id])
    f.draw.set_tool(Tool.SELECT)
    wait_for(app, lambda: window.writer.pending == 0)
    dragger = MaskDragger(window, (600.0, 340.0))
    results = {}

    probe.start()
    dragger.start()
    loop = QEventLoop()
    QTimer.singleShot(4000, loop.quit)
    loop.exec()
    dragger.stop()
    results["drag"] = report("mask drag (anchor)", probe.stop(), f"({dragger.moves} moves, {dragger.releases} "
                                                                 "releases)")

    # paced as the window's own loop is: by the window's heartbeat (ui/sync/heartbeat.py)
    heartbeat = window.f.sync.heartbeat.heartbeat if paced else None
    applier = SyncApplier(lib, remote_ops(view.sha256, ops_count), heartbeat)
    mask_writes = lambda: len([e for e in lib.gov.audit.events(object_type="mask_track")])  # noqa: E731
    updates_before = mask_writes()
    dragger.moves = dragger.releases = 0
    probe.start()
    dragger.start()
    applier.start()
    wait_for(app, applier.done, timeout=1800)
    dragger.stop()
    gaps = probe.stop()
    wait_for(app, lambda: window.writer.pending == 0, timeout=600)
    stored = mask_writes() - updates_before
    results["sync"] = report("mask drag + sync", gaps,
                             f"({ops_count} remote ops in {applier.seconds:.1f} s = "
                             f"{ops_count / max(applier.seconds, 1e-9):.0f} ops/s, {applier.applied} applied, pages of "
                             f"{applier.loop.pull_page}, longest {applier.longest_page_s * 1000:.0f} ms, "
                             + (f"{applier.pacer.pauses} pauses, gave way {applier.pacer.gave_way} times; "
                                if applier.pacer else "unpaced; ")
                             + f"{dragger.moves} moves, {dragger.releases} releases, {stored} mask writes stored)")
    window.close()
    lib.close()
    return results
