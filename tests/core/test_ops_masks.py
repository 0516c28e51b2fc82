"""Mask changes are operations at keyframe level (issue 11 s.1-4): what a user at this workstation relies on when
another workstation edits the same masks, when they undo, and when a change arrives for footage not here."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from reviewer.library.models_ops import OpLogRow, OutboxRow, SyncConflict
from reviewer.library.models_redact import MaskKeyframeRow, MaskTrackRow
from reviewer.ops.apply import StaleRevision, apply_remote, head_of
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from reviewer.redact import approval
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.store import MaskStore
from reviewer.redact.validate import MaskError
from reviewer.govern.roles import Role
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401

HOUR_MS = 3_600_000
BOX = ((10.0, 10.0), (60.0, 60.0))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_PTS: dict[str, list[int]] = {}


def pts(lib, rid, i):
    """The pts of frame i (the template's recordings are the same files in every test)."""
    if rid not in _PTS:
        _PTS[rid] = [int(p) for p in lib.open_recording(rid, reason="test").table.pts]
    return _PTS[rid][i]


def remote(lib, rid, kind, entity_id, payload, wall_ms, seen=None, ws="ws-b", actor="bob",
           entity_type="mask_track"):
    return Operation(op_id=str(uuid7()), kind=kind, stamp=Stamp(wall_ms, 0, ws), actor=actor,
                     scope_type="recording", scope_id=lib.get(rid).sha256, entity_type=entity_type,
                     entity_id=entity_id, revision_seen=seen, payload=payload)


def put(lib, rid, track_id, p, points, wall_ms, seen, ws="ws-b"):
    return remote(lib, rid, "mask_keyframe.put", track_id,
                  {"keyframe": {"pts": p, "points": [list(x) for x in points], "hidden": False}}, wall_ms, seen, ws)


def ops(lib, kind=None):
    with lib.sessions() as s:
        q = select(OpLogRow).order_by(OpLogRow.seq)
        return [r for r in s.scalars(q) if kind is None or r.kind == kind]


def conflicts(lib):
    with lib.sessions() as s:
        return [(c.entity_type, c.field, c.lost_actor, c.won_actor) for c in
                s.scalars(select(SyncConflict).order_by(SyncConflict.id))]


@pytest.fixture
def drawn(lib, ids):
    rid = ids["cfr_noaudio"]
    ed = MaskEditor(MaskStore(lib), rid, undo=lib.gov.undo, author="sup")
    t = ed.add_track(ShapeKind.RECT, pts(lib, rid, 0), BOX, Effect(EffectKind.BLUR, 30), "third-party face",
                     label="face")
    return lib, rid, ed, t


def test_two_workstations_editing_different_keyframes_of_one_track_both_keep_their_edits(drawn):
    lib, rid, ed, t = drawn
    created = head_of(lib.gov, "mask_track", t.id)
    ed.set_geometry(t.id, pts(lib, rid, 20), ((200.0, 10.0), (250.0, 60.0)))  # ours, at frame 20
    # B had seen only the creation; it moved frame 10 (stamped before ours: B's clock is an hour behind)
    apply_remote(lib.gov, put(lib, rid, t.id, pts(lib, rid, 10), ((100.0, 10.0), (150.0, 60.0)),
                              now_ms() - HOUR_MS, created), "investigator")
    track = MaskStore(lib).load(rid).tracks[0]
    assert track.keyframe_at(pts(lib, rid, 20)).points == ((200.0, 10.0), (250.0, 60.0))
    assert track.keyframe_at(pts(lib, rid, 10)).points == ((100.0, 10.0), (150.0, 60.0))
    assert len(track.keyframes) == 3 and conflicts(lib) == []
    assert [r.kind for r in ops(lib)] == ["mask_track.create", "mask_keyframe.put", "mask_keyframe.put"]


def test_concurrent_edits_of_one_keyframe_resolve_by_stamp_and_the_loser_is_a_conflict(drawn):
    lib, rid, ed, t = drawn
    p10 = pts(lib, rid, 10)
    created = head_of(lib.gov, "mask_track", t.id)
    ed.set_geometry(t.id, p10, ((100.0, 10.0), (150.0, 60.0)))
    apply_remote(lib.gov, put(lib, rid, t.id, p10, ((300.0, 10.0), (350.0, 60.0)), now_ms() - HOUR_MS, created),
                 "investigator")
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(p10).points == ((100.0, 10.0), (150.0, 60.0))
    assert conflicts(lib) == [("mask_track", f"kf:{p10}", "bob", "sup")]
    # C, an hour ahead, had not seen ours either: C wins, ours is the discarded change
    apply_remote(lib.gov, put(lib, rid, t.id, p10, ((400.0, 10.0), (450.0, 60.0)), now_ms() + HOUR_MS, created,
                              ws="ws-c"), "investigator")
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(p10).points == ((400.0, 10.0), (450.0, 60.0))
    assert conflicts(lib)[-1] == ("mask_track", f"kf:{p10}", "sup", "bob")
    assert lib.gov.audit.events(action="sync.conflict")[-1].details["field"] == f"kf:{p10}"


def test_a_track_deleted_here_comes_back_when_an_edit_it_had_not_seen_arrives(drawn):
    """Redaction wins: B moved the mask while we deleted it; the mask stays, with B's move, and our deletion
    is listed as the discarded change."""
    lib, rid, ed, t = drawn
    created = head_of(lib.gov, "mask_track", t.id)
    ed.delete_track(t.id)
    assert MaskStore(lib).load(rid).tracks == ()
    p10 = pts(lib, rid, 10)
    apply_remote(lib.gov, put(lib, rid, t.id, p10, ((100.0, 10.0), (150.0, 60.0)), now_ms() - HOUR_MS, created),
                 "investigator")
    got = MaskStore(lib).load(rid).tracks
    assert [x.id for x in got] == [t.id] and got[0].keyframe_at(p10) is not None
    assert conflicts(lib) == [("mask_track", "deleted", "sup", "bob")]


def test_a_remote_deletion_that_missed_our_edit_is_discarded_one_that_saw_it_deletes(drawn):
    lib, rid, ed, t = drawn
    created = ops(lib, "mask_track.create")[0].op_id
    ed.edit_track(t.id, label="plate")
    stale = remote(lib, rid, "mask_track.delete", t.id, {"seen": [created]}, now_ms() + HOUR_MS, created)
    apply_remote(lib.gov, stale, "investigator")
    assert [x.label for x in MaskStore(lib).load(rid).tracks] == ["plate"]
    assert conflicts(lib) == [("mask_track", "deleted", "bob", "sup")]
    assert lib.gov.audit.events(action="mask_track.delete")[-1].details["kept"].startswith("deleted concurrently")
    everything = [r.op_id for r in ops(lib) if r.kind in ("mask_track.create", "mask_track.update")]
    informed = remote(lib, rid, "mask_track.delete", t.id, {"seen": everything}, now_ms() + HOUR_MS,
                      head_of(lib.gov, "mask_track", t.id), ws="ws-c")
    apply_remote(lib.gov, informed, "investigator")
    assert MaskStore(lib).load(rid).tracks == ()


def test_undo_of_a_drag_is_one_step_and_refuses_to_overwrite_a_change_from_elsewhere(drawn):
    lib, rid, ed, t = drawn
    p30 = pts(lib, rid, 30)
    for dx in range(1, 21):
        ed.set_geometry(t.id, p30, ((10.0 + dx, 10.0), (60.0 + dx, 60.0)), merge_key=("drag", t.id))
    ed.end_gesture()
    assert len(ops(lib, "mask_keyframe.put")) == 20  # every step is an operation, queued for the store
    apply_remote(lib.gov, put(lib, rid, t.id, pts(lib, rid, 5), ((1.0, 1.0), (9.0, 9.0)), now_ms() + HOUR_MS,
                              head_of(lib.gov, "mask_track", t.id)), "investigator")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()
    track = MaskStore(lib).load(rid).tracks[0]
    assert track.keyframe_at(p30).points == ((30.0, 10.0), (80.0, 60.0)) and track.keyframe_at(pts(lib, rid, 5))
    assert lib.gov.undo.undo_name == "move mask", "the refused undo stays on the stack"
    assert ed.track(t.id).keyframe_at(pts(lib, rid, 5)) is not None, "the editor shows the change from elsewhere"


def test_undo_and_redo_of_a_drag_emit_inverse_operations(drawn):
    lib, rid, ed, t = drawn
    p30 = pts(lib, rid, 30)
    for dx in range(1, 11):
        ed.set_geometry(t.id, p30, ((10.0 + dx, 10.0), (60.0 + dx, 60.0)), merge_key=("drag", t.id))
    ed.end_gesture()
    assert lib.gov.undo.undo() == "move mask"
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(p30) is None
    assert ops(lib)[-1].kind == "mask_keyframe.delete"
    lib.gov.undo.redo()
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(p30).points == ((20.0, 10.0), (70.0, 60.0))
    vias = [e.details.get("via") for e in lib.gov.audit.events(object_type="mask_track")]
    assert "undo" in vias and "redo" in vias
    with lib.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow)) == len(ops(lib))


def test_a_remote_change_needs_no_footage_but_malformed_geometry_never_enters(drawn, monkeypatch):
    lib, rid, ed, t = drawn
    store = MaskStore(lib)
    beyond = pts(lib, rid, -1) + 10_000  # after the recording's last frame: refused locally
    with pytest.raises(MaskError, match="outside the recording"):
        store.save_track(rid, ed.track(t.id).with_keyframe(Keyframe(beyond, BOX)))

    def no_footage(*a, **kw):
        raise AssertionError("a remote change must not need the frame table")
    monkeypatch.setattr(lib.frame_tables, "get_or_build", no_footage)
    head = head_of(lib.gov, "mask_track", t.id)
    assert apply_remote(lib.gov, put(lib, rid, t.id, beyond, BOX, now_ms(), head), "investigator").status == "applied"
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(beyond) is not None  # the author had validated it
    bad_points = [[[0, 0], [float("nan"), 5]], [[0, 0]], [[5, 5], [5, 9]], [[0, 0], [1e300, 5]], "box",
                  [[0, 0], [True, 5]]]
    for i, points in enumerate(bad_points):
        op = remote(lib, rid, "mask_keyframe.put", t.id, {"keyframe": {"pts": 100 + i, "points": points}},
                    now_ms(), head)
        assert apply_remote(lib.gov, op, "investigator").status == "refused", points
    bad_track = remote(lib, rid, "mask_track.create", str(uuid7()), {"track": {
        "kind": "polygon", "reason": "other", "keyframes": [{"pts": 0, "points": [[0, 0], [1, 1]]}]}}, now_ms())
    assert apply_remote(lib.gov, bad_track, "investigator").status == "refused"
    with lib.sessions() as s:
        stored = s.scalars(select(MaskKeyframeRow.pts).where(MaskKeyframeRow.track_id == t.id)).all()
        assert sorted(stored) == sorted([pts(lib, rid, 0), beyond])
        assert s.get(MaskTrackRow, bad_track.entity_id) is None
    refused = lib.gov.audit.events(action="sync.refused")
    assert len(refused) == len(bad_points) + 1 and "no area" in refused[2].details["why"]


def test_a_mask_set_import_is_one_operation_per_record_in_one_transaction(lib, ids):
    rid = ids["cfr_noaudio"]
    p0 = pts(lib, rid, 0)
    good = MaskTrack(ShapeKind.RECT, (Keyframe(p0, BOX),), reason="other")
    ms = MaskSet((good, MaskTrack(ShapeKind.RECT, (Keyframe(p0, BOX), Keyframe(pts(lib, rid, 9), BOX)))),
                 (PtsRange(p0, pts(lib, rid, 4), "address", "black"),), ())
    assert MaskStore(lib).import_set(rid, ms, "file.json") == 3
    assert [r.kind for r in ops(lib)] == ["mask_track.create", "mask_track.create", "redaction_range.create"]
    broken = MaskSet((MaskTrack(ShapeKind.RECT, (Keyframe(p0, BOX),)),
                      MaskTrack(ShapeKind.RECT, (Keyframe(p0 + 10**9, BOX),))))
    with pytest.raises(MaskError):
        MaskStore(lib).import_set(rid, broken)
    assert len(ops(lib)) == 3 and len(MaskStore(lib).load(rid).tracks) == 2


def test_an_approval_travels_as_an_operation_and_any_change_voids_it_here(lib, ids, gov_home, monkeypatch):
    rid = ids["cfr_noaudio"]
    t = MaskTrack(ShapeKind.RECT, (Keyframe(pts(lib, rid, 0), BOX),), reason="other")
    MaskStore(lib).save_track(rid, t)
    st = approval.status(lib, rid)
    # approved on another workstation, by someone who never edited these masks
    appr = remote(lib, rid, "masks.approve", str(uuid7()), {"mask_sha256": st.current_sha256,
                                                           "role": "professional_standards"},
                  now_ms() + 1000, ws="ws-c", actor="carol", entity_type="mask_approval")
    assert apply_remote(lib.gov, appr, "professional_standards").status == "applied"
    st = approval.status(lib, rid)
    assert st.approved and st.latest.approved_by == "carol"
    # bob's change, stamped after the approval, arrives: the approval is void here too
    apply_remote(lib.gov, remote(lib, rid, "mask_track.update", t.id, {"fields": {"label": "x"}},
                                 now_ms() + 2000, head_of(lib.gov, "mask_track", t.id)), "investigator")
    st = approval.status(lib, rid)
    assert not st.approved and st.void and "bob" in st.editors
    # an investigator here may approve it: applying bob's change did not make this library's users editors
    inv = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:
        assert approval.approve(inv, rid).approved
        assert ops(lib)[-1].kind == "masks.approve" and json.loads(ops(lib)[-1].envelope)["payload"]["role"] \
            == "investigator"
    finally:
        inv.close()


def test_a_change_that_restores_the_approved_hash_still_voids_the_approval(lib, ids, gov_home, monkeypatch):
    rid = ids["cfr_noaudio"]
    t = MaskTrack(ShapeKind.RECT, (Keyframe(pts(lib, rid, 0), BOX),), reason="other", label="a")
    MaskStore(lib).save_track(rid, t)
    inv = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:
        assert approval.approve(inv, rid).approved
    finally:
        inv.close()
    MaskStore(lib).save_track(rid, t.edited(label="b"))
    MaskStore(lib).save_track(rid, t)  # back to what was approved
    st = approval.status(lib, rid)
    assert st.current_sha256 == st.latest.mask_sha256 and not st.approved


def test_a_drag_is_undone_as_one_operation_and_keeps_a_change_that_arrived_mid_drag(drawn):
    lib, rid, ed, t = drawn
    p30, p5 = pts(lib, rid, 30), pts(lib, rid, 5)
    for dx in range(1, 6):
        ed.set_geometry(t.id, p30, ((10.0 + dx, 10.0), (60.0 + dx, 60.0)), merge_key=("drag", t.id))
    # B's keyframe arrives while the mouse is still down; the editor shows it, and the drag goes on
    apply_remote(lib.gov, put(lib, rid, t.id, p5, ((1.0, 1.0), (9.0, 9.0)), now_ms() + HOUR_MS,
                              head_of(lib.gov, "mask_track", t.id)), "investigator")
    ed.reload()
    for dx in range(6, 21):
        ed.set_geometry(t.id, p30, ((10.0 + dx, 10.0), (60.0 + dx, 60.0)), merge_key=("drag", t.id))
    ed.end_gesture()
    before = len(ops(lib))
    assert lib.gov.undo.undo() == "move mask"
    undo_ops = ops(lib)[before:]
    assert len(undo_ops) == 2, "one inverse per part of the drag (split where B's change came in), not 20"
    track = MaskStore(lib).load(rid).tracks[0]
    assert track.keyframe_at(p30) is None and track.keyframe_at(p5).points == ((1.0, 1.0), (9.0, 9.0))
    lib.gov.undo.redo()
    assert MaskStore(lib).load(rid).tracks[0].keyframe_at(p30).points == ((30.0, 10.0), (80.0, 60.0))
    assert len(ops(lib)) == before + 4


def test_undoing_a_draw_after_the_mask_was_deleted_elsewhere_says_why(drawn):
    lib, rid, ed, t = drawn
    everything = [r.op_id for r in ops(lib)]
    apply_remote(lib.gov, remote(lib, rid, "mask_track.delete", t.id, {"seen": everything}, now_ms() + HOUR_MS,
                                 head_of(lib.gov, "mask_track", t.id)), "investigator")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()
    assert MaskStore(lib).load(rid).tracks == () and lib.gov.undo.undo_name == "draw rect"
