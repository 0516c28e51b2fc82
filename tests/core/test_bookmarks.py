"""Bookmarks at exact frames: stored by pts, edited and deleted with tombstones, exported, undoable."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from reviewer.annotate.bookmarks import DEFAULT_CATEGORIES, VIEW_COLUMNS, export_rows, export_text
from reviewer.annotate.service import Annotations
from reviewer.annotate.views import BookmarkView
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.roles import PermissionDenied, Role
from reviewer.library.models_govern import Bookmark
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401


def test_add_edit_delete_keep_a_tombstone_and_an_audit_trail(lib, ids):
    rid = ids["vfr_h264"]
    table = lib.open_recording(rid, reason="training").table
    ann = Annotations(lib)
    b = ann.add_bookmark(rid, int(table.pts_of(17)), "baton drawn", note="left hand", category="use of force")
    assert table.index_of_pts(b.pts) == 17 and b.author == "sup" and b.revision == 1
    edited = ann.edit_bookmark(b.id[:8], title="baton raised", pts=int(table.pts_of(18)))
    assert (edited.title, edited.note, edited.revision) == ("baton raised", "left hand", 2)
    assert table.index_of_pts(ann.bookmarks.get(b.id).pts) == 18
    ann.delete_bookmark(b.id)
    assert ann.bookmarks.list(rid) == []
    with pytest.raises(NotFound):
        ann.bookmarks.get(b.id)
    with lib.sessions() as s:
        row = s.get(Bookmark, b.id)
        assert row.deleted_at is not None and row.revision == 3 and row.title == "baton raised"
    actions = [(e.action, e.details.get("changes")) for e in lib.gov.audit.events(object_id=b.id)]
    assert actions == [("bookmark.create", None),
                       ("bookmark.update", {"pts": [int(table.pts_of(17)), int(table.pts_of(18))],
                                            "title": ["baton drawn", "baton raised"]}),
                       ("bookmark.delete", None)]


def test_undo_and_redo_are_persisted_edits(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    stack = lib.gov.undo
    b = ann.add_bookmark(rid, 512, "one")
    ann.edit_bookmark(b.id, title="two")
    ann.delete_bookmark(b.id)
    assert stack.undo_name == "delete bookmark"
    stack.undo()
    assert ann.bookmarks.get(b.id).title == "two"
    stack.undo()
    assert ann.bookmarks.get(b.id).title == "one"
    stack.undo()
    assert ann.bookmarks.list(rid) == []
    stack.redo()
    stack.redo()
    assert ann.bookmarks.get(b.id).title == "two"
    vias = [(e.action, e.details.get("via")) for e in lib.gov.audit.events(object_id=b.id)]
    assert vias == [("bookmark.create", None), ("bookmark.update", None), ("bookmark.delete", None),
                    ("bookmark.restore", "undo"), ("bookmark.update", "undo"), ("bookmark.delete", "undo"),
                    ("bookmark.restore", "redo"), ("bookmark.update", "redo")]
    with Annotations(lib).gov.sessions() as s:  # a second service shares the same stack and data
        assert s.get(Bookmark, b.id).revision == 8
    assert Annotations(lib).undo is stack


def test_filters_and_validation(lib, ids):
    ann = Annotations(lib)
    rid, other = ids["cfr_h264"], ids["cfr_noaudio"]
    ann.add_bookmark(rid, 0, "suspect runs", category="evidence")
    ann.add_bookmark(rid, 1024, "officer falls", note="runs after suspect")
    ann.add_bookmark(other, 0, "unrelated")
    assert [b.title for b in ann.bookmarks.list(rid, text_filter="suspect")] == ["suspect runs", "officer falls"]
    assert [b.title for b in ann.bookmarks.list(rid, category="evidence")] == ["suspect runs"]
    assert len(ann.bookmarks.list()) == 3
    with pytest.raises(ReviewerError, match="must not be empty"):
        ann.add_bookmark(rid, 0, "   ")
    with pytest.raises(ReviewerError, match="whole number"):
        ann.add_bookmark(rid, 1.5, "half a frame")
    with pytest.raises(NotFound):
        ann.add_bookmark("0" * 36, 0, "nowhere")
    assert lib.gov.undo.undo_name == "add bookmark 'unrelated'", "failed adds are not on the undo stack"


def test_categories_are_configurable_by_a_supervisor(lib, gov_home, ids, monkeypatch):
    ann = Annotations(lib)
    assert ann.bookmarks.categories() == list(DEFAULT_CATEGORIES)
    ann.bookmarks.add_category("Vehicle Stop")
    ann.bookmarks.remove_category("allegation")
    assert ann.bookmarks.categories() == ["use of force", "evidence", "training example", "other", "vehicle stop"]
    with pytest.raises(ReviewerError, match="unknown bookmark category"):
        ann.add_bookmark(ids["cfr_h264"], 0, "x", category="allegation")
    ann.add_bookmark(ids["cfr_h264"], 0, "x", category="vehicle stop")
    inv = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:
        with pytest.raises(PermissionDenied):
            Annotations(inv).bookmarks.add_category("anything")
    finally:
        inv.close()


def test_export_csv_and_json_give_frame_and_both_clocks(lib, ids):
    rid = ids["cfr_h264"]
    opened = lib.open_recording(rid, reason="disclosure request")
    ann = Annotations(lib)
    ann.add_bookmark(rid, int(opened.table.pts_of(30)), "thirty", note='says "stop", twice')
    ann.add_bookmark(rid, int(opened.table.pts_of(3)), "three")
    rows = export_rows(ann.bookmarks.list(rid), opened.table, opened.view.camera_start)
    assert [(r["frame"], r["title"]) for r in rows] == [(3, "three"), (30, "thirty")]
    assert rows[1]["media_time"] == "00:00:01.000" and rows[1]["camera_time"].startswith("2024-05-01T10:00:01")
    parsed = list(csv.DictReader(io.StringIO(export_text(rows, "csv"))))
    assert parsed[1]["note"] == 'says "stop", twice' and parsed[1]["frame"] == "30"
    assert json.loads(export_text(rows, "json")) == rows


def test_a_listed_bookmark_is_the_same_view_get_reads_tombstones_included(lib, ids):
    """The list reads plain columns (a sync re-lists thousands a page), get() the ORM row: one view either way."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    kept = ann.add_bookmark(rid, 512, "kept", note="a note", category="evidence")
    ann.edit_bookmark(kept.id, title="kept, edited")
    gone = ann.add_bookmark(rid, 1024, "gone")
    ann.delete_bookmark(gone.id)
    assert ann.bookmarks.list(rid) == [ann.bookmarks.get(kept.id)]
    listed = ann.bookmarks.list(rid, include_deleted=True)
    assert listed == [ann.bookmarks.get(kept.id), ann.bookmarks.get(gone.id, include_deleted=True)]
    assert [(b.title, b.revision, b.deleted) for b in listed] == [("kept, edited", 2, False), ("gone", 2, True)]
    assert listed[0].created_at.tzinfo is not None and listed[0].updated_by.startswith("sup@")
    # a field added to the view must be read by the list too (one column each, deleted_at for `deleted`)
    assert [c.key for c in VIEW_COLUMNS] == [f.name if f.name != "deleted" else "deleted_at"
                                             for f in dataclasses.fields(BookmarkView)]


def test_of_ids_reads_just_those_bookmarks_now_tombstones_included(lib, ids):
    """A window listing thousands re-reads only the bookmarks a change named: as they are now, a deleted one
    saying so, an unknown id left out, across more ids than one query takes."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    a = ann.add_bookmark(rid, 512, "a")
    b = ann.add_bookmark(rid, 1024, "b")
    c = ann.add_bookmark(rid, 1536, "c")
    ann.edit_bookmark(a.id, title="a, edited")
    ann.delete_bookmark(b.id)
    got = {v.id: v for v in ann.bookmarks.of_ids([a.id, b.id, "no-such-id", *(f"x{i}" for i in range(700))])}
    assert set(got) == {a.id, b.id}
    assert got[a.id] == ann.bookmarks.get(a.id) and got[a.id].title == "a, edited"
    assert got[b.id].deleted and got[b.id] == ann.bookmarks.get(b.id, include_deleted=True)
    assert ann.bookmarks.of_ids([]) == [] and c.id not in got
