"""Masks persist in the library, every edit is undoable (one drag = one step), and coverage review finds gaps."""

from __future__ import annotations

import shutil

import pytest

from reviewer.library import Library
from reviewer.redact.coverage import coverage, next_jump, next_keyframe, previous_keyframe, review_items
from reviewer.redact.editor import MaskEditor
from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore


@pytest.fixture
def lib_rec(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, src)
    lib = Library(home)
    rec = lib.import_paths([src]).added[0]
    yield lib, rec
    lib.close()


def test_edits_persist_and_undo_redo(lib_rec):
    lib, rec = lib_rec
    store = MaskStore(lib)
    table = lib.open_recording(rec.id).table
    ed = MaskEditor(store, rec.id, author="pc1")
    p0, p30 = int(table.pts[0]), int(table.pts[30])
    t = ed.add_track(ShapeKind.RECT, p0, ((10.0, 10.0), (60.0, 60.0)), Effect(EffectKind.BLUR, 30), "third-party face")
    # a drag: many steps, one undo entry
    for dx in range(1, 21):
        ed.set_geometry(t.id, p30, ((10.0 + dx, 10.0), (60.0 + dx, 60.0)), merge_key=("drag", t.id))
    ed.end_gesture()
    assert interpolate(ed.track(t.id), p30) == ((30.0, 10.0), (80.0, 60.0))
    # persisted: a fresh store reads the same
    again = MaskStore(lib).load(rec.id)
    assert again.tracks[0].keyframes == ed.track(t.id).keyframes and again.tracks[0].reason == "third-party face"
    assert ed.undo.undo() == "move mask"
    assert len(MaskStore(lib).load(rec.id).tracks[0].keyframes) == 1, "the whole drag undone at once"
    ed.undo.redo()
    assert MaskStore(lib).load(rec.id).tracks[0].keyframe_at(p30).points == ((30.0, 10.0), (80.0, 60.0))
    ed.delete_track(t.id)
    assert MaskStore(lib).load(rec.id).tracks == ()
    ed.undo.undo()
    assert len(MaskStore(lib).load(rec.id).tracks) == 1, "undoing a delete restores the tombstoned track"
    events = lib.gov.audit.events(object_type="mask_track")
    actions = [e.action for e in events]
    assert "mask_track.create" in actions and "mask_track.delete" in actions
    assert lib.gov.verify_audit().ok


def test_split_duplicate_hidden_and_ranges(lib_rec):
    lib, rec = lib_rec
    store = MaskStore(lib)
    table = lib.open_recording(rec.id).table
    ed = MaskEditor(store, rec.id)
    pts = [int(p) for p in table.pts]
    t = ed.add_track(ShapeKind.ELLIPSE, pts[0], ((0.0, 0.0), (20.0, 20.0)))
    ed.set_geometry(t.id, pts[100], ((100.0, 0.0), (120.0, 20.0)))
    whole = ed.track(t.id)
    a, b = ed.split_track(t.id, pts[50])
    assert a.end_pts == pts[50] and b.start_pts == pts[50]
    # the halves show, between them, exactly what the whole did: the first ends where the second starts
    for i in (0, 49, 50, 100, len(pts) - 1):
        assert (interpolate(a, pts[i]) or interpolate(b, pts[i])) == interpolate(whole, pts[i])
    assert interpolate(a, pts[50]) is None and interpolate(b, pts[49]) is None
    ed.undo.undo()
    assert len(store.load(rec.id).tracks) == 1
    ed.set_hidden(t.id, pts[60], True)
    assert interpolate(ed.track(t.id), pts[70]) is None
    d = ed.duplicate_track(t.id)
    assert len(store.load(rec.id).tracks) == 2 and d.id != t.id
    r = ed.add_range("audio", pts[10], pts[20], "mute", "address spoken")
    assert store.load(rec.id).audio[0].id == r.id
    ed.delete_range("audio", r.id)
    assert store.load(rec.id).audio == ()
    with pytest.raises(ValueError):
        ed.add_range("audio", pts[10], pts[20], "whistle", "x")


def test_a_selection_is_edited_deleted_and_duplicated_in_one_undo_step(lib_rec):
    lib, rec = lib_rec
    store = MaskStore(lib)
    p0 = int(lib.open_recording(rec.id).table.pts[0])
    ed = MaskEditor(store, rec.id)
    a = ed.add_track(ShapeKind.RECT, p0, ((0.0, 0.0), (20.0, 20.0)), reason="personal data")
    b = ed.add_track(ShapeKind.RECT, p0, ((30.0, 0.0), (50.0, 20.0)))
    blur = Effect(EffectKind.BLUR, 30)
    ed.edit_tracks({a.id: {"effect": blur}, b.id: {"effect": blur, "reason": "other"}})
    assert [(t.effect, t.reason) for t in store.load(rec.id).tracks] == [(blur, "personal data"), (blur, "other")]
    assert ed.undo.undo() == "edit 2 masks"
    assert [(t.effect, t.reason) for t in store.load(rec.id).tracks] == [(Effect(), "personal data"), (Effect(), "")]
    copies = ed.duplicate_tracks([a.id, b.id])
    assert len(store.load(rec.id).tracks) == 4 and ed.undo.undo() == "duplicate 2 masks"
    assert [t.id for t in store.load(rec.id).tracks] == [a.id, b.id] and copies[0].id != a.id
    ed.delete_tracks([a.id, b.id])
    assert store.load(rec.id).tracks == () and ed.undo.undo() == "delete 2 masks"
    assert [t.id for t in store.load(rec.id).tracks] == [a.id, b.id]


def test_coverage_review_and_navigation(make_clip):
    from reviewer.media.frametable import build_frame_table

    table = build_frame_table(make_clip("cfr_noaudio").path)
    p = [int(x) for x in table.pts]
    t = MaskTrack(ShapeKind.RECT, (
        Keyframe(p[0], ((0.0, 0.0), (40.0, 40.0))),
        Keyframe(p[10], ((5.0, 0.0), (45.0, 40.0))),
        Keyframe(p[11], ((100.0, 0.0), (140.0, 40.0))),  # abrupt: 95 px in one frame
        Keyframe(p[20], ((100.0, 0.0), (140.0, 40.0)), hidden=True),
        Keyframe(p[30], ((100.0, 0.0), (140.0, 40.0))),
    ))
    cov = coverage(t, table)
    assert cov.jumps == [11]
    assert cov.hidden_frames == list(range(20, 30))
    assert cov.keyframes == [0, 10, 11, 20, 30]
    items = review_items([t], table, visited={0, 10})
    assert [(i.frame, i.kind) for i in items] == [(11, "jump"), (11, "unvisited keyframe"), (20, "hidden"),
                                                  (20, "unvisited keyframe"), (30, "unvisited keyframe"),
                                                  (91, "long hold")]  # held from 30 to the end, 30 fps
    assert next_keyframe(t, table, 10) == 11 and previous_keyframe(t, table, 10) == 0
    assert next_jump(t, table, 0) == 11 and next_jump(t, table, 11) is None


def test_fast_steady_motion_is_not_an_abrupt_jump(make_clip):
    from reviewer.media.frametable import build_frame_table

    table = build_frame_table(make_clip("cfr_noaudio").path)
    p = [int(x) for x in table.pts]
    # 20 px per frame for 30 frames, box 40 px: fast, but steady
    t = MaskTrack(ShapeKind.RECT, (Keyframe(p[0], ((0.0, 0.0), (40.0, 40.0))),
                                   Keyframe(p[30], ((600.0, 0.0), (640.0, 40.0)))))
    assert coverage(t, table).jumps == []
