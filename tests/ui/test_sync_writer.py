"""One database writer thread (issue 11): while sync holds the library's write lock (as it does applying a page
of remote operations), the window keeps answering. A bookmark and a mask drag return at once, show at once, and
reach the database, in order, once the lock is released."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from PySide6.QtCore import Qt

from reviewer.annotate.service import Annotations
from reviewer.redact.store import MaskStore
from tests.ui.annotate_helpers import WAIT, import_copy, key, open_in
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import drag

pytestmark = pytest.mark.gui
HELD_S = 6.0  # how long the "sync" holds the write lock; the old, synchronous UI froze for all of it
QUICK_S = 1.0  # the UI must be back well within this (a loaded 2-core machine included)


@contextlib.contextmanager
def sync_holding_the_write_lock(library, last=None):
    """A thread inside Governance.write(), as the sync loop is while it applies a page; `last()` runs in that
    transaction just before it commits (what the page changed)."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        with library.gov.write():
            holding.set()
            release.wait(HELD_S)
            if last is not None:
                last()

    t = threading.Thread(target=hold, name="fake-sync-page")
    t.start()
    assert holding.wait(30)
    try:
        yield
    finally:
        release.set()
        t.join(30)


def test_a_bookmark_while_sync_writes_returns_at_once_and_is_stored_after(qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    ann = Annotations(window.library)
    with sync_holding_the_write_lock(window.library):
        t0 = time.perf_counter()
        key(qtbot, window, Qt.Key.Key_M)
        took = time.perf_counter() - t0
        assert took < QUICK_S, f"the window froze for {took:.1f} s waiting for the write lock"
        assert ann.bookmarks.list(view.id) == []  # not yet written: it waits on the writer thread, not here
        assert window.writer.pending >= 1
    panel = window.f.annotate.bookmarks_panel
    qtbot.waitUntil(lambda: len(panel.shown()) == 1, timeout=WAIT)
    (b,) = ann.bookmarks.list(view.id)
    assert b.pts == window.controller.table.pts_of(0)
    # the undo history got the edit too (delivered to the UI thread): Ctrl+Z removes it
    qtbot.waitUntil(lambda: window.undo.undo_name is not None, timeout=WAIT)
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ann.bookmarks.list(view.id) == [], timeout=WAIT)


def test_ctrl_z_straight_after_a_queued_bookmark_undoes_that_bookmark(qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    ann = Annotations(window.library)
    ann.add_bookmark(view.id, window.controller.table.pts_of(5), "kept")  # the edit before
    with sync_holding_the_write_lock(window.library):
        key(qtbot, window, Qt.Key.Key_M)
        key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # asked before M reached the db
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    qtbot.waitUntil(lambda: [b.title for b in ann.bookmarks.list(view.id)] == ["kept"], timeout=WAIT)


def test_a_mask_drag_while_sync_writes_moves_at_once_and_is_stored_after(qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    f = window.f.masks
    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, (40, 60), (120, 140))
    track = f.session.current
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    before = track.keyframes[0].points
    db = MaskStore(window.library)
    with sync_holding_the_write_lock(window.library):
        t0 = time.perf_counter()
        drag(qtbot, window, (80, 100), (180, 150))  # grab the middle and move it
        took = time.perf_counter() - t0
        assert took < QUICK_S + 1.0, f"the drag froze for {took:.1f} s waiting for the write lock"
        moved = f.session.mask_set.tracks[0].keyframes[0].points
        assert moved != before, "the editor shows the move at once"
        assert db.load(view.id).tracks[0].keyframes[0].points == before  # the database has not got it yet
    qtbot.waitUntil(lambda: db.load(view.id).tracks[0].keyframes[0].points == moved, timeout=WAIT)
    assert window.library.gov.audit.events(action="mask_keyframe.put")[-1].object_id == track.id


def test_a_mask_drag_behind_a_queued_bookmark_does_not_wait_for_sync(qtbot, window, make_clip, tmp_path):
    """The bookmark waits for the database on the writer thread; the drag's undo entry must not wait behind it
    (both share the window's one undo history)."""
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, (40, 60), (120, 140))
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    with sync_holding_the_write_lock(window.library):
        key(qtbot, window, Qt.Key.Key_M)
        qtbot.waitUntil(lambda: window.writer.pending >= 1, timeout=WAIT)
        t0 = time.perf_counter()
        drag(qtbot, window, (80, 100), (180, 150))
        took = time.perf_counter() - t0
        assert took < QUICK_S + 1.0, f"the drag waited {took:.1f} s behind the queued bookmark"
    qtbot.waitUntil(lambda: len(Annotations(window.library).bookmarks.list(view.id)) == 1, timeout=WAIT)


def test_a_write_refused_after_the_fact_is_reported_and_the_editor_shows_the_database(qtbot, window, make_clip,
                                                                                       tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    f = window.f.masks
    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, (40, 60), (120, 140))
    track = f.session.current
    qtbot.waitUntil(lambda: window.writer.pending == 0, timeout=WAIT)
    # the page sync applies deletes the track first (as a remote deletion would): the queued delete finds nothing
    with sync_holding_the_write_lock(window.library, lambda: MaskStore(window.library).delete_track(view.id, track.id)):
        f.session.editor.delete_track(track.id)
        assert f.session.mask_set.tracks == ()
    qtbot.waitUntil(lambda: window.last_alert is not None and window.last_alert.isVisible(), timeout=WAIT)
    assert "no mask track" in window.last_alert.text()
    assert f.session.mask_set.tracks == ()
