"""The decode-ahead worker behind the player: play runs deliver exact frames in order, late frames are dropped
rather than mislabelled, paused requests coalesce, and scrub previews name the frame they really are."""

from __future__ import annotations

import threading

import pytest

from reviewer.media.playback import DecodeWorker
from reviewer.media.source import MediaSource
from tests.fixtures import framecode


class Results:
    def __init__(self):
        self.items = []
        self.errors = []
        self.cond = threading.Condition()

    def on_result(self, d):
        with self.cond:
            self.items.append(d)
            self.cond.notify_all()

    def on_error(self, gen, exc):
        with self.cond:
            self.errors.append((gen, exc))
            self.cond.notify_all()

    def wait(self, pred, timeout=60.0):
        with self.cond:
            assert self.cond.wait_for(pred, timeout), "timed out waiting for the decode worker"


def code(d) -> int | None:
    return framecode.read(d.rgb)


@pytest.mark.parametrize("name", ["cfr_h264", "vfr_h264", "editlist", "hevc_open_gop"])
def test_play_run_delivers_every_frame_in_order_with_its_code(make_clip, name):
    clip = make_clip(name)
    src = MediaSource.from_file(clip.path)
    table = src.table
    w = DecodeWorker(src, queue_frames=4)
    try:
        start = 50
        w.start_run(start, generation=1)
        got = []
        for i in range(start, table.frame_count):
            assert w.wait_for_frames(1, 10.0)
            # ask at exactly frame i's time: nothing is late, so nothing may be skipped
            d, _ended = w.take_due(table.media_time(i))
            assert d is not None, f"frame {i} was not ready"
            got.append((d.index, d.pts, code(d), d.generation))
        d, ended = w.take_due(float("inf"))
        assert d is None and ended
    finally:
        w.close()
    assert [g[0] for g in got] == list(range(start, table.frame_count))
    assert all(g[1] == int(table.pts[g[0]]) for g in got)
    bad = [g for g in got if g[2] != clip.first_code + g[0]]
    assert not bad, f"{len(bad)} frames carry the wrong code, first {bad[:3]}"
    assert all(g[3] == 1 for g in got)


def test_a_clock_running_ahead_drops_frames_but_never_mislabels(make_clip):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    table = src.table
    w = DecodeWorker(src, queue_frames=3)
    try:
        w.start_run(0, generation=7)
        shown = []
        i = 0
        # present at 5x the natural pace: every take asks for a time 5 frames further on
        while True:
            assert w.wait_for_frames(1, 10.0)
            d, ended = w.take_due(table.media_time(min(i, table.frame_count - 1)))
            if d is not None:
                shown.append(d)
            if ended:
                break
            i += 5
    finally:
        w.close()
    idx = [d.index for d in shown]
    assert idx == sorted(set(idx)), "frames went backwards or repeated"
    assert len(idx) < table.frame_count * 0.6, "a clock 5x ahead must drop frames"
    assert idx[-1] == table.frame_count - 1, "the last frame is always shown"
    assert all(code(d) == clip.first_code + d.index for d in shown)
    assert w.skipped_late > 0, "late frames should not even be converted"


def test_requests_coalesce_and_only_the_newest_matters(make_clip):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    r = Results()
    w = DecodeWorker(src, on_result=r.on_result, on_error=r.on_error)
    try:
        for g, idx in enumerate(range(100, 140), start=1):
            w.request(idx, exact=True, generation=g)
        r.wait(lambda: any(d.generation == 40 for d in r.items))
        last = r.items[-1]
        assert (last.index, last.generation, code(last)) == (139, 40, 139)
        assert len(r.items) < 40, "superseded requests should not all be converted and delivered"
        assert all(code(d) == d.index for d in r.items)
    finally:
        w.close()


def test_preview_shows_a_real_frame_and_names_it(make_clip):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    table = src.table
    r = Results()
    w = DecodeWorker(src, on_result=r.on_result, on_error=r.on_error)
    try:
        target = 200  # inside the GOP starting at 180, nothing cached yet
        w.request(target, exact=False, generation=1)
        r.wait(lambda: len(r.items) == 1)
        d = r.items[0]
        assert d.index == table.keyframe_index_at_or_before(target) == 180
        assert code(d) == d.index and not d.exact
        # after the exact frame is decoded, the GOP is cached and a preview is the frame itself
        w.request(target, exact=True, generation=2)
        r.wait(lambda: len(r.items) == 2)
        w.request(target - 3, exact=False, generation=3)
        r.wait(lambda: len(r.items) == 3)
        d = r.items[2]
        assert (d.index, code(d), d.exact) == (target - 3, target - 3, True)
    finally:
        w.close()


def test_a_file_that_disappears_is_reported_not_fatal(make_clip, tmp_path):
    clip = make_clip("cfr_noaudio")
    copy = tmp_path / "gone.mp4"
    copy.write_bytes(clip.path.read_bytes())
    src = MediaSource.from_file(copy)
    copy.unlink()
    r = Results()
    w = DecodeWorker(src, on_result=r.on_result, on_error=r.on_error)
    try:
        r.wait(lambda: r.errors)
        assert "gone.mp4" in str(r.errors[0][1])
    finally:
        w.close()
