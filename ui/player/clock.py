"""The presentation clock: which media time should be on screen now.

A monotonic clock scaled by speed drives presentation, so frames advance smoothly between the coarse updates an
audio device reports. While audio plays, the clock is slaved to the audio position (ffplay's "audio master"):
when the two disagree by more than a tolerance, the clock jumps to the audio time, so video follows what is heard.
"""

from __future__ import annotations

import time
from typing import Callable

SYNC_TOLERANCE = 0.030  # s; less than a frame at 30 fps, more than audio-position jitter
RESYNC_AUDIO = 0.200  # s; audio further behind than this is skipped forward instead of rewinding the picture


class MediaClock:
    def __init__(self, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._anchor_media = 0.0
        self._anchor_wall = 0.0
        self._speed = 1.0
        self.running = False
        self.corrections = 0

    def start(self, media_time: float, speed: float) -> None:
        self._anchor_media = media_time
        self._anchor_wall = self._now()
        self._speed = speed
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._anchor_media = self.media_time()
        self.running = False

    def set_speed(self, speed: float) -> None:
        """Keep the current media time, continue at a new rate."""
        if self.running:
            self.start(self.media_time(), speed)
        else:
            self._speed = speed

    def media_time(self) -> float:
        if not self.running:
            return self._anchor_media
        return self._anchor_media + (self._now() - self._anchor_wall) * self._speed

    def follow(self, audio_media_time: float | None) -> float:
        """Slave to the audio position when it is known and has drifted beyond the tolerance. Returns how far
        the audio lags behind the picture when that is too far to follow (the caller skips audio), else 0."""
        if audio_media_time is None or not self.running:
            return 0.0
        scale = max(1.0, self._speed)
        diff = audio_media_time - self.media_time()
        if -diff > RESYNC_AUDIO * scale:
            return -diff
        if abs(diff) > SYNC_TOLERANCE * scale:
            self._anchor_media = audio_media_time
            self._anchor_wall = self._now()
            self.corrections += 1
        return 0.0
