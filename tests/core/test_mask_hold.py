"""A mask stays until it is hidden (ADR 0004): it holds its last position after its last keyframe in the editor
preview, in `reviewer frame --redacted` and in the export alike, and the coverage review lists a long hold until
someone has looked at it."""

from __future__ import annotations

import shutil

import av
import numpy as np
import pytest

from reviewer.export.service import ExportJob, run_export
from reviewer.library import Library
from reviewer.media.frametable import build_frame_table
from reviewer.redact.coverage import coverage, review_items, track_span
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode

DRAWN, HIDDEN = 30, 200  # the mask is drawn on frame 30 only, and hidden from frame 200


@pytest.fixture
def held(home, make_clip, tmp_path):
    """A library recording with one rectangle over the frame code, drawn on one frame and hidden later."""
    clip = make_clip("cfr_h264")
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(clip.path, src)
    lib = Library(home)
    rec = lib.import_paths([src]).added[0]
    opened = lib.open_recording(rec.id)
    x, y, w, h = framecode.code_rect(clip.width)
    ed = MaskEditor(MaskStore(lib), rec.id)
    pts = [int(p) for p in opened.table.pts]
    t = ed.add_track(ShapeKind.RECT, pts[DRAWN], ((float(x), float(y)), (float(x + w), float(y + h))),
                     Effect(EffectKind.SOLID), reason="vehicle registration")
    yield lib, rec, opened, clip, ed, t.id
    lib.close()


def preview_code(opened, mask_set, index: int) -> int | None:
    """What the editor preview shows: the frame through render.redact()."""
    with opened.reader() as reader:
        frame = reader.frame(index)
    planes = Planes.from_frame(frame.video)
    redact(planes, mask_set, frame.pts)
    return framecode.read(planes.to_rgb())


def test_a_mask_drawn_on_one_frame_stays_until_hidden_in_preview_cli_and_export(held, tmp_path):
    lib, rec, opened, clip, ed, tid = held
    ms = MaskStore(lib).load(rec.id)
    assert len(ms.tracks[0].keyframes) == 1  # drawn on frame 30, nothing else
    # preview: nothing before it was drawn, still covered to the last frame of the recording
    assert preview_code(opened, ms, DRAWN - 1) == clip.first_code + DRAWN - 1
    for i in (DRAWN, DRAWN + 1, DRAWN + 30, DRAWN + 150, clip.frames - 1):
        assert preview_code(opened, ms, i) is None, f"frame {i}: the mask lapsed after its keyframe in the preview"

    # `reviewer frame --redacted` agrees
    from reviewer.cli import main

    png = tmp_path / "f.png"
    assert main(["frame", rec.id, str(DRAWN + 150), "--redacted", "-o", str(png)]) == 0
    import cv2

    assert framecode.read(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)) is None

    # "hide from here" is what ends it
    ed.set_hidden(tid, int(opened.table.pts[HIDDEN]), True)
    ms = MaskStore(lib).load(rec.id)
    assert preview_code(opened, ms, HIDDEN - 1) is None
    assert preview_code(opened, ms, HIDDEN) == clip.first_code + HIDDEN

    # the export agrees on every frame: 20..210 holds the start, the whole hold and the end
    out = tmp_path / "x" / "held.mp4"
    (res,) = run_export(lib, ExportJob(rec.id, out, ranges=((20, 210),), preset="ultrafast", report=False,
                                       make_dirs=True))
    assert res.leak.passed
    with av.open(str(out)) as c:
        codes = [framecode.read(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert len(codes) == 191
    for j, code in enumerate(codes):
        i = 20 + j
        shown = DRAWN <= i < HIDDEN
        assert (code is None) if shown else (code == clip.first_code + i), f"export frame {i}: code {code}"


def test_the_export_holds_a_mask_never_hidden_to_the_last_frame(held, tmp_path):
    lib, rec, _opened, clip, _ed, _tid = held
    out = tmp_path / "x" / "tail.mp4"
    (res,) = run_export(lib, ExportJob(rec.id, out, ranges=((clip.frames - 40, clip.frames - 1),),
                                       preset="ultrafast", report=False, make_dirs=True))
    with av.open(str(out)) as c:
        codes = [framecode.read(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert len(codes) == 40 and codes == [None] * 40, "pixels under the held mask are obscured to the end"
    assert res.leak.passed


def test_track_span_runs_to_the_end_until_hidden(make_clip):
    table = build_frame_table(make_clip("cfr_noaudio").path)  # 150 frames
    p = [int(x) for x in table.pts]
    box = ((0.0, 0.0), (40.0, 40.0))
    assert track_span(MaskTrack(ShapeKind.RECT, (Keyframe(p[10], box),)), table) == (10, 149)
    hidden = MaskTrack(ShapeKind.RECT, (Keyframe(p[10], box), Keyframe(p[50], box, hidden=True)))
    assert track_span(hidden, table) == (10, 50)


def test_a_long_hold_is_reviewed_until_looked_at_every_two_seconds(make_clip):
    table = build_frame_table(make_clip("cfr_noaudio").path)  # 150 frames at 30 fps
    p = [int(x) for x in table.pts]
    box = ((0.0, 0.0), (40.0, 40.0))
    t = MaskTrack(ShapeKind.RECT, (Keyframe(p[10], box),))
    cov = coverage(t, table)
    assert cov.holds == [(10, 149)] and cov.jumps == [] and cov.hidden_frames == []

    def holds(visited):
        return hold_items(t, table, visited)

    # frame 70 is exactly 2 s after the keyframe: frame 71 is the first one nobody has vouched for
    assert holds({10}) == [71]
    assert holds({10, 71}) == [132]
    assert holds({10, 40}) == [101], "looking at 40 covers up to 2 s after it"
    assert holds({10, 71, 132}) == [], "looked at every 2 s to the end"
    assert holds(set(range(150))) == [], "played through"
    # a hold cut short by "hide from here" within 2 s needs no extra look
    short = MaskTrack(ShapeKind.RECT, (Keyframe(p[10], box), Keyframe(p[60], box, hidden=True)))
    assert [i.kind for i in review_items([short], table, visited={10, 60})] == ["hidden"]
    # a moving stretch is not a hold; only what follows the last visible keyframe is
    moving = MaskTrack(ShapeKind.RECT, (Keyframe(p[0], box), Keyframe(p[100], ((50.0, 0.0), (90.0, 40.0)))))
    assert coverage(moving, table).holds == [(100, 149)]
    assert hold_items(moving, table, {0, 100}) == []


def hold_items(track, table, visited) -> list[int]:
    return [i.frame for i in review_items([track], table, visited=visited) if i.kind == "long hold"]


def test_coverage_of_an_hour_long_hold_is_quick(make_clip):
    """A mask drawn once holds to the end: the review must not walk every held frame on the UI thread."""
    import time

    from reviewer.media.frametable import FrameTable

    base = build_frame_table(make_clip("cfr_noaudio").path)
    step = int(base.pts[1] - base.pts[0])
    n = 30 * 3600
    table = FrameTable(base.stream_index, base.time_base, np.arange(n, dtype=np.int64) * step,
                       np.zeros(1, np.int64), np.zeros(1, np.int64))
    t = MaskTrack(ShapeKind.RECT, (Keyframe(0, ((0.0, 0.0), (40.0, 40.0))),))
    start = time.perf_counter()
    cov = coverage(t, table)
    items = cov.items(set(range(0, n, 30)))
    assert time.perf_counter() - start < 0.5
    assert cov.holds == [(0, n - 1)] and items == []
