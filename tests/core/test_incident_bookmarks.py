"""A bookmark made in the multi-camera grid (issue 13 s.3): one ordinary bookmark per camera at the frame it
showed, sharing a group id and the incident time; made and undone as one step; each is a bookmark.create operation,
so another library applying the operations holds the same bookmarks."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from reviewer.annotate.service import Annotations
from reviewer.errors import ReviewerError
from reviewer.library import Library
from reviewer.library.models_ops import OpLogRow
from reviewer.ops.apply import StaleRevision, apply_remote, head_of
from reviewer.ops.envelope import Operation
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401


def grid_bookmark(lib, ids):
    a, b = ids["cfr_h264"], ids["cfr_noaudio"]
    return a, b, Annotations(lib).add_incident_bookmark([(a, 1024), (b, 512)], 12_345_678, "shout heard",
                                                        note="PC A turns", category="evidence")


def test_a_grid_bookmark_is_one_bookmark_per_camera_sharing_a_group_and_the_incident_time(lib, ids):
    a, b, made = grid_bookmark(lib, ids)
    ann = Annotations(lib)
    (on_a,), (on_b,) = ann.bookmarks.list(a), ann.bookmarks.list(b)
    assert (on_a.pts, on_b.pts) == (1024, 512)
    assert on_a.group_id == on_b.group_id is not None and on_a.id != on_b.id
    assert on_a.incident_us == on_b.incident_us == 12_345_678
    assert {m.id for m in made} == {on_a.id, on_b.id}
    assert (on_a.title, on_a.note, on_a.category) == ("shout heard", "PC A turns", "evidence")
    events = lib.gov.audit.events(action="bookmark.create")
    assert {(e.object_id, e.details["recording_id"], e.details["group_id"], e.details["incident_us"])
            for e in events} == {(on_a.id, a, on_a.group_id, 12_345_678), (on_b.id, b, on_a.group_id, 12_345_678)}


def test_undo_removes_every_cameras_bookmark_in_one_step_and_redo_brings_them_back(lib, ids):
    a, b, _made = grid_bookmark(lib, ids)
    ann = Annotations(lib)
    assert lib.gov.undo.undo_name == "add bookmark 'shout heard' on 2 cameras"
    lib.gov.undo.undo()
    assert ann.bookmarks.list(a) == [] and ann.bookmarks.list(b) == []
    assert lib.gov.undo.undo_name is None  # one gesture, one step
    assert {e.details["via"] for e in lib.gov.audit.events(action="bookmark.delete")} == {"undo"}
    lib.gov.undo.redo()
    assert [m.incident_us for m in ann.bookmarks.list(a) + ann.bookmarks.list(b)] == [12_345_678] * 2


def test_the_operations_give_another_library_the_same_grid_bookmark(lib, ids, template, tmp_path):
    a, b, _made = grid_bookmark(lib, ids)
    with lib.sessions() as s:
        ops = [Operation.from_json(json.loads(r.envelope))
               for r in s.scalars(select(OpLogRow).order_by(OpLogRow.seq))]
    assert [op.kind for op in ops] == ["bookmark.create"] * 2
    shutil.copytree(template[0], tmp_path / "other", symlinks=True)
    with Library(tmp_path / "other") as other:
        assert [apply_remote(other.gov, op, "investigator").status for op in ops] == ["applied"] * 2
        theirs = {(m.recording_id, m.pts, m.group_id, m.incident_us)
                  for m in Annotations(other).bookmarks.list()}
    ours = {(m.recording_id, m.pts, m.group_id, m.incident_us) for m in Annotations(lib).bookmarks.list()}
    assert theirs == ours and len(ours) == 2


def test_a_grid_bookmark_with_no_camera_running_is_refused_with_one_line(lib, ids):
    with pytest.raises(ReviewerError, match="^no camera shows footage at this time: nothing to bookmark$"):
        Annotations(lib).add_incident_bookmark([], 0, "nothing")


def test_a_remote_grid_bookmark_with_a_broken_incident_time_is_refused(lib, ids):
    from tests.core.test_ops_apply import remote

    op = remote(lib, ids["cfr_h264"], "bookmark.create", "b" * 36,
                {"pts": 0, "title": "x", "category": "x", "group_id": "g", "incident_us": "soon"}, 1)
    assert apply_remote(lib.gov, op, "investigator").status == "refused"
    assert "incident time 'soon' is not a whole number" in \
        lib.gov.audit.events(action="sync.refused")[-1].details["why"]


def test_undo_refuses_the_whole_grid_bookmark_when_sync_changed_one_cameras_bookmark(lib, ids):
    from tests.core.test_ops_apply import remote

    a, b, made = grid_bookmark(lib, ids)
    on_b = next(m for m in made if m.recording_id == b)
    seen = head_of(lib.gov, "bookmark", on_b.id)
    change = remote(lib, b, "bookmark.update", on_b.id, {"fields": {"title": "renamed on B"}}, 2**41, seen=seen)
    assert apply_remote(lib.gov, change, "investigator").status == "applied"
    with pytest.raises(StaleRevision):
        lib.gov.undo.undo()
    ann = Annotations(lib)
    assert [m.title for m in ann.bookmarks.list(a)] == ["shout heard"]  # neither camera's bookmark was deleted
    assert [m.title for m in ann.bookmarks.list(b)] == ["renamed on B"]
    assert lib.gov.undo.undo_name == "add bookmark 'shout heard' on 2 cameras"  # still there to undo
