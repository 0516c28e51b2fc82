"""No default reason: a mask without one blocks the export, with a message naming it and where it starts."""

from __future__ import annotations

import json
import shutil

import pytest

from reviewer.export.service import ExportJob, run_export
from reviewer.library import Library
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import MaskTrack, ShapeKind
from reviewer.redact.reasons import MissingReason
from reviewer.redact.store import MaskStore


@pytest.fixture
def rec(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_noaudio").path, src)
    lib = Library(home)
    view = lib.import_paths([src]).added[0]
    yield lib, view, [int(p) for p in lib.open_recording(view.id).table.pts]
    lib.close()


def test_a_mask_without_a_reason_blocks_the_export_and_names_the_mask(rec, tmp_path):
    lib, view, pts = rec
    ed = MaskEditor(MaskStore(lib), view.id)
    ed.add_track(ShapeKind.RECT, pts[5], ((0.0, 0.0), (40.0, 40.0)), reason="personal data", label="address")
    t = ed.add_track(ShapeKind.RECT, pts[12], ((50.0, 0.0), (90.0, 40.0)))  # drawn, never given a reason
    assert t.reason == "", "a new mask is not silently given a reason"
    out = tmp_path / "x" / "out.mp4"
    with pytest.raises(MissingReason) as err:
        run_export(lib, ExportJob(view.id, out, preset="ultrafast", report=False, make_dirs=True))
    msg = str(err.value)
    assert msg == ('export blocked: mask has no reason: "rect 2" from frame 12; choose one in the Masks panel '
                   '(or give "reason" in the mask file) before exporting')
    assert not out.parent.exists(), "the folder made for it is removed again"
    assert not [e for e in lib.gov.audit.events(object_type="recording") if e.action == "recording.export"]

    ed.edit_track(t.id, reason="vehicle registration")
    (res,) = run_export(lib, ExportJob(view.id, out, ranges=((0, 20),), preset="ultrafast", report=False,
                                       make_dirs=True))
    assert res.output.exists()


def test_a_mask_file_without_reasons_imports_blank_and_the_cli_export_refuses(rec, tmp_path, capsys):
    lib, view, pts = rec
    t = MaskTrack.from_json({"kind": "rect", "keyframes": [{"pts": pts[0], "points": [[0, 0], [9, 9]]}]})
    assert t.reason == "", "no silent 'other' either"
    from reviewer.cli import main

    mfile = tmp_path / "m.json"
    mfile.write_text(json.dumps({"tracks": [dict(t.to_json(), label="plate")]}))
    assert main(["masks", "import", view.id, str(mfile)]) == 0
    assert MaskStore(lib).load(view.id).tracks[0].reason == ""
    capsys.readouterr()
    out = tmp_path / "cli.mp4"
    code = main(["export", view.id, "--out", str(out), "--recipient", "CPS", "--purpose", "court"])
    err = capsys.readouterr().err
    assert code != 0 and not out.exists()
    assert err == ('reviewer: export blocked: mask has no reason: "plate" from frame 0; choose one in the Masks '
                   'panel (or give "reason" in the mask file) before exporting\n')


def test_masks_list_says_where_a_mask_ends_and_that_it_has_no_reason(rec, capsys):
    lib, view, pts = rec
    ed = MaskEditor(MaskStore(lib), view.id)
    held = ed.add_track(ShapeKind.RECT, pts[5], ((0.0, 0.0), (40.0, 40.0)))
    ended = ed.add_track(ShapeKind.RECT, pts[5], ((0.0, 0.0), (40.0, 40.0)), reason="personal data")
    ed.set_hidden(ended.id, pts[9], True)
    from reviewer.cli import main

    capsys.readouterr()
    assert main(["masks", "list", view.id]) == 0
    lines = {line[:8]: line for line in capsys.readouterr().out.splitlines()}
    assert f"pts {pts[5]}..end  (no reason)" in lines[held.id[:8]]
    assert f"pts {pts[5]}..{pts[9]}  personal data" in lines[ended.id[:8]]
