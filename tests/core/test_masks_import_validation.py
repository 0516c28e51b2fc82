"""`reviewer masks import` validates everything and is all-or-nothing; the minimum effect strength holds at edit
time too (issue 8). Each bad file must give exit 1 and one line on stderr naming the file and the problem, write
no mask record, and leave the audit chain sound."""

from __future__ import annotations

import json
import uuid

import pytest

from reviewer import cli
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from reviewer.redact.validate import MaskError
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401


@pytest.fixture
def rec(lib, ids):
    """(recording id, first pts, last pts, another recording's id)."""
    rid = ids["cfr_noaudio"]
    b = MaskStore(lib).bounds(rid)
    return rid, b.first_pts, b.last_pts, ids["cfr_h264"]


def rect(p0: int, box=((10, 10), (110, 110)), effect=None, **kw) -> dict:
    return {"kind": "rect", "effect": effect or {"kind": "solid"}, "reason": "third-party face",
            "keyframes": [{"pts": p0, "points": [list(box[0]), list(box[1])]}], **kw}


def run_import(lib, rid, path, capsys) -> tuple[int, str, str]:
    code = cli.main(["masks", "import", rid, str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(lib, rid, path, capsys, problem: str) -> None:
    before = lib.gov.audit.count()
    code, _, err = run_import(lib, rid, path, capsys)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert str(path) in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in err
    ms = MaskStore(lib).load(rid)
    assert not (ms.tracks or ms.blackouts or ms.audio), "nothing may be written"
    assert lib.gov.audit.count() == before and lib.gov.audit.check().ok


def write(tmp_path, text: str):
    p = tmp_path / f"m-{uuid.uuid4().hex[:6]}.json"
    p.write_text(text)
    return p


CASES = {
    "nan coordinate": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": {p0}, "points": [[NaN, 1], [50, 50]]}}]}}]}}',
                       "NaN is not a number JSON allows"),
    "infinite coordinate": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": {p0}, "points": [[0, 0], [Infinity, 50]]}}]}}]}}',
                            "Infinity is not a number JSON allows"),
    "1e400": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": {p0}, "points": [[0, 0], [1e400, 50]]}}]}}]}}',
              "points[1][0]: must be a finite number"),
    "nan padding": ('{{"tracks": [{{"kind": "rect", "padding": NaN, "keyframes": [{{"pts": {p0}, "points": [[0, 0], [9, 9]]}}]}}]}}',
                    "NaN is not a number JSON allows"),
    "huge padding": ('{{"tracks": [{{"kind": "rect", "padding": 1e300, "keyframes": [{{"pts": {p0}, "points": [[0, 0], [9, 9]]}}]}}]}}',
                     "padding must be a number from 0 to 1"),
    "pts 2**63": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": 9223372036854775808, "points": [[0, 0], [9, 9]]}}]}}]}}',
                  "pts: 9223372036854775808 is outside the recording"),
    "pts after the end": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": {after}, "points": [[0, 0], [9, 9]]}}]}}]}}',
                          "is outside the recording"),
    "zero size": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": {p0}, "points": [[5, 5], [5, 40]]}}]}}]}}',
                  "the shape has no area"),
    "unknown effect": ('{{"tracks": [{{"kind": "rect", "effect": {{"kind": "swirl"}}, "keyframes": [{{"pts": {p0}, "points": [[0, 0], [9, 9]]}}]}}]}}',
                       "effect.kind: must be one of blur, pixelate, solid"),
    "unknown shape": ('{{"tracks": [{{"kind": "hexagon", "keyframes": []}}]}}', "kind: must be one of rect"),
    "no keyframes": ('{{"tracks": [{{"kind": "rect", "keyframes": []}}]}}', "at least one keyframe is needed"),
    "blackout mode": ('{{"blackouts": [{{"start_pts": {p0}, "end_pts": {p0}, "mode": "white"}}]}}',
                      "blackouts[0].mode: must be one of black"),
    "audio mode": ('{{"audio": [{{"start_pts": {p0}, "end_pts": {p0}, "mode": "whisper"}}]}}',
                   "audio[0].mode: must be one of mute, bleep"),
    "top-level list": ('[{{"kind": "rect"}}]', "the file: must be an object, got list"),
    "string pts": ('{{"tracks": [{{"kind": "rect", "keyframes": [{{"pts": "{p0}", "points": [[0, 0], [9, 9]]}}]}}]}}',
                   "pts: must be a whole number"),
    "weak pixelate": ('{{"tracks": [{{"kind": "rect", "effect": {{"kind": "pixelate", "strength": 2}}, '
                      '"keyframes": [{{"pts": {p0}, "points": [[0, 0], [100, 100]]}}]}}]}}',
                      "pixelate block 2 px is too weak for this region: at least 10 px"),
    "weak blur": ('{{"tracks": [{{"kind": "rect", "effect": {{"kind": "blur", "strength": 9}}, '
                  '"keyframes": [{{"pts": {p0}, "points": [[0, 0], [100, 100]]}}]}}]}}',
                  "blur strength 9 is too weak: at least 10"),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "not json": ("{{not json", "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_is_one_clear_line_and_writes_nothing(lib, rec, tmp_path, capsys, case):
    rid, p0, last, _ = rec
    text, problem = CASES[case]
    text = text if case == "deep nesting" else text.format(p0=p0, after=last + 1)
    assert_refused(lib, rid, write(tmp_path, text), capsys, problem)


def test_a_million_point_polygon_is_refused(lib, rec, tmp_path, capsys):
    rid, p0, _, _ = rec
    points = [[10 + (i % 100), 10 + (i // 100) % 100] for i in range(1_000_000)]
    data = {"tracks": [{"kind": "polygon", "keyframes": [{"pts": p0, "points": points}]}]}
    assert_refused(lib, rid, write(tmp_path, json.dumps(data)), capsys, "1000000 points (at most 512)")


def test_import_is_all_or_nothing(lib, rec, tmp_path, capsys):
    """Two good tracks, then one whose id belongs to another recording: today the first two stayed committed."""
    rid, p0, _, other = rec
    foreign = MaskTrack(ShapeKind.RECT, (Keyframe(MaskStore(lib).bounds(other).first_pts, ((0.0, 0.0), (20.0, 20.0))),),
                        Effect(EffectKind.SOLID), label="theirs")
    MaskStore(lib).save_track(other, foreign)
    data = {"tracks": [rect(p0, label="one"), rect(p0, label="two"), {**rect(p0), "id": foreign.id}]}
    assert_refused(lib, rid, write(tmp_path, json.dumps(data)), capsys, f"mask {foreign.id} belongs to another recording")
    assert [t.label for t in MaskStore(lib).load(other).tracks] == ["theirs"], "the other recording is untouched"


def test_a_foreign_range_id_is_refused(lib, rec, tmp_path, capsys):
    rid, p0, _, other = rec
    ob = MaskStore(lib).bounds(other)
    data = {"blackouts": [{"start_pts": ob.first_pts, "end_pts": ob.first_pts, "reason": "x"}]}
    assert cli.main(["masks", "import", other, str(write(tmp_path, json.dumps(data)))]) == 0
    theirs = MaskStore(lib).load(other).blackouts[0]
    capsys.readouterr()
    bad = {"blackouts": [{"id": theirs.id, "start_pts": p0, "end_pts": p0, "reason": "mine now"}]}
    assert_refused(lib, rid, write(tmp_path, json.dumps(bad)), capsys, "belongs to another recording")
    assert MaskStore(lib).load(other).blackouts == (theirs,)


def test_a_good_file_imports_with_one_audit_summary(lib, rec, tmp_path, capsys):
    rid, p0, last, _ = rec
    data = {"tracks": [rect(p0, effect={"kind": "pixelate", "strength": 10}), rect(p0, effect={"kind": "blur",
                                                                                              "strength": 10})],
            "blackouts": [{"start_pts": p0, "end_pts": last}], "audio": [{"start_pts": p0, "end_pts": p0,
                                                                          "mode": "bleep"}]}
    path = write(tmp_path, json.dumps(data))
    code, out, err = run_import(lib, rid, path, capsys)
    assert code == 0 and out.strip() == "imported 4 mask records", err
    ev = [e for e in lib.gov.audit.events() if e.action == "masks.import"][-1]
    assert ev.details["records"] == 4 and ev.details["source"] == str(path)
    assert lib.gov.audit.check().ok


# ---- the minimum strength at edit time ------------------------------------------------------------------------
def test_the_editor_refuses_weak_effects_and_keeps_the_mask_as_it_was(lib, rec):
    rid, p0, last, _ = rec
    ed = MaskEditor(MaskStore(lib), rid)
    box = ((10.0, 10.0), (110.0, 110.0))  # 100 px: pixelate blocks of at least 10 px
    with pytest.raises(MaskError, match="pixelate block 9 px is too weak for this region: at least 10 px"):
        ed.add_track(ShapeKind.RECT, p0, box, Effect(EffectKind.PIXELATE, 9), "third-party face")
    with pytest.raises(MaskError, match="blur strength 9 is too weak"):
        ed.add_track(ShapeKind.RECT, p0, box, Effect(EffectKind.BLUR, 9), "third-party face")
    assert not MaskStore(lib).load(rid).tracks
    t = ed.add_track(ShapeKind.RECT, p0, box, Effect(EffectKind.PIXELATE, 10), "third-party face")
    with pytest.raises(MaskError, match="too weak"):
        ed.edit_track(t.id, effect=Effect(EffectKind.PIXELATE, 4))
    # growing the region later makes the same block too weak: refused where the region grows
    with pytest.raises(MaskError, match="at least 21 px"):
        ed.set_geometry(t.id, last, ((0.0, 0.0), (300.0, 210.0)))
    (stored,) = MaskStore(lib).load(rid).tracks
    assert stored.effect == Effect(EffectKind.PIXELATE, 10) and len(stored.keyframes) == 1
    # a solid fill is always fine, whatever its size; an 8 px block is fine on a small region
    ed.add_track(ShapeKind.RECT, p0, ((0.0, 0.0), (2.0, 2.0)), Effect(EffectKind.SOLID), "other")
    ed.add_track(ShapeKind.RECT, p0, ((0.0, 0.0), (40.0, 40.0)), Effect(EffectKind.PIXELATE, 8), "other")
    assert len(MaskStore(lib).load(rid).tracks) == 3
