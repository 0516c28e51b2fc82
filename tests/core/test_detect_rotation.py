"""Detection assist on footage whose stored picture is turned (ADR 0022): a phone's portrait clip is stored on its
side with a display rotation. Faces are looked for upright, on the displayed picture, and the proposals come back
in stored pixels (what masks are kept in), on the faces: judged against the composited truth turned into stored
pixels, frame by frame at IoU 0.3."""

from __future__ import annotations

import pytest

from reviewer.detect.service import run_detection
from reviewer.library import Library
from reviewer.media.geometry import Geometry
from tests.fixtures.face_eval import per_frame_boxes, score
from tests.fixtures.faces import Actor, render

FRAMES = 31
DW, DH = 544, 960  # as displayed: portrait
ACTORS = [Actor(0, 30, (150, 250), (190, 260), (36, 36)),
          Actor(0, 30, (380, 480), (360, 470), (72, 80), variant="mirror"),
          Actor(0, 30, (270, 760), (280, 750), (150, 150), variant="dark")]


@pytest.mark.parametrize("rotation", [90, 270])
def test_faces_in_a_turned_clip_are_proposed_on_the_faces_in_stored_pixels(home, tmp_path, rotation):
    """Before, detection ran on the stored picture and never found the small face lying on its side."""
    path = tmp_path / f"portrait{rotation}.mp4"
    display_truth = render(path, ACTORS, FRAMES, DW, DH, rotation=rotation)
    lib = Library(home)
    try:
        rec = lib.import_paths([path]).added[0]
        opened = lib.open_recording(rec.id)
        geo = Geometry.of(opened.info)
        assert (geo.width, geo.height, geo.rotation) == (DH, DW, rotation), "stored on its side"
        done = run_detection(lib, rec.id)
        table = opened.table
    finally:
        lib.close()
    stored = [[tuple(v for corner in geo.box_to_storage(b[:2], b[2:]) for v in corner) for b in frame]
              for frame in display_truth]
    sc = score(per_frame_boxes(done.proposals, table.pts_of, list(range(FRAMES))), stored)
    assert {b: sc.found[b] for b in sc.found} == {"24-48": (31, 31), "48-96": (31, 31), ">96": (31, 31)}, \
        sc.lines()
    assert sc.false_tracks == 0 and len(done.proposals) == 3
    assert done.result.width == DH and done.result.height == DW
