"""Clips as operations (issue 11 s.1): every write is one operation, merged last-writer-wins per field like
bookmarks; undo refuses to overwrite a change from elsewhere. Bookmark categories stay local (library-wide
lists are not an incident's, so the store has no scope for them)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from reviewer.annotate.service import Annotations
from reviewer.library.models_ops import OpLogRow, OutboxRow, SyncConflict
from reviewer.ops.apply import StaleRevision, apply_remote, head_of
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

HOUR_MS = 3_600_000


def remote(lib, rid, kind, cid, payload, wall_ms, seen=None, actor="bob"):
    return Operation(op_id=str(uuid7()), kind=kind, stamp=Stamp(wall_ms, 0, "ws-b"), actor=actor,
                     scope_type="recording", scope_id=lib.get(rid).sha256, entity_type="clip", entity_id=cid,
                     revision_seen=seen, payload=payload)


def kinds_logged(lib) -> list[str]:
    with lib.sessions() as s:
        return list(s.scalars(select(OpLogRow.kind).order_by(OpLogRow.seq)))


def test_every_clip_write_is_one_operation_and_undo_redo_still_work(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    c = ann.add_clip(rid, 0, 1024, "arrest", "evidential")
    ann.edit_clip(c.id, name="arrest 2", out_pts=2048)
    ann.delete_clip(c.id)
    lib.gov.undo.undo()  # restore
    lib.gov.undo.undo()  # the edit back
    assert (ann.clips.get(c.id).name, ann.clips.get(c.id).out_pts) == ("arrest", 1024)
    lib.gov.undo.redo()
    assert ann.clips.get(c.id).name == "arrest 2"
    assert kinds_logged(lib) == ["clip.create", "clip.update", "clip.delete", "clip.restore", "clip.update",
                                 "clip.update"]
    with lib.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == 6
    events = lib.gov.audit.events(action="clip.update")
    assert events[-2].details["via"] == "undo" and events[-2].details["changes"]["name"] == ["arrest 2", "arrest"]
    assert all("op" in e.details for e in events)


def test_remote_clip_is_applied_and_merges_per_field(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    cid = str(uuid7())
    now = time.time_ns() // 1_000_000
    made = remote(lib, rid, "clip.create", cid, {"name": "from B", "in_pts": 0, "out_pts": 512,
                                                 "purpose": "training"}, now - HOUR_MS)
    assert apply_remote(lib.gov, made, "trainer").status == "applied"
    got = ann.clips.get(cid)
    assert (got.name, got.author, got.purpose) == ("from B", "bob", "training")
    event = lib.gov.audit.events(action="clip.create")[-1]
    assert (event.details["author"], event.details["via"], event.details["op"]) == ("bob", "sync", made.op_id)
    ann.edit_clip(cid, name="ours")
    # B renamed and moved the out point before seeing our rename, with an earlier clock: its name loses (a
    # conflict), its out point (no concurrent writer) stays
    stale = remote(lib, rid, "clip.update", cid, {"fields": {"name": "theirs", "out_pts": 768}}, now - HOUR_MS + 1,
                   seen=made.op_id)
    apply_remote(lib.gov, stale, "trainer")
    got = ann.clips.get(cid)
    assert (got.name, got.out_pts) == ("ours", 768)
    with lib.sessions() as s:
        c = s.scalar(select(SyncConflict).where(SyncConflict.lost_op_id == stale.op_id))
    assert (c.field, c.lost_actor, json.loads(c.lost_value_json)) == ("name", "bob", "theirs")


def test_undo_of_a_clip_edit_refuses_after_a_remote_change(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    c = ann.add_clip(rid, 0, 1024, "arrest", "evidential")
    ann.edit_clip(c.id, name="mine")
    apply_remote(lib.gov, remote(lib, rid, "clip.update", c.id, {"fields": {"name": "theirs"}},
                                 time.time_ns() // 1_000_000 + HOUR_MS, seen=head_of(lib.gov, "clip", c.id)),
                 "investigator")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()
    assert ann.clips.get(c.id).name == "theirs"


def test_undo_of_adding_a_clip_refuses_after_a_remote_delete(lib, ids):
    """Undoing the add would delete; the clip is already deleted elsewhere: refused with the reason, not with
    "already deleted"."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    c = ann.add_clip(rid, 0, 1024, "arrest", "evidential")
    apply_remote(lib.gov, remote(lib, rid, "clip.delete", c.id, {}, time.time_ns() // 1_000_000 + HOUR_MS,
                                 seen=head_of(lib.gov, "clip", c.id)), "investigator")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()


def test_a_remote_delete_of_a_marked_clip_leaves_the_mark_in_force(lib, ids):
    """B deleted the clip before it learnt of our mark: the deletion applies (last writer wins), the evidence
    stays marked, and the mark still names the clip."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    c = ann.add_clip(rid, 0, 1024, "arrest", "evidential")
    created = head_of(lib.gov, "clip", c.id)
    m = ann.mark_evidential(rid, "CR/1", "assault", category="complaint", clip_id=c.id)
    apply_remote(lib.gov, remote(lib, rid, "clip.delete", c.id, {}, time.time_ns() // 1_000_000 + HOUR_MS,
                                 seen=created), "investigator")
    assert ann.clips.get(c.id, include_deleted=True).deleted
    assert ann.evidential.active_for(rid, c.id).id == m.id


def test_bookmark_categories_stay_local(lib):
    from reviewer.annotate.bookmarks import BookmarkStore

    BookmarkStore(lib.gov).add_category("interview")
    BookmarkStore(lib.gov).remove_category("interview")
    assert kinds_logged(lib) == []
    assert [e.action for e in lib.gov.audit.events()][-2:] == ["bookmark_category.add", "bookmark_category.remove"]
