"""Detection assist (issue 14 s.1): faces composited into real footage are found on their frames, proposals never
redact until accepted, a batch accept is one undo step audited with the detector, and a missing model is said
plainly while everything else works."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from reviewer.cli import main
from reviewer.detect import centerface
from reviewer.detect.centerface import ModelMissing
from reviewer.detect.detector import Settings
from reviewer.detect.model_pin import DETECTOR, DETECTOR_VERSION
from reviewer.detect.proposals import accept_all, list_proposals, possible_misses, reject, summary
from reviewer.detect.service import run_detection
from reviewer.export.frame import export_frame
from reviewer.library import Library
from reviewer.redact.editor import MaskEditor
from reviewer.redact.store import MaskStore
from tests.fixtures.face_eval import per_frame_boxes, score
from tests.fixtures.faces import render, short_scene

FRAMES = 45


@pytest.fixture(scope="module")
def faces_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("faces") / "faces.mp4"
    truth = render(path, short_scene(), FRAMES)
    return path, truth


@pytest.fixture
def lib_rec(home, faces_clip, tmp_path):
    src = tmp_path / "in" / "faces.mp4"
    src.parent.mkdir()
    shutil.copy(faces_clip[0], src)
    lib = Library(home)
    rec = lib.import_paths([src]).added[0]
    yield lib, rec, faces_clip[1]
    lib.close()


def test_detection_finds_every_composited_face_on_its_frames(lib_rec):
    lib, rec, truth = lib_rec
    done = run_detection(lib, rec.id)
    assert len(done.proposals) == 3, [m.proposal["samples"] for m in done.proposals]
    table = lib.open_recording(rec.id).table
    sc = score(per_frame_boxes(done.proposals, table.pts_of, list(range(FRAMES))), truth)
    # one face of each size band, the small one 28 px high in 1080p, each found on all 45 frames at IoU 0.3
    assert {b: sc.found[b] for b in sc.found} == {"24-48": (45, 45), "48-96": (45, 45), ">96": (45, 45)}
    assert sc.false_tracks == 0
    m = done.proposals[0]
    assert m.status == "proposed" and m.reason == "third-party face" and m.kind.value == "ellipse"
    assert m.padding == Settings().padding and m.proposal["detector"] == DETECTOR
    # proposals are what the review lists, by first appearance, with a box to cut the thumbnail from
    views = list_proposals(MaskStore(lib), rec.id)
    assert [v.track_id for v in views] == sorted([v.track_id for v in views],
                                                 key=lambda t: next(v.first_pts for v in views if v.track_id == t))
    assert all(v.first_pts == int(table.pts[0]) and v.status == "proposed" for v in views)


def _face_pixels(png, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    cx, cy, rx, ry = (x0 + x1) // 2, (y0 + y1) // 2, (x1 - x0) // 4, (y1 - y0) // 4
    return np.asarray(Image.open(png).convert("RGB"))[cy - ry:cy + ry, cx - rx:cx + rx].astype(int)


def test_proposals_are_not_exported_until_accepted_and_accept_is_one_undo_step(lib_rec, tmp_path):
    lib, rec, truth = lib_rec
    done = run_detection(lib, rec.id, 0, 20)
    store = MaskStore(lib)
    assert len(done.proposals) == 3 and store.load(rec.id).tracks == (), "a proposal is never in the mask set"
    big = truth[10][2]  # the large face on frame 10
    plain = _face_pixels(export_frame(lib, rec.id, 10, tmp_path / "plain.png").png, big)
    before = _face_pixels(export_frame(lib, rec.id, 10, tmp_path / "pending.png", redacted=True).png, big)
    assert np.abs(before - plain).mean() < 2, "a pending proposal redacted the export"
    assert plain.mean() > 60, "the face is there to be redacted"

    ed = MaskEditor(store, rec.id, author="me")
    accepted = accept_all(ed)
    assert len(accepted) == 3
    assert len(store.load(rec.id).tracks) == 3
    after = _face_pixels(export_frame(lib, rec.id, 10, tmp_path / "accepted.png", redacted=True).png, big)
    assert after.max() < 30, "the accepted mask (solid black) covers the face in the export"
    assert summary(store, rec.id) == {"proposed": 0, "accepted": 3, "rejected": 0}

    ev = lib.gov.audit.events(action="detect.accept")
    assert len(ev) == 1
    d = ev[0].details
    assert d["count"] == 3 and d["runs"][0]["detector"] == DETECTOR and d["runs"][0]["version"] == DETECTOR_VERSION
    assert d["runs"][0]["settings"] == Settings().to_json()

    assert ed.undo.undo() == "accept 3 proposals"  # one step takes back the whole batch
    assert ed.undo.undo() is None
    assert store.load(rec.id).tracks == ()
    assert summary(store, rec.id) == {"proposed": 3, "accepted": 0, "rejected": 0}
    again = _face_pixels(export_frame(lib, rec.id, 10, tmp_path / "undone.png", redacted=True).png, big)
    assert np.abs(again - plain).mean() < 2
    ed.undo.redo()
    assert len(store.load(rec.id).tracks) == 3
    assert lib.gov.verify_audit().ok


def test_reject_and_possible_misses(lib_rec):
    lib, rec, _ = lib_rec
    done = run_detection(lib, rec.id, 0, 20)
    store = MaskStore(lib)
    ed = MaskEditor(store, rec.id)
    reject(ed, [done.proposals[0].id])
    assert summary(store, rec.id) == {"proposed": 2, "accepted": 0, "rejected": 1}
    assert sorted(v.track_id for v in list_proposals(store, rec.id)) == sorted(m.id for m in done.proposals[1:])
    assert lib.gov.audit.events(action="detect.reject")[0].details["tracks"] == [done.proposals[0].id]
    misses = possible_misses(store, rec.id)
    assert all(m.track_id != done.proposals[0].id for m in misses), "a rejected proposal is no possible miss"
    run = lib.gov.audit.events(action="detect.run")
    assert run and run[-1].details["frames"] == [0, 20] and run[-1].details["proposals"] == 3


def test_missing_model_is_said_and_everything_else_works(lib_rec, monkeypatch, capsys):
    lib, rec, _ = lib_rec
    monkeypatch.setattr(centerface, "find_resource", lambda rel: None)
    with pytest.raises(ModelMissing, match="face detection is not available: the model models/centerface.onnx "
                                           "is missing"):
        run_detection(lib, rec.id)
    lib.close()
    assert main(["detect", rec.id]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("reviewer: face detection is not available: the model "
                                               "models/centerface.onnx is missing") and "fetch_model.py" in err[0]
    assert main(["masks", "list", rec.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tracks"] == []


def test_cli_detect_accept(lib_rec, capsys):
    lib, rec, _ = lib_rec
    lib.close()
    assert main(["detect", rec.id, "--range", "0-12", "--accept", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["frames"] == [0, 12] and out["accepted"] and len(out["proposals"]) == 3
    assert main(["masks", "list", rec.id, "--json"]) == 0
    tracks = json.loads(capsys.readouterr().out)["tracks"]
    assert len(tracks) == 3 and {t["status"] for t in tracks} == {"accepted"}
    assert main(["detect", rec.id, "--range", "9-3"]) == 1
    assert "--range '9-3'" in capsys.readouterr().err


def test_progress_and_cancel_leave_nothing_behind(lib_rec):
    from reviewer.errors import Cancelled
    from reviewer.progress import Task

    lib, rec, _ = lib_rec
    seen: list[tuple[float, str]] = []
    task = Task()

    def progress(fraction: float, label: str) -> None:
        seen.append((fraction, label))
        if label.startswith("face detection: frame 15 "):
            task.cancel.cancel()

    task.progress = progress
    with pytest.raises(Cancelled):
        run_detection(lib, rec.id, task=task)
    assert any(label == "face detection: frame 0 of 44" for _, label in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen), "progress only moves forward"
    assert MaskStore(lib).load_proposals(rec.id) == [] and not lib.gov.audit.events(action="detect.run")
