"""The redaction preview: the player shows each frame redacted by the export's own code, at that exact frame.

The decode worker runs `frame_processor(mask_set)` on every decoded frame (reviewer.media.playback hook): the
planes are redacted with reviewer.redact.render.redact, the same call the export makes, then converted to the
player's pixel format. Audio redaction ranges are muted or bleeped on the audio feed with the export's
redact_block. A toggle cycles effect -> outlines only -> original.
"""

from __future__ import annotations

import enum

import numpy as np
from PySide6.QtCore import QObject, Signal

from reviewer.export.audio_redact import GUARD_SECONDS, redact_block
from reviewer.export.pipeline import frame_ticks
from reviewer.redact.model import MaskSet
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact, regions_at


class PreviewMode(str, enum.Enum):
    EFFECT = "effect"
    OUTLINES = "outlines"
    ORIGINAL = "original"

    @property
    def label(self) -> str:
        return {"effect": "Effect", "outlines": "Outlines only", "original": "Original"}[self.value]


MODES = (PreviewMode.EFFECT, PreviewMode.OUTLINES, PreviewMode.ORIGINAL)
_UNSET = object()


def frame_processor(mask_set: MaskSet):
    """fn(Frame, pixel_format) -> redacted packed pixels, or None when nothing is redacted on that frame (the
    player then converts it as usual). None when the set redacts nothing at all."""
    if not mask_set.tracks and not mask_set.blackouts:
        return None

    def process(frame, pixel_format: str) -> np.ndarray | None:
        video = frame.video
        regions = regions_at(mask_set, frame.pts, video.width, video.height)
        if not regions:
            return None
        planes = Planes.from_frame(video)
        redact(planes, mask_set, frame.pts, regions=regions)
        out = planes.to_frame()
        # convert with the source's colour description, as its untouched neighbours are, so the picture does
        # not shift colour where a mask starts
        for attr in ("colorspace", "color_range"):
            try:
                setattr(out, attr, getattr(video, attr))
            except (AttributeError, TypeError, ValueError):
                pass
        return out.to_ndarray(format=pixel_format)

    return process


def audio_ranges(mask_set: MaskSet, source) -> tuple[tuple[float, float, str], ...]:
    """Audio redaction ranges in media seconds (the player's clock), each to the end of its last frame, as the
    export computes them."""
    table = source.table
    tb, first = table.time_base, table.first_pts
    out = []
    for r in mask_set.audio:
        end_index = table.index_at_or_before_pts(r.end_pts)
        out.append((float((r.start_pts - first) * tb),
                    float((r.end_pts + frame_ticks(source, end_index) - first) * tb), r.mode))
    return tuple(out)


class AudioRedactionFilter:
    """PCM filter for the player's audio feed (ui.player.audio_output.PcmFilter); runs on the feeder thread.
    `ranges` is replaced whole when masks change, so the thread always sees one consistent tuple."""

    def __init__(self) -> None:
        self.ranges: tuple[tuple[float, float, str], ...] = ()

    def __call__(self, pcm: bytes, channels: int, t0: float, rate: float) -> bytes:
        ranges = self.ranges
        n = len(pcm) // (2 * channels)
        t1 = t0 + n / rate
        if not any(s - GUARD_SECONDS <= t1 and e + GUARD_SECONDS >= t0 for s, e, _m in ranges):
            return pcm
        samples = np.frombuffer(pcm, np.int16, count=n * channels).reshape(n, channels).T.astype(np.float32)
        samples /= 32768.0
        redact_block(samples, t0, rate, ranges)
        return (np.clip(samples.T, -1.0, 32767 / 32768) * 32768.0).astype(np.int16).tobytes()


class Preview(QObject):
    """Keeps the player's frame processor and audio filter in step with the masks and the preview mode."""

    modeChanged = Signal(object)

    def __init__(self, session, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.controller = session, controller
        self.mode = PreviewMode.EFFECT
        self.audio_filter = AudioRedactionFilter()
        self._installed: object = _UNSET  # the MaskSet the player's processor was made from (None: no effect)
        controller.set_pcm_filter(self.audio_filter)
        session.changed.connect(self.update_player)
        session.recordingChanged.connect(self.update_player)

    def set_mode(self, mode: PreviewMode) -> None:
        mode = PreviewMode(mode)
        if mode is not self.mode:
            self.mode = mode
            self.update_player()
            self.modeChanged.emit(mode)

    def cycle(self) -> PreviewMode:
        self.set_mode(MODES[(MODES.index(self.mode) + 1) % len(MODES)])
        return self.mode

    def update_player(self) -> None:
        ms = self.session.display_set
        source = self.session.source
        self.audio_filter.ranges = audio_ranges(ms, source) if (source is not None and self.mode is
                                                                PreviewMode.EFFECT) else ()
        wanted = ms if self.mode is PreviewMode.EFFECT else None
        if wanted is self._installed:
            return  # nothing the picture depends on changed
        self._installed = wanted
        self.controller.set_frame_processor(frame_processor(wanted) if wanted is not None else None)
