"""The frame table must list exactly the frames a decoder presents, for every kind of clip we meet."""

from __future__ import annotations

import json
import subprocess

import av
import numpy as np
import pytest

from reviewer.errors import MediaError
from reviewer.media.frametable import build_frame_table
from reviewer.media.probe import probe


def ffprobe_frames(path) -> list[dict]:
    """Independent oracle: Debian's ffprobe decoding the stream and listing what it presents."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts,key_frame", "-of", "json",
         str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return [f for f in json.loads(out)["frames"] if "pts" in f]


def test_table_equals_ffprobe_presented_frames(any_clip):
    table = build_frame_table(any_clip.path)
    frames = ffprobe_frames(any_clip.path)
    assert table.pts.tolist() == [f["pts"] for f in frames]
    assert table.frame_count == any_clip.frames
    ff_keys = [i for i, f in enumerate(frames) if f["key_frame"]]
    # every keyframe we list is one the decoder calls key (the decoder may flag recovery points we treat as
    # ordinary frames, never the reverse)
    assert set(table.key_indices.tolist()) <= set(ff_keys)
    assert table.key_indices.size >= 1


def test_editlist_first_presented_frame_is_not_a_keyframe(make_clip):
    clip = make_clip("editlist")
    table = build_frame_table(clip.path)
    assert 0 not in table.key_indices.tolist()
    assert table.key_pts[0] < table.pts[0], "the lead-in keyframe is decoded but not presented"


def test_offset_clip_keeps_its_start(make_clip):
    table = build_frame_table(make_clip("offset_mkv").path)
    assert table.first_pts == 10_000  # 10 s in a 1/1000 time base
    assert table.media_time(0) == 0.0
    assert table.media_time(25) == pytest.approx(1.0)


def test_hevc_clip_really_has_an_open_gop(make_clip):
    """Leading pictures: a packet after a keyframe in decode order that is shown before it."""
    path = make_clip("hevc_open_gop").path
    with av.open(str(path)) as c:
        packets = [(p.pts, p.is_keyframe) for p in c.demux(c.streams.video[0]) if p.pts is not None]
    leading = 0
    for i, (pts, key) in enumerate(packets[1:-1], start=1):
        if key and packets[i + 1][0] < pts:
            leading += 1
    assert leading >= 1


def test_vfr_flag_and_timing(make_clip):
    info, table = probe(make_clip("vfr_h264").path)
    assert info.is_vfr and table.is_vfr
    gaps = np.diff(table.pts)
    assert len(set(gaps.tolist())) > 3
    cfr_info, cfr = probe(make_clip("cfr_h264").path)
    assert not cfr_info.is_vfr
    assert cfr_info.average_fps == pytest.approx(30.0, rel=1e-3)


def test_time_and_index_round_trip_on_vfr(make_clip):
    table = build_frame_table(make_clip("vfr_h264").path)
    for i in range(0, table.frame_count, 7):
        assert table.index_at_media_time(table.media_time(i)) == i
        # a moment halfway to the next frame still shows frame i
        if i + 1 < table.frame_count:
            mid = (table.media_time(i) + table.media_time(i + 1)) / 2
            assert table.index_at_media_time(mid) == i
        assert table.index_of_pts(int(table.pts[i])) == i


def test_seek_point_precedes_every_frame(any_clip):
    table = build_frame_table(any_clip.path)
    for i in range(table.frame_count):
        assert table.seek_pts_for(i) <= table.pts[i]


def test_table_round_trips_through_arrays(make_clip):
    from reviewer.media.frametable import FrameTable

    t = build_frame_table(make_clip("editlist").path)
    u = FrameTable.from_arrays(t.to_arrays())
    assert u.time_base == t.time_base and u.stream_index == t.stream_index
    assert np.array_equal(u.pts, t.pts) and np.array_equal(u.key_pts, t.key_pts)


def test_audio_only_file_is_refused_by_name(tmp_path):
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=48000)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 48000
        frame.pts = 0
        for p in s.encode(frame):
            out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    with pytest.raises(MediaError, match="voice.m4a.*no video stream"):
        build_frame_table(path)


def test_truncated_file_is_refused(make_clip, tmp_path):
    data = make_clip("cfr_noaudio").path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="cut.mp4"):
        build_frame_table(cut)
