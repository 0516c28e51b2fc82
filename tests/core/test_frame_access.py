"""Exact access: whatever order frames are asked for in, the picture returned carries its own frame code."""

from __future__ import annotations

import random

import pytest

from reviewer.media.frame_reader import FrameReader
from reviewer.media.frametable import build_frame_table
from tests.fixtures import framecode


def code(frame) -> int | None:
    return framecode.read(frame.rgb())


def test_200_random_exact_accesses(any_clip):
    table = build_frame_table(any_clip.path)
    # a small cache forces real seeks on most accesses instead of cache hits
    with FrameReader(any_clip.path, table, cache_bytes=8 * 1024 * 1024) as reader:
        rng = random.Random(20261122)
        wrong = []
        for _ in range(200):
            i = rng.randrange(table.frame_count)
            f = reader.frame(i)
            if f.index != i or f.pts != table.pts[i] or code(f) != any_clip.first_code + i:
                wrong.append((i, f.index, code(f)))
        assert not wrong, f"{len(wrong)} wrong frames, first: {wrong[:5]}"
        assert reader.seeks > 20, "the small cache should have forced real seeks"


@pytest.mark.parametrize("name", ["cfr_h264", "vfr_h264", "editlist", "hevc_open_gop", "offset_mkv"])
def test_stepping_across_gop_boundaries(make_clip, name):
    clip = make_clip(name)
    table = build_frame_table(clip.path)
    keys = [int(k) for k in table.key_indices if 2 <= k < table.frame_count - 3][:3]
    assert keys, "clip should have interior keyframes"
    with FrameReader(clip.path, table, cache_bytes=64 * 1024 * 1024) as reader:
        for k in keys:
            forward = list(range(k - 2, k + 3))
            for i in forward + forward[::-1]:
                assert code(reader.frame(i)) == clip.first_code + i, f"{name} frame {i}"
        # backward walk from the end over several GOPs with a cold cache
        reader.cache.clear()
        top = min(table.frame_count - 1, keys[-1] + 5)
        for i in range(top, max(-1, top - 70), -1):
            assert code(reader.frame(i)) == clip.first_code + i


def test_stepping_back_inside_a_gop_needs_no_seek(make_clip):
    clip = make_clip("cfr_h264")
    table = build_frame_table(clip.path)
    with FrameReader(clip.path, table) as reader:
        reader.frame(100)
        seeks = reader.seeks
        for i in range(99, 59, -1):
            assert code(reader.frame(i)) == i
        assert reader.seeks == seeks


def test_sequential_reading_continues_without_seeking(make_clip):
    clip = make_clip("vfr_h264")
    table = build_frame_table(clip.path)
    with FrameReader(clip.path, table, cache_bytes=16 * 1024 * 1024) as reader:
        for i in range(table.frame_count):
            assert code(reader.frame(i)) == i
        assert reader.seeks == 1


def test_cache_is_bounded_by_bytes(make_clip):
    clip = make_clip("hd1080")
    table = build_frame_table(clip.path)
    budget = 40 * 1024 * 1024
    with FrameReader(clip.path, table, cache_bytes=budget) as reader:
        for i in range(0, table.frame_count, 3):
            reader.frame(i)
        assert 0 < reader.cache.nbytes <= budget


def test_out_of_range_index_is_an_error(make_clip):
    clip = make_clip("cfr_noaudio")
    table = build_frame_table(clip.path)
    with FrameReader(clip.path, table) as reader, pytest.raises(IndexError):
        reader.frame(table.frame_count)


def test_cache_budget_holds_with_rgb_conversions(make_clip):
    clip = make_clip("hd1080")
    table = build_frame_table(clip.path)
    budget = 48 * 1024 * 1024
    with FrameReader(clip.path, table, cache_bytes=budget) as reader:
        for i in range(0, 40):
            reader.frame(i).rgb()
            assert reader.cache.nbytes <= budget
            assert reader.cache.held_bytes() == reader.cache.nbytes, "accounted bytes are the real bytes"
        assert code(reader.frame(39)) == 39
