"""The one mutation path (ADR 0015): a local change is one operation with its audit event and outbox row in one
transaction; a remote one is applied idempotently, by last-writer-wins per field on HLC stamps, with the losing
side recorded as a conflict; an undo never overwrites a change that arrived from elsewhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from reviewer.annotate.service import Annotations
from reviewer.govern.roles import PermissionDenied, Role
from reviewer.library.models_ops import OpLogRow, OutboxRow, SyncConflict
from reviewer.ops.apply import StaleRevision, apply_remote, head_of
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401

HOUR_MS = 3_600_000


def sha_of(lib, rid):
    return lib.get(rid).sha256


def remote(lib, rid, kind, bid, payload, wall_ms, seen=None, ws="ws-b", actor="bob", counter=0):
    return Operation(op_id=str(uuid7()), kind=kind, stamp=Stamp(wall_ms, counter, ws), actor=actor,
                     scope_type="recording", scope_id=sha_of(lib, rid), entity_type="bookmark", entity_id=bid,
                     revision_seen=seen, payload=payload)


def count(lib, model):
    with lib.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_local_change_is_one_operation_with_audit_and_outbox(lib, ids):
    b = Annotations(lib).add_bookmark(ids["cfr_h264"], 1024, "push")
    with lib.sessions() as s:
        row = s.scalar(select(OpLogRow))
        env = json.loads(row.envelope)
    assert (row.kind, row.origin, row.status, row.entity_id) == ("bookmark.create", "local", "applied", b.id)
    assert env["scope"] == {"type": "recording", "id": sha_of(lib, ids["cfr_h264"])}
    assert env["actor"] == lib.gov.username and env["workstation"] == lib.gov.workstation
    assert count(lib, OutboxRow) == 1
    event = lib.gov.audit.events(action="bookmark.create")[-1]
    assert event.details["op"] == row.op_id


def test_refused_change_leaves_no_operation(lib, ids, gov_home, monkeypatch):
    other = user_with_role(lib, gov_home, monkeypatch, Role.TRAINER)
    with pytest.raises(PermissionDenied):
        Annotations(other).mark_evidential(ids["cfr_h264"], "CMP-1", "assault")
    assert count(other, OpLogRow) == 0 and count(other, OutboxRow) == 0


def test_remote_operation_applies_once(lib, ids):
    rid = ids["cfr_h264"]
    op = Operation(op_id=str(uuid7()), kind="bookmark.create", stamp=Stamp(1, 0, "ws-b"), actor="bob",
                   scope_type="recording", scope_id=sha_of(lib, rid), entity_type="bookmark",
                   entity_id=str(uuid7()), payload={"pts": 512, "title": "from B", "note": "", "category": "x"})
    first = apply_remote(lib.gov, op, "investigator", store_seq=7)
    again = apply_remote(lib.gov, op, "investigator", store_seq=7)
    assert (first.status, again.status) == ("applied", "duplicate")
    marks = Annotations(lib).bookmarks.list(rid)
    assert [(m.title, m.author) for m in marks] == [("from B", "bob")]
    assert count(lib, OutboxRow) == 0  # not ours to push
    event = lib.gov.audit.events(action="bookmark.create")[-1]
    assert (event.details["author"], event.details["origin"], event.details["via"]) == ("bob", "ws-b", "sync")


def test_remote_author_without_the_role_is_refused_and_audited(lib, ids):
    op = remote(lib, ids["cfr_h264"], "bookmark.create", str(uuid7()), {"pts": 0, "title": "x", "category": "x"}, 1)
    assert apply_remote(lib.gov, op, "unregistered").status == "refused"
    assert Annotations(lib).bookmarks.list(ids["cfr_h264"]) == []
    assert lib.gov.audit.events(action="sync.refused")[-1].details["op"] == op.op_id


def test_operation_for_a_recording_not_here_is_parked(lib, ids):
    op = Operation(op_id=str(uuid7()), kind="bookmark.create", stamp=Stamp(1, 0, "ws-b"), actor="bob",
                   scope_type="recording", scope_id="f" * 64, entity_type="bookmark", entity_id=str(uuid7()),
                   payload={"pts": 0, "title": "x", "category": "x"})
    assert apply_remote(lib.gov, op, "investigator").status == "parked"
    with lib.sessions() as s:
        assert s.scalar(select(OpLogRow.status).where(OpLogRow.op_id == op.op_id)) == "parked"
    assert lib.gov.audit.events(action="bookmark.create") == []


def test_last_writer_wins_per_field_and_the_loser_is_a_conflict(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    b = ann.add_bookmark(rid, 1024, "push", note="n")
    created = head_of(lib.gov, "bookmark", b.id)
    with lib.sessions() as s:
        created_at = Stamp.from_key(s.scalar(select(OpLogRow.stamp).where(OpLogRow.op_id == created)))
    ann.edit_bookmark(b.id, title="ours")
    # B edits title and note concurrently: B had seen the creation (HLC: its stamp follows it), not our edit,
    # and its stamp is earlier than our edit's, so its title loses and its note (no concurrent writer) stays
    behind = remote(lib, rid, "bookmark.update", b.id, {"fields": {"title": "theirs", "note": "B's note"}},
                    wall_ms=created_at.wall_ms, counter=created_at.counter, seen=created,
                    ws=created_at.workstation + "~")  # just after the creation
    apply_remote(lib.gov, behind, "investigator")
    got = ann.bookmarks.get(b.id)
    assert (got.title, got.note) == ("ours", "B's note")  # per field: B's note had no concurrent writer
    with lib.sessions() as s:
        c = s.scalar(select(SyncConflict))
    assert (c.field, c.lost_actor, json.loads(c.lost_value_json)) == ("title", "bob", "theirs")
    # C's edit an hour ahead wins over ours, and we record that ours was discarded
    ahead = remote(lib, rid, "bookmark.update", b.id, {"fields": {"title": "C"}}, wall_ms=2**52, seen=created,
                   ws="ws-c", actor="carol")
    apply_remote(lib.gov, ahead, "professional_standards")
    assert ann.bookmarks.get(b.id).title == "C"
    with lib.sessions() as s:
        lost = [(r.lost_actor, r.won_actor) for r in s.scalars(select(SyncConflict).order_by(SyncConflict.id))]
    assert lost[-1] == (lib.gov.username, "carol")


def test_local_stamps_follow_a_clock_far_ahead(lib, ids):
    """HLC: after seeing a change stamped an hour ahead, our next change is ordered after it."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    b = ann.add_bookmark(rid, 1024, "push")
    import time
    ahead_ms = time.time_ns() // 1_000_000 + HOUR_MS
    apply_remote(lib.gov, remote(lib, rid, "bookmark.update", b.id, {"fields": {"title": "ahead"}}, ahead_ms,
                                 seen=head_of(lib.gov, "bookmark", b.id)), "investigator")
    ann.edit_bookmark(b.id, title="after seeing it")
    assert ann.bookmarks.get(b.id).title == "after seeing it"
    with lib.sessions() as s:
        stamps = [r.stamp for r in s.scalars(select(OpLogRow).order_by(OpLogRow.seq))]
    assert stamps[-1] > stamps[-2] and int(stamps[-1].split(".")[0]) >= ahead_ms


def test_undo_refuses_to_overwrite_a_change_from_elsewhere(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    b = ann.add_bookmark(rid, 1024, "push")
    ann.edit_bookmark(b.id, title="mine")
    import time
    apply_remote(lib.gov, remote(lib, rid, "bookmark.update", b.id, {"fields": {"title": "theirs"}},
                                 time.time_ns() // 1_000_000 + HOUR_MS,
                                 seen=head_of(lib.gov, "bookmark", b.id)), "investigator")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()
    assert ann.bookmarks.get(b.id).title == "theirs"


def test_undo_and_redo_still_work_without_remote_changes(lib, ids):
    ann = Annotations(lib)
    b = ann.add_bookmark(ids["cfr_h264"], 1024, "push")
    ann.edit_bookmark(b.id, title="a", merge_key="drag")
    ann.edit_bookmark(b.id, title="b", merge_key="drag")
    lib.gov.undo.undo()
    assert ann.bookmarks.get(b.id).title == "push"
    lib.gov.undo.redo()
    assert ann.bookmarks.get(b.id).title == "b"
    lib.gov.undo.undo()
    lib.gov.undo.undo()
    assert ann.bookmarks.list(ids["cfr_h264"]) == []
