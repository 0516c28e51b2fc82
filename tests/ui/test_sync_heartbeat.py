"""The window's side of sync pacing (issue 11: a drag stays smooth while a sync applies): the window's heartbeat
ticks slowly while nothing reads it, fast (every 10 ms) while the sync loop's pacer does, and slowly again after;
and the bookmark list merges the bookmarks a change named into the list as last read, in the store's order."""

from __future__ import annotations

import dataclasses

import pytest

from reviewer.annotate.views import BookmarkView
from reviewer.sync.pacing import Heartbeat, Pacer
from ui.annotate.session import merged
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def test_the_windows_heartbeat_ticks_fast_only_while_a_pacer_reads_it(qtbot, window):
    timer = window.f.sync.heartbeat
    hb = timer.heartbeat
    assert timer._timer.isActive() and timer._timer.interval() == round(Heartbeat.SLOW_S * 1000)
    pacer = Pacer(hb)
    pacer()  # a page is being applied
    qtbot.waitUntil(lambda: hb.fast and timer._timer.interval() == round(Heartbeat.FAST_S * 1000), timeout=WAIT)
    stamp = hb.last
    qtbot.waitUntil(lambda: hb.last > stamp, timeout=WAIT)  # and it keeps beating from the UI thread
    hb.asked -= 3600.0  # the sync went quiet
    qtbot.waitUntil(lambda: not hb.fast and timer._timer.interval() == round(Heartbeat.SLOW_S * 1000),
                    timeout=WAIT)


def _view(bid: str, pts: int, title: str = "t", recording: str = "rec-1", deleted: bool = False) -> BookmarkView:
    fields = {f.name: None for f in dataclasses.fields(BookmarkView)}
    fields.update(id=bid, recording_id=recording, pts=pts, title=title, deleted=deleted)
    return BookmarkView(**fields)


def test_merged_applies_changes_and_keeps_the_stores_order():
    base = [_view("b", 10), _view("a", 20), _view("c", 20)]
    changed = [_view("a", 5, "moved"), _view("c", 20, deleted=True), _view("d", 20), _view("e", 1, recording="rec-2")]
    got = merged(base, changed, "rec-1")
    assert [(v.id, v.pts, v.title) for v in got] == [("a", 5, "moved"), ("b", 10, "t"), ("d", 20, "t")]
    assert got[1] is base[0]  # an unchanged bookmark is the same object (the list reuses its row)
