"""A sync brings operations by the thousand while the user works (issue 11: no UI stall over 100 ms). The audit
panel puts the newly arrived events on top, in order, without re-listing what it showed; the bookmark lane draws
a pin at the exact frame of a bookmark that arrived by sync, and draws its pins again only when they change, not
at every repaint."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QObject

from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.ui.annotate_helpers import WAIT, import_copy, open_in, seek, sync_on_a_thread
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.annotate.audit_model import COL
from ui.annotate.audit_panel import SHOWN
from ui.annotate.bookmark_lane import MARKER
from ui.timeline.lanes import LANE_BG

pytestmark = pytest.mark.gui


def _creates(sha: str, frames: list[int], table) -> list[Operation]:
    now = time.time_ns() // 1_000_000
    return [Operation(op_id=str(uuid7()), kind="bookmark.create", stamp=Stamp(now + i, 0, "ws-b"), actor="bob",
                      scope_type="recording", scope_id=sha, entity_type="bookmark", entity_id=str(uuid7()),
                      payload={"pts": table.pts_of(f), "title": f"remote {i}", "note": "", "category": "other"})
            for i, f in enumerate(frames)]


@pytest.fixture
def opened(qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    return window, view


def test_the_audit_panel_puts_events_that_arrive_by_sync_on_top_in_order_without_relisting(qtbot, opened):
    window, view = opened
    f = window.f.annotate
    panel = f.audit_panel
    f.show_audit()
    before = panel.rows()
    assert before and [int(r[0]) for r in before] == sorted((int(r[0]) for r in before), reverse=True)
    head_before = panel.model.head
    resets, inserted = [], []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))

    burst = 1200
    t = sync_on_a_thread(window.library.gov, _creates(view.sha256, [(i * 7) % 300 for i in range(burst)],
                                           window.controller.table), 1)
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=WAIT * 4)
    head = window.library.gov.audit.count()
    qtbot.waitUntil(lambda: panel.rows() and panel.rows()[0][0] == str(head), timeout=WAIT)

    rows = panel.rows()
    # exactly the newest SHOWN events of the trail, newest first, none twice, none missing
    assert [int(r[0]) for r in rows] == list(range(head, head - SHOWN, -1))
    trail = window.library.gov.audit.events(limit=SHOWN, newest_first=True)
    assert [(r[COL["User"]], r[COL["Action"]], r[COL["Outcome"]]) for r in rows] == \
        [(e.user, e.action, e.outcome) for e in trail]
    assert panel.count.text() == f"{SHOWN} of {head} events (newest shown)"
    # the arrivals were spliced in on top; the list was never rebuilt
    assert resets == [] and sum(inserted) == head - head_before

    # the filters still narrow what arrives: refusals only, then two more accepted operations
    panel.outcome.setCurrentIndex(panel.outcome.findData("refused"))
    assert panel.rows() == []
    inserted.clear()
    t = sync_on_a_thread(window.library.gov, _creates(view.sha256, [1, 2], window.controller.table), burst + 1)
    t.join(60)
    qtbot.waitUntil(lambda: panel.model.head == window.library.gov.audit.count(), timeout=WAIT)
    assert panel.rows() == [] and inserted == []
    panel.outcome.setCurrentIndex(0)
    assert panel.rows()[0][0] == str(window.library.gov.audit.count())


class _Resizes(QObject):
    def __init__(self, widget):
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:
        self.count += event.type() == QEvent.Type.Resize
        return False


def _pixel(lane, x: float, y: int):
    return lane.grab().toImage().pixelColor(round(x), y)


def test_a_bookmark_that_arrives_by_sync_gets_a_pin_at_its_frame_drawn_once_not_per_repaint(qtbot, opened):
    window, view = opened
    lane = window.f.annotate.bookmark_lane
    table = window.controller.table
    # most of a burst on two frames, one bookmark alone on a third: every one must show where its frame is
    frames = [120] * 700 + [250] * 299 + [200]
    t = sync_on_a_thread(window.library.gov, _creates(view.sha256, frames, table), 1)
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=WAIT * 4)
    qtbot.waitUntil(lambda: len(lane.markers()) == len(frames), timeout=WAIT)
    assert {i for i, _b in lane.markers()} == {120, 200, 250}

    for frame in (120, 200, 250):
        x = lane.x_of_index(frame)
        assert _pixel(lane, x, 5) == MARKER, frame  # the pin's body right above the frame's x
    empty = (lane.x_of_index(150) + lane.x_of_index(180)) / 2
    assert _pixel(lane, empty, 5) == LANE_BG

    # the playhead moves (a repaint per frame shown): the pins are drawn again only when the lane was resized
    # (the window's layout may still settle as the first frames show), never per repaint
    resizes = _Resizes(lane)
    drawn, paints = lane.pixmaps_drawn, 0
    for frame in (10, 11, 40, 41, 90, 12):
        seek(qtbot, window, frame)
        for _ in range(3):
            lane.grab()
            paints += 1
    assert lane.pixmaps_drawn - drawn <= resizes.count < paints
    assert _pixel(lane, lane.x_of_index(200), 5) == MARKER

    # a narrower timeline: the pins follow their frames. The window may sit at its minimum width (offscreen
    # screens are small), so it is widened first and then narrowed by 300 px
    wide_from = lane.x_of_index(200)
    window.resize(window.width() + 600, window.height())
    qtbot.waitUntil(lambda: abs(lane.x_of_index(200) - wide_from) > 20, timeout=WAIT)
    old_x = lane.x_of_index(200)
    window.resize(window.width() - 300, window.height())
    qtbot.waitUntil(lambda: abs(lane.x_of_index(200) - old_x) > 20, timeout=WAIT)
    assert _pixel(lane, lane.x_of_index(200), 5) == MARKER
    assert _pixel(lane, old_x, 5) == LANE_BG  # nothing left where the pin was drawn for the old width


def test_a_full_garbage_collection_does_not_walk_the_windows_start_up_objects(window):
    # a gen-2 collection holds the GIL, so the UI thread waits for it: the window's start-up heap (~250,000
    # objects) is frozen out of it, and a waiting thread gets the GIL back within a millisecond
    import gc
    import sys

    from ui import interpreter

    assert gc.get_freeze_count() > 100_000
    assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_S)
