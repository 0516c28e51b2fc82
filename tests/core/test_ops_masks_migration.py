"""Masks saved before keyframe-level merging (whole-track JSON) survive migration 0008_mask_keyframes unchanged,
and the migration runs back down to whole-track JSON."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from reviewer.library import Library
from reviewer.library.db import alembic_config, create_library_engine
from reviewer.redact.approval import mask_set_hash
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401

KF = [{"pts": 0, "points": [[1.0, 2.0], [30.0, 40.0]], "hidden": False},
      {"pts": 512, "points": [[5.0, 2.0], [35.0, 40.0]], "hidden": True}]


def _legacy_track(conn, tid: str, rid: str, created: str, deleted: str | None, label: str) -> None:
    conn.execute(text(
        "INSERT INTO mask_tracks (id, recording_id, kind, effect_json, padding, inverse, label, reason, reason_text,"
        " author, keyframes_json, keyframe_count, revision, created_at, updated_at, updated_by, deleted_at) VALUES "
        "(:id, :rid, 'rect', :effect, 0.1, 0, :label, 'other', '', 'pc1', :kfs, 2, 1, :c, :c, 'sup@ws', :d)"),
        {"id": tid, "rid": rid, "effect": json.dumps({"kind": "blur", "strength": 30, "color": [0, 0, 0]}),
         "label": label, "kfs": json.dumps(KF), "c": created, "d": deleted})


def test_whole_track_json_becomes_keyframe_rows_and_back(gov_home, ids):
    rid = ids["cfr_noaudio"]
    engine = create_library_engine(gov_home / "library.sqlite3")
    cfg = alembic_config(engine)
    try:
        command.downgrade(cfg, "0007_footage")
        with engine.begin() as conn:
            _legacy_track(conn, "00000000-0000-4000-8000-000000000002", rid, "2026-01-01 10:00:01", None, "second")
            _legacy_track(conn, "00000000-0000-4000-8000-000000000001", rid, "2026-01-01 10:00:00", None, "first")
            _legacy_track(conn, "00000000-0000-4000-8000-000000000003", rid, "2026-01-01 09:00:00",
                          "2026-01-02 00:00:00", "deleted")
        command.upgrade(cfg, "head")
    finally:
        engine.dispose()
    expected = tuple(MaskTrack(ShapeKind.RECT, tuple(Keyframe.from_json(k) for k in KF),
                               Effect(EffectKind.BLUR, 30), 0.1, False, label, "other", "", "pc1",
                               f"00000000-0000-4000-8000-00000000000{n}") for n, label in ((1, "first"), (2, "second")))
    with Library(gov_home) as lib:
        got = MaskStore(lib).load(rid)
        assert [t.to_json() for t in got.tracks] == [t.to_json() for t in expected]  # creation order, as before
        assert mask_set_hash(got) == mask_set_hash(MaskSet(expected))
        # a migrated keyframe is edited and deleted like any other
        first = expected[0].without_keyframe(512).edited(label="first, edited")
        MaskStore(lib).save_track(rid, first)
        assert MaskStore(lib).load(rid).tracks[0].to_json() == first.to_json()
        MaskStore(lib).save_track(rid, expected[0])
    engine = create_library_engine(gov_home / "library.sqlite3")
    try:
        command.downgrade(alembic_config(engine), "0007_footage")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT keyframes_json, keyframe_count FROM mask_tracks WHERE label = 'first'")
                                ).one()
        assert json.loads(back[0]) == KF and back[1] == 2
    finally:
        engine.dispose()
