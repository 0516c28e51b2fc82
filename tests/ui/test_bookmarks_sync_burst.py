"""A sync brings bookmarks by the thousand (issue 11): the bookmarks panel, a view on a model so a page costs one
layout change, ends up showing exactly the recording's bookmarks, in frame order, with the user's selection kept
through every page; remote edits and deletions show, and the columns fit their widest texts."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QHeaderView

from reviewer.annotate.service import Annotations
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.ui.annotate_helpers import WAIT, click_row, import_copy, open_in, sync_on_a_thread
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
    """(frame, title) of every listed row, read through the view's model as the view draws them."""
    m = panel.tree.model()
    return [(m.index(i, 0).data(), m.index(i, 2).data()) for i in range(m.rowCount())]


def test_a_burst_of_2000_remote_bookmarks_is_listed_exactly_and_edits_change_rows_in_place(
        qtbot, window, make_clip, tmp_path):
    view = import_copy(window.library, make_clip("cfr_h264"), tmp_path)
    open_in(qtbot, window, view)
    table = window.controller.table
    frames = table.frame_count
    panel = window.f.annotate.bookmarks_panel
    mine = Annotations(window.library).add_bookmark(view.id, table.pts_of(frames // 2), "mine")
    qtbot.waitUntil(lambda: len(_shown(panel)) == 1, timeout=WAIT)
    window.f.annotate.tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.tree, 0)
    assert panel.selected_id() == mine.id

    now = time.time_ns() // 1_000_000
    ids = [str(uuid7()) for _ in range(BURST)]
    creates = [_op(view.sha256, "bookmark.create", bid, now + i,
                   {"pts": table.pts_of((i * 7) % frames), "title": f"remote {i}", "note": "", "category": "other"})
               for i, bid in enumerate(ids)]
    _apply_on_a_thread(window.library.gov, creates, 1)

    expected = sorted([((i * 7) % frames, f"remote {i}") for i in range(BURST)] + [(frames // 2, "mine")],
                      key=lambda r: r[0])
    qtbot.waitUntil(lambda: len(_shown(panel)) == BURST + 1, timeout=WAIT)
    rows = _shown(panel)
    assert [int(f) for f, _t in rows] == sorted(int(f) for f, _t in rows)  # frame order
    assert sorted(rows) == sorted((str(f), t) for f, t in expected)
    assert panel.selected_id() == mine.id  # the user's selection followed its row through every page
    assert panel.tree.currentIndex().siblingAtColumn(2).data() == "mine"
    assert panel.tree.selectionModel().isRowSelected(panel.tree.currentIndex().row())

    # remote edits of half, deletions of a quarter
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
    assert len(_shown(panel)) == BURST + 1 - len(deleted)
    assert panel.model.row_of(ids[BURST // 2]) is None and not panel.select(ids[BURST // 2])
    assert panel.selected_id() == mine.id
    # a deleted row that was selected leaves nothing selected (not a neighbour silently selected in its place)
    assert panel.select(ids[BURST - 1])
    _apply_on_a_thread(window.library.gov, [_op(view.sha256, "bookmark.delete", ids[BURST - 1], now + 3 * BURST, {},
                                                seen=creates[BURST - 1].op_id)], 2 * BURST)
    qtbot.waitUntil(lambda: len(_shown(panel)) == BURST - len(deleted), timeout=WAIT)
    assert panel.selected_id() is None and not panel.delete_button.isEnabled()

    # the columns fit their texts, fitted once per re-list: in ResizeToContents mode every text edited in a
    # listed row measured its column again (~7 ms a row with thousands listed, seconds for a sync page)
    header = panel.tree.header()
    assert QHeaderView.ResizeMode.ResizeToContents not in {header.sectionResizeMode(c) for c in range(5)}
    widest = max((f for f, _t in _shown(panel)), key=len)
    assert header.sectionSize(0) >= panel.tree.fontMetrics().horizontalAdvance(widest)
