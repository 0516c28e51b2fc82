"""Play frames scaled down to a small view (a grid tile, issue 13 s.3) keep the true geometry: upright, at the
display aspect ratio, the same picture ffmpeg displays, only smaller; the paused picture stays full size."""

from __future__ import annotations

import threading

import cv2
import numpy as np

from reviewer.media.geometry import Geometry
from reviewer.media.playback import DecodeWorker
from reviewer.media.source import MediaSource
from tests.core.test_geometry import assert_displayed, geo, geo_dir  # noqa: F401 - fixtures
from tests.fixtures import framecode
from tests.fixtures import geometry_clips as gc


def test_reduced_sizes_fit_the_view_at_the_display_aspect():
    pal = Geometry(720, 576, 0, gc.SPECS["pal_anamorphic"][3])  # shown 1024x576
    assert pal.reduced_size(512, 400) == (512, 288)  # one scale also corrects the aspect ratio
    assert pal.reduced_size(2000, 2000) is None  # the view is bigger: nothing to gain
    assert pal.reduced_size(2000, 2000, max_pixels=1024 * 576 // 4) == (512, 288)
    phone = Geometry(640, 360, 90)  # shown 360x640
    assert phone.reduced_size(180, 1000) == (320, 180)  # scaled before the turn, so its sides are swapped
    w, h = phone.reduced_size(101, 333)
    assert w % 2 == 0 and h % 2 == 0 and h <= 101 and w <= 333


def test_play_frames_scaled_to_a_small_view_are_the_displayed_picture_made_smaller(geo):
    reference = gc.display_frames(geo.path)
    src = MediaSource.from_file(geo.path)
    dw, dh = geo.display
    got, cond = [], threading.Condition()

    def on_result(d):
        with cond:
            got.append(d)
            cond.notify_all()

    w = DecodeWorker(src, on_result=on_result, queue_frames=4)
    try:
        w.set_play_fit(dw / 2, dh / 2)
        w.start_run(0, generation=1)
        played = []
        for i in range(3):
            assert w.wait_for_frames(1, 60)
            d, _ = w.take_due(src.table.media_time(i))
            played.append(d)
        w.request(5, exact=True, generation=2)  # paused: the full picture whatever the view
        with cond:
            assert cond.wait_for(lambda: got, 60)
    finally:
        w.close()
    for i, d in enumerate(played):
        h, wd = d.pixels.shape[:2]
        assert d.index == i and d.reduced and abs(wd - dw / 2) <= 2 and abs(h - dh / 2) <= 2, (wd, h)
        assert framecode.read(d.rgb, width=dw) == i
        smaller = cv2.resize(reference[i], (wd, h), interpolation=cv2.INTER_AREA)
        diff = np.abs(d.rgb.astype(int) - smaller.astype(int)).mean()
        assert diff < 6.0, f"play frame {i} differs from ffmpeg's display, made smaller, by {diff:.2f}"
    paused = got[0]
    assert not paused.reduced and paused.index == 5
    assert_displayed(paused.rgb, geo, 5, "paused frame")
