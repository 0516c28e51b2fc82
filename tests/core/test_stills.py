"""Stills: PNGs of chosen frames with the recording's masks applied, each with a sidecar tying it to the source."""

from __future__ import annotations

import hashlib
import json
import shutil

import cv2
import pytest

from reviewer.errors import ReviewerError
from reviewer.export.stills import export_stills, parse_frames
from reviewer.library import Library
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode


@pytest.fixture
def rec(home, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(clip.path, src)
    lib = Library(home)
    view = lib.import_paths([src]).added[0]
    yield lib, lib.open_recording(view.id), clip
    lib.close()


def read_png(path):
    return cv2.imread(str(path), cv2.IMREAD_COLOR)[..., ::-1]


def code_track(opened, first: int, last: int, effect: Effect) -> MaskTrack:
    x, y, w, h = framecode.code_rect(opened.info.width)
    box = ((float(x), float(y)), (float(x + w), float(y + h)))
    t = opened.table
    kfs = [Keyframe(int(t.pts[first]), box), Keyframe(int(t.pts[last]), box)]
    if last + 1 < t.frame_count:  # the subject leaves view after `last`
        kfs.append(Keyframe(int(t.pts[last + 1]), box, hidden=True))
    return MaskTrack(ShapeKind.RECT, tuple(kfs), effect=effect, label="frame code", reason="third-party face")


def test_masked_frames_hide_the_code_and_unmasked_frames_keep_it(rec, tmp_path):
    lib, opened, clip = rec
    store = MaskStore(lib)
    store.save_track(opened.view.id, code_track(opened, 10, 20, Effect(EffectKind.PIXELATE, 24)))
    out = tmp_path / "stills"
    stills = export_stills(lib, opened.view.id, [15, 40, 10], out, opened=opened, make_dirs=True).stills

    assert [s.index for s in stills] == [10, 15, 40]
    by_index = {s.index: s for s in stills}
    for i in (10, 15):
        assert framecode.read(read_png(by_index[i].png)) is None, f"frame {i}: the masked code is unreadable"
    assert framecode.read(read_png(by_index[40].png)) == clip.first_code + 40, "unmasked frame is untouched"

    side = json.loads(by_index[15].sidecar.read_text())
    assert side["frame_index"] == 15 and side["pts"] == int(opened.table.pts[15])
    assert side["recording_sha256"] == opened.view.sha256 and side["recording_id"] == opened.view.id
    assert side["png_sha256"] == hashlib.sha256(by_index[15].png.read_bytes()).hexdigest()
    assert side["redacted"] and side["masks_applied"][0]["reason"] == "third-party face"
    assert not json.loads(by_index[40].sidecar.read_text())["redacted"]
    assert not list(out.glob("*.part")), "no temp files left"


def test_existing_stills_are_never_overwritten(rec, tmp_path):
    lib, opened, _clip = rec
    out = tmp_path / "stills"
    first = export_stills(lib, opened.view.id, [5], out, opened=opened, make_dirs=True).stills
    before = first[0].png.read_bytes()
    with pytest.raises(ReviewerError, match="already exists"):
        export_stills(lib, opened.view.id, [3, 5], out, opened=opened)
    assert first[0].png.read_bytes() == before
    assert not (out / first[0].png.name.replace("000005", "000003")).exists(), "nothing written when refused"


def test_parse_frames_accepts_numbers_ranges_and_media_times(rec):
    _lib, opened, _clip = rec
    t = opened.table
    # media time of frame 30 as the readout prints it lands on frame 30 itself
    from reviewer.media.timecode import format_media_time
    assert parse_frames(f"5, 7-9; {format_media_time(t.media_time(30))}, 5", t) == [5, 7, 8, 9, 30]
    for bad, words in (("", "at least one"), ("abc", "not a frame number"), ("9-7", "ends before"),
                       (str(t.frame_count), "does not exist"), ("99:00:00", "after the end")):
        with pytest.raises(ValueError, match=words):
            parse_frames(bad, t)
