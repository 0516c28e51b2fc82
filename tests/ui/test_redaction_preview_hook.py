"""The decode worker's frame-processor hook that the redaction preview rides on (Qt-free): a processor applies to
requested frames and to play runs, and swapping it mid-run remakes the frames already queued, so a mask change
can never leave stale pictures in the queue."""

from __future__ import annotations

import threading

import numpy as np

from reviewer.media.playback import DecodeWorker
from reviewer.media.source import MediaSource
from reviewer.redact.model import Effect, Keyframe, MaskSet, MaskTrack, ShapeKind
from tests.fixtures import framecode
from ui.redaction.preview import frame_processor


def test_processor_applies_to_requests_and_a_swap_remakes_queued_play_frames(make_clip):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    table = src.table
    got = []
    arrived = threading.Event()
    worker = DecodeWorker(src, on_result=lambda d: (got.append(d), arrived.set()), queue_frames=6)
    try:
        _x, _y, w, h = framecode.code_rect(clip.width)
        track = MaskTrack(ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((0, 0), (w, h))),
                                           Keyframe(int(table.pts[200]), ((0, 0), (w, h)))), effect=Effect())
        worker.set_processor(frame_processor(MaskSet((track,))))
        worker.request(5, True, 1)
        assert arrived.wait(10.0)
        (d,) = got
        assert d.index == 5 and d.processed and framecode.read(d.rgb) is None

        worker.set_processor(None)
        worker.start_run(10, 2)
        assert worker.wait_for_frames(6, 10.0)
        queued_first = worker.take_due(table.media_time(10))[0]
        assert queued_first.index == 10 and not queued_first.processed
        assert worker.wait_for_frames(5, 10.0)

        # masks change mid-run: frames 11.. already decoded without them must not be shown
        seen = []
        worker.set_processor(lambda frame, fmt: np.zeros((frame.height, frame.width, 3), np.uint8))
        for i in range(11, 20):
            assert worker.wait_for_frames(1, 10.0)
            d, _ended = worker.take_due(table.media_time(i))
            seen.append((d.index, d.processed))
        assert seen == [(i, True) for i in range(11, 20)]
    finally:
        worker.close()
