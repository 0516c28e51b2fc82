"""The waveform lane's data: a peak envelope on the player's clock, cached by SHA-256, rebuilt when damaged."""

from __future__ import annotations

import av
import numpy as np
import pytest

from reviewer.media.probe import probe
from reviewer.media.waveform import Waveform, WaveformCache, compute_waveform
from reviewer.progress import CancelToken, Task


def origin_of(path) -> tuple[float, object]:
    _info, table = probe(path)
    return float(table.first_pts * table.time_base), table


def test_envelope_follows_the_sound_on_the_player_clock(make_clip):
    clip = make_clip("cfr_h264")  # a 440 Hz tone at amplitude 0.3 for the whole clip
    origin, table = origin_of(clip.path)
    seen = []
    wf = compute_waveform(clip.path, origin, Task(progress=lambda f, _l: seen.append(f)))
    assert wf.rate == pytest.approx(200.0)
    assert abs(wf.duration - table.duration) < 0.2
    body = wf.peaks[20:-20]  # away from the AAC encoder's fade-in and tail
    assert np.all(body[:, 1] > 0.2) and np.all(body[:, 1] < 0.5) and np.all(body[:, 0] < -0.2)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    # columns over a pixel grid: wider columns take the extreme of their buckets, empty time is silence
    lo, hi = wf.columns(np.linspace(1.0, 3.0, 101))
    assert np.all(hi > 0.25) and np.all(lo < -0.25)
    lo, hi = wf.columns(np.array([wf.duration + 1, wf.duration + 2]))
    assert lo.tolist() == [0.0] and hi.tolist() == [0.0]


def test_columns_narrower_than_a_bucket_show_that_bucket():
    peaks = np.array([[-0.1, 0.1], [-0.5, 0.5], [-0.2, 0.2], [-0.9, 0.9]], np.float32)
    wf = Waveform(10.0, peaks)  # buckets of 0.1 s
    lo, hi = wf.columns(np.array([0.0, 0.02, 0.04, 0.2, 0.4]))
    assert hi.tolist() == pytest.approx([0.1, 0.1, 0.5, 0.9])
    assert lo.tolist() == pytest.approx([-0.1, -0.1, -0.5, -0.9])


def test_silent_gap_keeps_later_sound_in_place(tmp_path):
    """Audio that stops and restarts (a dropout) must not slide the later sound earlier on the timeline."""
    path = tmp_path / "gap.m4a"
    rate = 48000
    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=rate)
        s.layout = "mono"
        for start in (0.0, 3.0):  # sound 0-1 s, nothing 1-3 s, sound 3-4 s
            t = np.arange(rate) / rate
            tone = (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
            for k in range(0, rate, 1024):
                f = av.AudioFrame.from_ndarray(tone[None, k:k + 1024], format="fltp", layout="mono")
                f.sample_rate = rate
                f.pts = int(start * rate) + k
                for p in s.encode(f):
                    out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    wf = compute_waveform(path, 0.0)
    at = lambda sec: float(wf.peaks[int(sec * wf.rate), 1])  # noqa: E731
    assert at(0.5) > 0.4 and at(2.0) < 0.01 and at(3.5) > 0.4


def test_cache_round_trip_no_audio_and_damaged_file(make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    origin, _table = origin_of(clip.path)
    cache = WaveformCache(tmp_path / "waveforms")
    first = cache.get_or_compute("a" * 64, clip.path, origin)
    path = cache.path_for("a" * 64)
    assert path.exists()
    again = cache.load("a" * 64)
    assert again.rate == first.rate and np.array_equal(again.peaks, first.peaks)

    silent = make_clip("cfr_noaudio")
    assert cache.get_or_compute("b" * 64, silent.path, 0.0) is None
    assert cache.load("b" * 64) is None  # "no audio" is remembered, not recomputed

    path.write_bytes(b"not a waveform")
    with pytest.raises(KeyError):
        cache.load("a" * 64)
    assert not path.exists()
    rebuilt = cache.get_or_compute("a" * 64, clip.path, origin)
    assert np.array_equal(rebuilt.peaks, first.peaks)


def test_cancel_stops_the_computation(make_clip):
    from reviewer.errors import Cancelled

    clip = make_clip("cfr_h264")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        compute_waveform(clip.path, 0.0, Task(cancel=token))
