"""Demo footage: short generated recordings must behave like real body-worn files for every part of the app."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import av
import numpy as np
import pytest

from reviewer.demo import DEMO_INCIDENT, generate_demo, sidecar_for
from reviewer.demo.overlay import BANNER_HEIGHT
from reviewer.errors import Cancelled
from reviewer.library.sidecar import read_sidecar
from reviewer.media.source import MediaSource
from reviewer.progress import CancelToken, Task

SECONDS = 3.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list[Path]:
    return generate_demo(tmp_path_factory.mktemp("demo"), seconds=SECONDS)


@pytest.fixture(scope="module")
def first(demo) -> MediaSource:
    return MediaSource.from_file(demo[0])


def _mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def test_writes_two_finished_recordings_and_nothing_else(demo):
    folder = demo[0].parent
    assert len(demo) == 2
    expected = {p.name for p in demo} | {sidecar_for(p).name for p in demo}
    assert {p.name for p in folder.iterdir()} == expected


def test_recordings_are_720p30_h264_with_audio_of_the_asked_length(demo):
    for path in demo:
        src = MediaSource.from_file(path)
        info = src.info
        assert (info.width, info.height) == (1280, 720)
        assert info.codec == "h264" and info.pix_fmt == "yuv420p"
        assert info.has_audio and info.audio_codec == "aac"
        assert info.frame_count == 90
        assert info.duration == pytest.approx(SECONDS, abs=0.05)
        assert info.average_fps == pytest.approx(30.0, abs=0.01) and not info.is_vfr


def test_encoded_like_camera_footage_b_frames_and_60_frame_gop(first):
    assert list(first.table.key_indices) == [0, 60]
    with av.open(str(first.path)) as c:
        decode_order = [p.pts for p in c.demux(c.streams.video[0]) if p.pts is not None]
    # B-frames are stored after the frame they precede on screen
    assert decode_order != sorted(decode_order)


def test_sidecar_has_exactly_the_documented_keys_and_the_library_accepts_it(demo):
    starts, officers, devices = set(), set(), set()
    for path in demo:
        data = json.loads(sidecar_for(path).read_text())
        assert set(data) == {"officer_id", "device_id", "start_time", "incident_ref"}
        assert data["incident_ref"] == DEMO_INCIDENT
        car = read_sidecar(path)
        assert car is not None and car.path == sidecar_for(path)
        assert car.start_time is not None and car.start_time.tzinfo is not None
        starts.add(car.start_time)
        officers.add(car.officer_id)
        devices.add(car.device_id)
        # the container's creation_time tag carries the same camera start, to the whole second an MP4 holds (the
        # second camera's clock is 6.28 s fast: its sidecar says .280)
        assert MediaSource.from_file(path).info.start_time == car.start_time.replace(microsecond=0)
    assert len(starts) == len(officers) == len(devices) == 2


def test_consecutive_frames_differ_because_the_camera_moves(first):
    reader = first.reader()
    below_banner = slice(BANNER_HEIGHT + 4, None)
    for i in (10, 45, 80):
        a, b = reader.frame(i).rgb()[below_banner], reader.frame(i + 1).rgb()[below_banner]
        assert _mean_diff(a, b) > 1.0, f"frames {i} and {i + 1} look the same"
    reader.close()


def test_banner_clock_advances_with_the_frames(first):
    """The burned-in time changes exactly when a whole second of camera time has passed (30 frames)."""
    reader = first.reader()
    clock = (slice(0, BANNER_HEIGHT), slice(960, 1280))  # right end of the banner: the time of day
    pics = {i: reader.frame(i).rgb()[clock] for i in (0, 15, 29, 30, 59, 60)}
    reader.close()

    def changed(a: int, b: int) -> int:
        d = np.abs(pics[a].astype(np.int16) - pics[b].astype(np.int16)).max(axis=2)
        return int((d > 60).sum())  # pixels that flipped between text and bar, not coding noise

    assert changed(0, 15) <= 5 and changed(0, 29) <= 5 and changed(30, 59) <= 5
    assert changed(29, 30) > 20 and changed(59, 60) > 20


def test_start_times_are_utc_and_the_second_camera_starts_later(demo):
    a, b = (read_sidecar(p).start_time for p in demo)
    assert a.utcoffset() == dt.timedelta(0) and b > a


def test_generation_is_deterministic(tmp_path):
    a = generate_demo(tmp_path / "a", seconds=0.5)
    b = generate_demo(tmp_path / "b", seconds=0.5)
    for x, y in zip(a, b):
        assert hashlib.sha256(x.read_bytes()).digest() == hashlib.sha256(y.read_bytes()).digest()


def test_cancel_leaves_no_finished_looking_file(tmp_path):
    token = CancelToken()
    seen: list[float] = []

    def progress(fraction: float, label: str) -> None:
        seen.append(fraction)
        if fraction > 0.6:  # well into the second recording: the first one is already encoded
            token.cancel()

    with pytest.raises(Cancelled):
        generate_demo(tmp_path, Task(progress=progress, cancel=token), seconds=SECONDS)
    assert seen and max(seen) < 1.0
    assert list(tmp_path.iterdir()) == []


def test_the_incident_can_be_dated_for_a_first_launch(tmp_path):
    import datetime as dt
    import json

    when = dt.datetime(2030, 1, 2, 14, 37, 5, tzinfo=dt.timezone.utc)
    paths = generate_demo(tmp_path, seconds=0.5, incident_start=when)
    assert paths[0].name == "AXN-BWV-4417_20300102T143705Z.mp4"
    assert json.loads(sidecar_for(paths[0]).read_text())["start_time"].startswith("2030-01-02T14:37:05")
