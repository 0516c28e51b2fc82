"""Clips: named in/out ranges with a purpose; unique names per recording; undoable edits; one undo per drag."""

from __future__ import annotations

import pytest

from reviewer.annotate.service import Annotations
from reviewer.errors import NotFound, ReviewerError
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401


def test_add_list_edit_delete(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    c = ann.add_clip(rid, 512, 5120, "arrest", "evidential")
    ann.add_clip(rid, 0, 256, "approach", "training")
    assert [x.name for x in ann.clips.list(rid)] == ["approach", "arrest"]
    assert ann.clips.by_name(rid, "arrest").id == c.id and not c.evidential
    e = ann.edit_clip(c.id, name="arrest at door", out_pts=6144, purpose="disclosure")
    assert (e.name, e.in_pts, e.out_pts, e.purpose, e.revision) == ("arrest at door", 512, 6144, "disclosure", 2)
    ann.delete_clip(c.id)
    assert [x.name for x in ann.clips.list(rid)] == ["approach"]
    assert ann.clips.get(c.id, include_deleted=True).deleted
    assert [x.action for x in lib.gov.audit.events(object_id=c.id)] == ["clip.create", "clip.update", "clip.delete"]
    ann.add_clip(rid, 0, 10, "arrest at door", "training")  # a deleted clip's name is free again


def test_validation(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    ann.add_clip(rid, 0, 512, "a", "training")
    with pytest.raises(ReviewerError, match="already has a clip named 'a'"):
        ann.add_clip(rid, 0, 512, "a", "training")
    ann.add_clip(ids["cfr_noaudio"], 0, 512, "a", "training")  # names are per recording
    with pytest.raises(ReviewerError, match="in point .* is after the out point"):
        ann.add_clip(rid, 1024, 512, "b", "training")
    with pytest.raises(ReviewerError, match="purpose must be one of"):
        ann.add_clip(rid, 0, 512, "b", "fun")
    with pytest.raises(ReviewerError, match="after the out point"):
        ann.edit_clip(ann.clips.by_name(rid, "a").id, in_pts=9999)
    with pytest.raises(NotFound):
        ann.clips.by_name(rid, "b")


def test_undo_redo_and_a_drag_is_one_step(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    stack = lib.gov.undo
    c = ann.add_clip(rid, 0, 512, "drag me", "training")
    for out in (1024, 1536, 2048):  # one drag of the out handle
        ann.edit_clip(c.id, merge_key=("clip-out", c.id), out_pts=out)
    stack.close_merge()
    assert ann.clips.get(c.id).out_pts == 2048
    stack.undo()
    assert ann.clips.get(c.id).out_pts == 512, "the whole drag is undone at once"
    stack.undo()
    assert ann.clips.list(rid) == []
    stack.redo()
    stack.redo()
    assert ann.clips.get(c.id).out_pts == 2048
    # undoing a delete restores the clip under its name
    ann.delete_clip(c.id)
    stack.undo()
    assert ann.clips.by_name(rid, "drag me").id == c.id
    assert lib.gov.audit.check().ok
