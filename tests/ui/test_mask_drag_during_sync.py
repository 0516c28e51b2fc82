"""A mask drag while a sync runs (issue 11 s.1: the UI stalls at most 100 ms with 10,000 operations in flight).

Each step of a drag (the draw tool stores the geometry four times a second) must read nothing from the database
on the UI thread: while the sync thread runs Python, every SQLite call there gives the GIL away and waits about a
millisecond to get it back, so a few statements per step made the stalls the bench measured. What the panels show
must not change: the editor shows each step at once and the writer stores the last one; a proposal that arrives by
sync in the middle of a drag is listed and outlined; a role withdrawn mid-drag is still refused, and said."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import event, select, update

from reviewer.govern.roles import Action, PermissionDenied
from reviewer.library.models_govern import User
from reviewer.library import Library
from reviewer.library.models_ops import OpLogRow
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore, TrackChange
from tests.fixtures.testlib import make_test_library
from tests.ui.annotate_helpers import WAIT, import_copy, open_in, sync_on_a_thread
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui import writer_masks

pytestmark = pytest.mark.gui
BOX = ((100.0, 60.0), (180.0, 140.0))


class UiThreadStatements:
    """Every SQL statement the library's engine runs on the UI (main) thread while counting."""

    def __init__(self, engine):
        self.engine, self.seen, self.on = engine, [], False
        event.listen(engine, "before_cursor_execute", self._run)

    def _run(self, _conn, _cursor, statement, *_args) -> None:
        if self.on and threading.current_thread() is threading.main_thread():
            self.seen.append(statement.split("\n")[0][:80])

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._run)


class SyncHoldingTheWriteLock:
    """A sync page in progress: another thread holds the library's write transaction until released, so the
    writer's jobs queue behind it (what the bench's drag meets)."""

    def __init__(self, gov):
        self._held, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, args=(gov,), name="fake-sync-page")
        self._thread.start()
        assert self._held.wait(WAIT / 1000)

    def _run(self, gov) -> None:
        with gov.write():
            self._held.set()
            self._release.wait(WAIT / 1000)

    def release(self) -> None:
        self._release.set()
        self._thread.join(WAIT / 1000)


def _moved(k: int) -> tuple:
    """The box moved by step k: a different place for every k below 900, inside the 320x240 picture."""
    (x0, y0), (x1, y1) = BOX
    dx, dy = k % 30, k // 30 % 30
    return (x0 + dx, y0 + dy), (x1 + dx, y1 + dy)


def _drag_steps(editor, track_id: str, pts: int, steps: range) -> None:
    """What the draw tool stores during a drag: one merged gesture of set_geometry steps."""
    for k in steps:
        editor.set_geometry(track_id, pts, _moved(k), merge_key=("drag", track_id))
        assert editor.track(track_id).keyframe_at(pts).points == _moved(k)  # shown at once


def _open_with_a_mask(qtbot, window, make_clip, tmp_path, monkeypatch):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    # the early role check answers for the whole test (its re-asking is tested on its own below)
    monkeypatch.setattr(writer_masks, "REDACT_RECHECK_S", 3600.0)
    session = window.f.masks.session
    pts = int(window.controller.table.pts[0])
    track = session.editor.add_track(ShapeKind.RECT, pts, BOX, reason="third-party face")
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    return view, session, track, pts


def test_drag_steps_read_nothing_on_the_ui_thread_while_a_sync_holds_the_write_lock(
        qtbot, window, make_clip, tmp_path, monkeypatch):
    view, session, track, pts = _open_with_a_mask(qtbot, window, make_clip, tmp_path, monkeypatch)
    refreshes = []
    review = window.f.detect.review
    real = review.refresh
    monkeypatch.setattr(review, "refresh", lambda: (refreshes.append(1), real()))
    statements = UiThreadStatements(window.library.engine)
    sync = SyncHoldingTheWriteLock(window.library.gov)
    try:
        statements.on = True
        _drag_steps(session.editor, track.id, pts, range(1, 9))
        statements.on = False
        assert window.writer.pending > 0  # the steps really are waiting behind the sync's transaction
    finally:
        sync.release()
        statements.close()
    assert statements.seen == []
    assert refreshes == []  # an ordinary mask moved: the proposals were not read again
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    stored = {t.id: t for t in MaskStore(window.library).load(view.id).tracks}
    assert stored[track.id].keyframe_at(pts).points == _moved(8)  # the last step is what was stored
    assert session.mask_set.tracks[0].keyframe_at(pts).points == _moved(8)


def _remote_proposal_ops(tmp_path, make_clip, pts: int) -> tuple[MaskTrack, list[Operation]]:
    """A proposal as another workstation's detection pass writes it, as the operations the store relays."""
    with Library(make_test_library(tmp_path / "other-home")) as other:
        (tmp_path / "there").mkdir()
        there = import_copy(other, make_clip("cfr_h264"), tmp_path / "there")
        record = {"detector": "CenterFace", "version": "v", "settings": {}, "run": "r", "samples": [[pts, 0.9]],
                  "start": "appeared", "end": "left", "peak": 0.9}
        proposal = MaskTrack(ShapeKind.ELLIPSE, (Keyframe(pts, ((200.0, 100.0), (260.0, 170.0))),),
                             label="face 1", reason="third-party face", status="proposed", proposal=record)
        MaskStore(other).apply(there.id, [TrackChange(None, proposal)])
        with other.sessions() as s:
            ops = [Operation.from_json(json.loads(r.envelope))
                   for r in s.scalars(select(OpLogRow).order_by(OpLogRow.seq))]
    return proposal, ops


def test_a_proposal_arriving_by_sync_during_a_drag_is_listed_and_outlined(
        qtbot, window, make_clip, tmp_path, monkeypatch):
    view, session, track, pts = _open_with_a_mask(qtbot, window, make_clip, tmp_path, monkeypatch)
    proposal, mask_ops = _remote_proposal_ops(tmp_path, make_clip, pts)
    # a burst: a page of another workstation's bookmarks, then the proposal, then another page
    stamp = 2 ** 41
    bookmarks = [Operation(op_id=str(uuid7()), kind="bookmark.create", stamp=Stamp(stamp + i, 0, "ws-b"), actor="bob",
                           scope_type="recording", scope_id=view.sha256, entity_type="bookmark",
                           entity_id=str(uuid7()), payload={"pts": pts, "title": f"remote {i}", "note": "",
                                                            "category": "other"})
                 for i in range(1000)]
    sync = sync_on_a_thread(window.library.gov, bookmarks[:500] + mask_ops + bookmarks[500:], 1)
    steps = [1]  # the next step's number

    def drag_on() -> None:  # the user keeps dragging the ordinary mask while the burst lands (a step every 50 ms)
        if sync.is_alive():
            _drag_steps(session.editor, track.id, pts, range(steps[0], steps[0] + 1))
            steps[0] += 1

    pacer = QTimer(interval=50, timeout=drag_on)
    drag_on()
    pacer.start()
    qtbot.waitUntil(lambda: not sync.is_alive(), timeout=WAIT * 4)
    pacer.stop()
    sync.join()
    k = steps[0]
    review, panel = window.f.detect.review, window.f.detect.panel
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=WAIT)
    assert [v.track_id for v in review.views] == [proposal.id]
    assert [t.id for t in review.pending_tracks] == [proposal.id]  # drawn as a dashed outline
    assert panel.summary.text() == "1 pending, 0 accepted, 0 rejected"
    assert proposal.id not in {t.id for t in session.mask_set.tracks}  # proposed, so it redacts nothing yet
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    stored = {t.id: t for t in MaskStore(window.library).load(view.id).tracks}
    assert stored[track.id].keyframe_at(pts).points == _moved(k - 1)


def test_a_role_withdrawn_during_a_drag_is_refused_by_the_store_and_said(
        qtbot, window, make_clip, tmp_path, monkeypatch):
    view, session, track, pts = _open_with_a_mask(qtbot, window, make_clip, tmp_path, monkeypatch)
    gov = window.library.gov
    _drag_steps(session.editor, track.id, pts, range(1, 3))
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    # the account is removed (as a supervisor elsewhere would) while the early check still remembers a yes
    with gov.write() as s:
        s.execute(update(User).where(User.username == gov.username).values(deleted_at=dt.datetime.now(dt.timezone.utc)))
    assert not gov.can(Action.REDACT)
    refusals = len(gov.audit.events(outcome="refused"))
    session.editor.set_geometry(track.id, pts, _moved(9), merge_key=("drag", track.id))  # queued: shown at once
    assert session.mask_set.tracks[0].keyframe_at(pts).points == _moved(9)
    # the writer's store refused it: audited, nothing stored, the screen shows what is stored, the user is told
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: session.mask_set.tracks[0].keyframe_at(pts).points == _moved(2), timeout=WAIT)
    stored = {t.id: t for t in MaskStore(window.library).load(view.id).tracks}
    assert stored[track.id].keyframe_at(pts).points == _moved(2)
    qtbot.waitUntil(lambda: window.last_alert is not None and window.last_alert.isVisible(), timeout=WAIT)
    assert window.last_alert.windowTitle() == "Mask change not saved"
    assert len(gov.audit.events(outcome="refused")) == refusals + 1
    # and the next change is checked at once again, as before the drag: refused where it is made
    with pytest.raises(PermissionDenied):
        session.editor.set_geometry(track.id, pts, _moved(10), merge_key=("drag", track.id))
    assert len(gov.audit.events(outcome="refused")) == refusals + 2
