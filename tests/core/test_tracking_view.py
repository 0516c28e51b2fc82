"""What the tracker sees when it bridges detection samples (reviewer/redact/tracking.View, Held, Ring): a region
of the stored picture cut from the YUV planes shows the same pixels as the whole frame converted and cropped,
boxes map back to source pixels, and frames held for it are copies in buffers that are reused, so a pass of any
length holds a fixed number of them."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.media.frame_reader import FrameReader
from reviewer.media.frametable import build_frame_table
from reviewer.redact.tracking import Held, Ring, View, follow
from tests.fixtures.clips import make_moving_square, square_truth


@pytest.fixture(scope="module")
def reader(clip_dir):
    path = make_moving_square(clip_dir)
    r = FrameReader(path, build_frame_table(path))
    yield r
    r.close()


def test_a_region_shows_the_frames_pixels_and_maps_boxes_back(reader):
    frame = reader.frame(30)
    whole = frame.video.to_ndarray(format="bgr24").astype(int)
    view = View(frame.width, frame.height, 1.0, (101, 51, 301, 251))  # odd corners: cut on even pixels
    assert (view.x, view.y, view.w, view.h) == (100, 50, 200, 200)
    for source in (frame, Held.of(frame), Held.of(frame, Ring(2))):
        pic = view.picture(source).astype(int)
        assert pic.shape == (200, 200, 3)
        assert np.abs(pic - whole[50:250, 100:300]).mean() < 2.0
    half = View(frame.width, frame.height, 0.5, (100, 50, 300, 250))
    assert half.picture(frame).shape == (100, 100, 3)
    box = (140.0, 90.0, 204.0, 154.0)
    assert half.to_view(box) == (20, 20, 32, 32)
    assert half.to_source(half.to_view(box)) == box


def test_the_tracker_follows_the_square_in_a_region_of_held_copies(reader):
    """follow() over a region, on copies: the box stays on the moving square (ground truth) frame after frame."""
    ring = Ring(12)
    frames = [Held.of(reader.frame(i), ring) for i in range(0, 11)]
    box = tuple(float(v) for v in square_truth(0))
    x0, y0, x1, y1 = box
    view = View(frames[0].width, frames[0].height, 0.75, (x0 - 120, y0 - 120, x1 + 120, y1 + 120))
    result = follow(frames[0], box, frames[1:], view, "kcf")
    assert result.stopped == "end" and [s.index for s in result.samples] == list(range(11))
    for s in result.samples:
        t = square_truth(s.index)
        ix = max(0.0, min(s.box[2], t[2]) - max(s.box[0], t[0]))
        iy = max(0.0, min(s.box[3], t[3]) - max(s.box[1], t[1]))
        inter = ix * iy
        union = (s.box[2] - s.box[0]) * (s.box[3] - s.box[1]) + (t[2] - t[0]) * (t[3] - t[1]) - inter
        assert inter / union >= 0.7, (s.index, s.box, t)


def test_held_copies_reuse_the_rings_buffers(reader):
    ring = Ring(3)
    held = [Held.of(reader.frame(i), ring) for i in range(7)]
    buffers = {id(p) for h in held for p in h.planes}
    assert len(buffers) == 3 * 3, "three sets of Y, U, V buffers for seven frames"
    # the three newest still hold their own frame's pixels; the older ones were written over, as documented
    for h in held[-3:]:
        y = reader.frame(h.index).video.to_ndarray()[:h.height]
        assert np.array_equal(h.planes[0], y)
    assert held[0].planes[0] is held[3].planes[0] is held[6].planes[0]
