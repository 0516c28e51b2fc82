"""The presentation clock: speed scaling, re-anchoring, and following audio without ever rewinding the picture
by more than a small correction."""

from __future__ import annotations

import pytest

from ui.player.clock import RESYNC_AUDIO, SYNC_TOLERANCE, MediaClock


class Wall:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_speed_scales_media_time_and_speed_changes_keep_position():
    wall = Wall()
    clock = MediaClock(wall)
    clock.start(5.0, 2.0)
    wall.t += 1.5
    assert clock.media_time() == pytest.approx(8.0)
    clock.set_speed(0.5)
    wall.t += 2.0
    assert clock.media_time() == pytest.approx(9.0)
    clock.stop()
    wall.t += 10
    assert clock.media_time() == pytest.approx(9.0)


def test_follows_audio_within_tolerance_and_reports_large_audio_lag():
    wall = Wall()
    clock = MediaClock(wall)
    clock.start(0.0, 1.0)
    wall.t += 1.0
    assert clock.follow(1.0 + SYNC_TOLERANCE / 2) == 0.0
    assert clock.media_time() == pytest.approx(1.0), "jitter inside the tolerance is ignored"
    assert clock.follow(1.1) == 0.0
    assert clock.media_time() == pytest.approx(1.1), "audio ahead: the picture catches up"
    assert clock.follow(1.05) == 0.0
    assert clock.media_time() == pytest.approx(1.05), "small audio lag: the picture waits"
    lag = clock.follow(1.05 - RESYNC_AUDIO - 0.3)
    assert lag == pytest.approx(RESYNC_AUDIO + 0.3)
    assert clock.media_time() == pytest.approx(1.05), "large audio lag: audio is skipped, video never rewinds"
    assert clock.follow(None) == 0.0
