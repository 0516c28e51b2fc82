"""Tracking assist against ground truth: a textured square moving along a known curve."""

from __future__ import annotations

import pytest

from reviewer.media.frame_reader import FrameReader
from reviewer.media.frametable import build_frame_table
from reviewer.progress import Task
from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.tracking import thin_keyframes, track_box
from tests.fixtures.clips import SQUARE_GONE_AT, make_moving_square, square_truth


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


@pytest.fixture(scope="module")
def square(clip_dir):
    path = make_moving_square(clip_dir)
    table = build_frame_table(path)
    reader = FrameReader(path, table)
    yield reader
    reader.close()


@pytest.mark.parametrize("mode", ["csrt", "kcf"])
def test_tracked_box_follows_the_truth(square, mode):
    n = SQUARE_GONE_AT
    result = track_box(square, 0, tuple(map(float, square_truth(0))), limit=n - 1, mode=mode)
    assert result.stopped == "limit", result.message
    good = sum(iou(s.box, square_truth(s.index)) >= 0.7 for s in result.samples)
    assert good / n >= 0.95, f"{mode}: only {good}/{n} frames with IoU >= 0.7"

    keys = thin_keyframes(result.samples, tolerance=3.0)
    assert len(keys) < n / 4, f"{len(keys)} keyframes for {n} frames: tracks should stay light"
    track = MaskTrack(ShapeKind.RECT, tuple(Keyframe(k.pts, ((k.box[0], k.box[1]), (k.box[2], k.box[3]))) for k in keys))
    # the thinned track, through the one interpolate(), stays on the subject
    good = 0
    for i in range(n):
        (x0, y0), (x1, y1) = interpolate(track, int(square.table.pts[i]))
        good += iou((x0, y0, x1, y1), square_truth(i)) >= 0.7
    assert good / n >= 0.95


def test_backward_tracking_and_cancel(square):
    start = 120
    result = track_box(square, start, tuple(map(float, square_truth(start))), direction=-1, limit=60, mode="kcf")
    assert result.stopped == "limit" and [s.index for s in result.samples] == list(range(120, 59, -1))

    task = Task()
    result = track_box(square, 0, tuple(map(float, square_truth(0))), limit=200, mode="kcf", task=task,
                       on_sample=lambda s: task.cancel.cancel() if s.index == 10 else None)
    assert result.stopped == "cancelled" and result.samples[-1].index == 10


@pytest.mark.parametrize("mode", ["csrt", "kcf"])
def test_tracking_stops_when_the_subject_vanishes(square, mode):
    start = SQUARE_GONE_AT - 40
    result = track_box(square, start, tuple(map(float, square_truth(start))), mode=mode)
    assert result.stopped == "lost", f"{mode} kept tracking after the subject vanished: {result.stopped}"
    assert SQUARE_GONE_AT - 3 <= result.samples[-1].index <= SQUARE_GONE_AT + 5
