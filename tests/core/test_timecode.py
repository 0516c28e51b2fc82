import datetime as dt

import pytest
from hypothesis import given, strategies as st

from reviewer.media import timecode

UTC = dt.timezone.utc


@given(st.floats(min_value=0, max_value=86_000, allow_nan=False))
def test_media_time_text_round_trips_to_the_millisecond(seconds):
    text = timecode.format_media_time(seconds)
    back = timecode.parse_media_time(text)
    assert back <= seconds + 1e-6 and seconds - back < 0.001 + 1e-6


def test_camera_time_adds_media_time_to_the_start():
    start = dt.datetime(2024, 5, 1, 14, 3, 22, tzinfo=UTC)
    t = timecode.camera_time(start, 0.433)
    assert timecode.format_camera_time(t) == "2024-05-01 14:03:22.433 UTC"
    assert timecode.camera_time(None, 1.0) is None


def test_camera_time_parsing_forms():
    day = dt.date(2024, 5, 1)
    want = dt.datetime(2024, 5, 1, 14, 3, 22, 433000, tzinfo=UTC)
    assert timecode.parse_camera_time("2024-05-01 14:03:22.433 UTC") == want
    assert timecode.parse_camera_time("2024-05-01T15:03:22.433+01:00") == want
    assert timecode.parse_camera_time("14:03:22.433", day) == want
    with pytest.raises(ValueError, match="camera time"):
        timecode.parse_camera_time("yesterday")
    with pytest.raises(ValueError, match="media time"):
        timecode.parse_media_time("1:xx")
