"""Reverse play in the core: every frame from N down to 0, each exactly the frame its label names (read back by
its burned-in code), across GOP boundaries, open GOPs and GOPs longer than the memory budget."""

from __future__ import annotations

import pytest

from reviewer.media.playback import DecodeWorker
from reviewer.media.reverse import HEAD_START, ReverseFeeder
from reviewer.media.source import MediaSource
from tests.fixtures import framecode


def _drain(feeder: ReverseFeeder) -> list:
    out = []
    while not feeder.finished:
        f = feeder.pop()
        if f is None:
            assert feeder.pending_decode(), "feeder stalled with nothing to decode"
            feeder.decode_step()
        else:
            out.append(f)
    return out


@pytest.mark.parametrize("name", ["cfr_h264", "vfr_h264", "editlist", "hevc_open_gop"])
def test_feeder_yields_every_frame_backwards_with_its_own_code(make_clip, name):
    clip = make_clip(name)
    src = MediaSource.from_file(clip.path)
    start = src.table.frame_count - 1
    with src.reader(cache_bytes=8 * 1024 * 1024) as reader:
        frames = _drain(ReverseFeeder(reader, src.table, start, max_frames=1000))
        assert [f.index for f in frames] == list(range(start, -1, -1))
        assert [framecode.read(f.rgb()) for f in frames] == [clip.first_code + f.index for f in frames]


def test_a_gop_longer_than_the_budget_is_split_and_memory_stays_bounded(make_clip):
    clip = make_clip("cfr_h264")  # 60-frame GOPs
    src = MediaSource.from_file(clip.path)
    with src.reader(cache_bytes=4 * 1024 * 1024) as reader:
        feeder = ReverseFeeder(reader, src.table, 150, max_frames=16)
        frame_bytes = reader.frame(0).nbytes
        frames, peak = [], 0
        while not feeder.finished:
            f = feeder.pop()
            if f is None:
                feeder.decode_step()
            else:
                frames.append(f)
            peak = max(peak, feeder.held_bytes())
        assert [f.index for f in frames] == list(range(150, -1, -1))
        assert [framecode.read(f.rgb()) for f in frames[::7]] == [clip.first_code + f.index for f in frames[::7]]
        assert peak <= 2 * 16 * frame_bytes
        assert feeder.segments >= 151 // 16


def test_worker_reverse_run_delivers_decreasing_exact_frames_against_a_backwards_clock(make_clip):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    table = src.table
    w = DecodeWorker(src, queue_frames=4)
    try:
        start = 200
        w.start_run(start, generation=3, step=-1)
        got = []
        for i in range(start, -1, -1):
            assert w.wait_for_frames(1, 10.0)
            # the clock exactly at frame i's time: nothing late, nothing skipped, nothing early
            d, _ended = w.take_due(table.media_time(i))
            assert d is not None, f"frame {i} was not ready"
            got.append((d.index, framecode.read(d.rgb), d.generation))
        d, ended = w.take_due(-1.0)
        assert d is None and ended
    finally:
        w.close()
    assert [g[0] for g in got] == list(range(start, -1, -1))
    assert [g[1] for g in got] == [clip.first_code + g[0] for g in got]
    assert {g[2] for g in got} == {3}
    assert w.skipped_late == 0


def test_a_run_starting_late_in_a_gop_waits_for_the_gop_below_before_its_first_frame(make_clip):
    """Frames 60..65 last 0.2 s at 30 fps: handing them out before GOP 0..59 is decoded would leave 0.2 s to
    decode 60 frames, so the feeder holds them until it is."""
    clip = make_clip("cfr_h264")  # 60-frame GOPs
    src = MediaSource.from_file(clip.path)
    with src.reader(cache_bytes=64 * 1024 * 1024) as reader:
        feeder = ReverseFeeder(reader, src.table, 65, max_frames=1000)
        steps = 0
        while (f := feeder.pop()) is None:
            feeder.decode_step()
            steps += 1
        assert f.index == 65 and framecode.read(f.rgb()) == clip.first_code + 65
        assert steps == 66  # 60..65 and then all of 0..59
        assert not feeder.pending_decode()


def test_a_processor_swap_during_reverse_play_remakes_queued_frames_without_a_gap(make_clip):
    """The redaction preview changes mid-run: frames already queued without it are remade, none is skipped."""
    import numpy as np

    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    table = src.table
    w = DecodeWorker(src, queue_frames=6)
    try:
        w.start_run(120, generation=1, step=-1)
        seen = []
        for i in range(120, 115, -1):
            assert w.wait_for_frames(1, 10.0)
            d, _ = w.take_due(table.media_time(i))
            seen.append((d.index, d.processed))
        assert w.wait_for_frames(6, 10.0)
        w.set_processor(lambda frame, fmt: np.zeros((frame.height, frame.width, 3), np.uint8))
        for i in range(115, 50, -1):
            assert w.wait_for_frames(1, 10.0)
            d, _ = w.take_due(table.media_time(i))
            seen.append((d.index, d.processed))
    finally:
        w.close()
    assert [s[0] for s in seen] == list(range(120, 50, -1))
    assert all(not p for _, p in seen[:5]) and all(p for _, p in seen[5:])


def test_decoding_below_is_paced_to_the_presentation_of_the_current_segment(make_clip):
    """After the start, the GOP below is decoded at most twice as fast as the current one is handed out (after a
    head start), so its decoding is spread over the current GOP's screen time rather than done in one burst."""
    clip = make_clip("cfr_h264")  # 60-frame GOPs: 0, 60, 120, ...
    src = MediaSource.from_file(clip.path)
    with src.reader(cache_bytes=64 * 1024 * 1024) as reader:
        feeder = ReverseFeeder(reader, src.table, 179, max_frames=1000)
        while feeder.pop() is None:  # the start: 120..179 and 60..119 decoded before the first frame
            feeder.decode_step()
        for _ in range(59):
            assert feeder.pop() is not None
        assert feeder.peek_index() == 119  # 60..119 is current now, 0..59 below it is planned
        decoded = 0
        while feeder.decode_wanted():
            feeder.decode_step()
            decoded += 1
        assert decoded == HEAD_START and feeder.pending_decode()
        for _ in range(15):  # a quarter of the current GOP shown: half of the one below may be decoded
            feeder.pop()
        while feeder.decode_wanted():
            feeder.decode_step()
            decoded += 1
        assert decoded == HEAD_START + 30
        rest = [f.index for f in _drain(feeder)]
        assert rest == list(range(104, -1, -1))
