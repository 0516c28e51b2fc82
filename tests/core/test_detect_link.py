"""Linking detections into tracks (reviewer/detect/link.py): what decides whether a proposal follows one face."""

from __future__ import annotations

import numpy as np

from reviewer.detect.link import Linker


def dets(*rows) -> np.ndarray:
    return np.asarray(rows, np.float32).reshape(-1, 5)


def test_a_fast_small_face_seen_once_links_and_a_small_face_beside_a_big_one_is_another_face():
    lk = Linker(start=0.3, keep=0.2, max_gap=2, width=1920, height=1080)
    lk.step(0, 0, dets((300, 480, 340, 520, 0.4), (500, 300, 700, 540, 0.9)), True)
    # the small face moved 200 px (five of its sizes) by the next sample; the big one vanished beside it
    lk.step(15, 15, dets((500, 482, 540, 522, 0.35)), False)
    tracks = lk.close()
    small = [t for t in tracks if t.found[0].box[3] - t.found[0].box[1] < 60]
    big = [t for t in tracks if t.found[0].box[3] - t.found[0].box[1] > 200]
    assert len(small) == 1 and [h.index for h in small[0].found] == [0, 15]
    assert len(big) == 1 and [h.index for h in big[0].found] == [0], "the small face was not taken for the big one"


def test_a_short_miss_is_a_dip_a_long_one_ends_the_track_and_says_how():
    lk = Linker(start=0.3, keep=0.2, max_gap=2, width=1920, height=1080)
    box = (900, 500, 960, 580)
    for i, seen in enumerate([1, 1, 0, 1, 0, 0, 0]):
        lk.step(i * 15, i * 15, dets((*box, 0.8)) if seen else dets(), i == 0)
    lk.step(105, 105, dets((10, 500, 70, 580, 0.8)), False)  # a new face at the left edge, then gone
    for i in (120, 135, 150):
        lk.step(i, i, dets(), False)
    first, second = lk.close()
    assert [h.index for h in first.hits] == [0, 15, 30, 45] and first.hits[2].box is None  # the dip, kept
    assert first.end == "abrupt" and first.start == "range"
    assert second.end == "edge" and second.start == "appeared"
