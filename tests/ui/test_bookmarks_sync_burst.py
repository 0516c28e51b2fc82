"""A sync brings bookmarks by the thousand (issue 11): the bookmarks panel, which lists them in slices so the UI
never stalls, ends up showing exactly the recording's bookmarks, in frame order, with the user's selection kept;
remote edits change the rows in place, and rows of deleted bookmarks are taken out and freed."""

from __future__ import annotations

import time

import pytest
import shiboken6
from PySide6.QtWidgets import QHeaderView

from reviewer.annotate.service import Annotations
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from ui.annotate.bookmarks_panel import ID_ROLE
from tests.ui.annotate_helpers import WAIT, import_copy, open_in, sync_on_a_thread
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
BURST = 2000


def _op(sha: str, kind: str, bid: str, ms: int, payload: dict, seen: str | None = None) -> Operation:
    return Operation(op_id=str(uuid7()), kind=kind, stamp=Stamp(ms, 0, "ws-b"), actor="bob",
                     scope_type="recording", scope_id=sha, entity_type="bookmark", entity_id=bid,
                     revision_seen=seen, payload=payload)


def _apply_on_a_thread(gov, ops: list, first_seq: int) -> None:
    t = sync_on_a_thread(gov, ops, first_seq)
    t.join(600)
    assert not t.is_alive()


def _shown(panel) -> list[tuple[str, str]]:
    return [(panel.tree.topLevelItem(i).text(0), panel.tree.topLevelItem(i).text(2))
            for i in range(panel.tree.topLevelItemCount())]


def test_a_burst_of_2000_remote_bookmarks_is_listed_exactly_and_edits_change_rows_in_place(
        qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    table = window.controller.table
    frames = table.frame_count
    panel = window.f.annotate.bookmarks_panel
    mine = Annotations(window.library).add_bookmark(view.id, table.pts_of(frames // 2), "mine")
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert panel.selected_id() == mine.id

    now = time.time_ns() // 1_000_000
    ids = [str(uuid7()) for _ in range(BURST)]
    creates = [_op(view.sha256, "bookmark.create", bid, now + i,
                   {"pts": table.pts_of((i * 7) % frames), "title": f"remote {i}", "note": "", "category": "other"})
               for i, bid in enumerate(ids)]
    _apply_on_a_thread(window.library.gov, creates, 1)

    expected = sorted([((i * 7) % frames, f"remote {i}") for i in range(BURST)] + [(frames // 2, "mine")],
                      key=lambda r: r[0])
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == BURST + 1, timeout=WAIT)
    rows = _shown(panel)
    assert [int(f) for f, _t in rows] == sorted(int(f) for f, _t in rows)  # frame order
    assert sorted(rows) == sorted((str(f), t) for f, t in expected)
    assert panel.selected_id() == mine.id  # the user's selection survived the burst
    assert panel.tree.currentItem().text(2) == "mine"

    # remote edits of half, deletions of a quarter: edited rows are the same rows, deleted ones are freed
    items = {panel.tree.topLevelItem(i).data(0, ID_ROLE): panel.tree.topLevelItem(i)
             for i in range(panel.tree.topLevelItemCount())}
    edited, deleted = range(0, BURST // 2), range(BURST // 2, BURST // 2 + BURST // 4)
    later = [_op(view.sha256, "bookmark.update", ids[i], now + BURST + i, {"fields": {"title": f"edited {i}"}},
                 seen=creates[i].op_id) for i in edited]
    later += [_op(view.sha256, "bookmark.delete", ids[i], now + 2 * BURST + i, {}, seen=creates[i].op_id)
              for i in deleted]
    _apply_on_a_thread(window.library.gov, later, BURST + 1)

    def title(i: int) -> str | None:
        return None if i in deleted else f"edited {i}" if i in edited else f"remote {i}"

    want = {(str((i * 7) % frames), title(i)) for i in range(BURST) if title(i)} | {(str(frames // 2), "mine")}
    qtbot.waitUntil(lambda: set(_shown(panel)) == want, timeout=WAIT)
    assert panel.tree.topLevelItemCount() == BURST + 1 - len(deleted)
    assert items[ids[0]] is panel.item_for(ids[0]) and items[ids[0]].text(2) == "edited 0"  # changed in place
    assert panel.item_for(ids[BURST // 2]) is None
    gone = items[ids[BURST // 2]]
    qtbot.waitUntil(lambda: not shiboken6.isValid(gone), timeout=WAIT)  # freed, not leaked
    assert panel.selected_id() == mine.id

    # the columns fit their texts, fitted once per re-list: in ResizeToContents mode every text edited in a
    # listed row measured its column again (~7 ms a row with thousands listed, seconds for a sync page)
    header = panel.tree.header()
    assert QHeaderView.ResizeMode.ResizeToContents not in {header.sectionResizeMode(c) for c in range(5)}
    widest = max((panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())), key=len)
    assert header.sectionSize(0) >= panel.tree.fontMetrics().horizontalAdvance(widest)
