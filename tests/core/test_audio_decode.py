"""Player audio: PCM starts at the requested media time, lasts 1/speed as long, and keeps its pitch (atempo)."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.errors import MediaError
from reviewer.media.audio_decode import AudioDecoder, atempo_chain

RATE = 44100  # deliberately not the file's 48 kHz, so resampling is exercised


def decode(path, start, speed, channels=2):
    with AudioDecoder(path, out_rate=RATE, out_channels=channels, origin_seconds=0.0) as dec:
        data = b"".join(dec.pcm(start, speed))
    return np.frombuffer(data, dtype=np.int16).reshape(-1, channels)


def pitch_hz(samples: np.ndarray) -> float:
    x = samples[:, 0].astype(np.float64)
    rising = np.count_nonzero((x[:-1] < 0) & (x[1:] >= 0))
    return rising / (len(x) / RATE)


@pytest.mark.parametrize("speed", [0.5, 1.0, 2.0, 4.0])
def test_duration_scales_with_speed_and_pitch_stays(make_clip, speed):
    clip = make_clip("cfr_h264")  # 10 s of video, a 440 Hz tone
    pcm = decode(clip.path, 2.0, speed)
    seconds = len(pcm) / RATE
    expected = (10.1 - 2.0) / speed
    assert abs(seconds - expected) < 0.1 / speed + 0.05, (seconds, expected)
    assert abs(pitch_hz(pcm[RATE // 10: -RATE // 10]) - 440) < 8, "atempo must keep the pitch"
    assert np.abs(pcm[: RATE // 4]).max() > 1000, "sound starts at once, not after a gap"


def test_start_time_is_honoured(make_clip):
    clip = make_clip("cfr_h264")
    whole = decode(clip.path, 0.0, 1.0, channels=1)
    late = decode(clip.path, 3.0, 1.0, channels=1)
    assert abs(len(whole) - len(late) - 3.0 * RATE) < RATE * 0.01


def test_a_file_without_audio_is_a_clear_error(make_clip):
    clip = make_clip("cfr_noaudio")
    with pytest.raises(MediaError, match="cfr_noaudio.*no audio"):
        AudioDecoder(clip.path, out_rate=RATE, out_channels=2, origin_seconds=0.0)


def test_atempo_chain_multiplies_to_speed_within_range():
    for speed in (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
        chain = atempo_chain(speed)
        assert all(0.5 <= f <= 2.0 for f in chain)
        assert abs(float(np.prod(chain or [1.0])) - speed) < 1e-9
    with pytest.raises(ValueError):
        atempo_chain(8.0)
