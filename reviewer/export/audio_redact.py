"""Audio for an export: decode a time span of the source, apply mute/bleep ranges, hand out fixed-size chunks.

Streaming (never the whole track in memory) keeps memory flat however long the recording is. Redaction ranges
are widened by GUARD_SECONDS on each side because AAC's 2048-sample transform smears a hard cut across ~21 ms;
the guard keeps the requested range itself below -60 dBFS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

BLEEP_HZ = 1000.0
BLEEP_LEVEL = 0.25  # about -12 dBFS peak
GUARD_SECONDS = 0.03


@dataclass(frozen=True)
class AudioSpan:
    """[start, end) in source seconds (stream pts * time_base), with redactions in the same clock."""

    start: float
    end: float
    redactions: tuple[tuple[float, float, str], ...] = ()  # (start, end, "mute" | "bleep"), end inclusive of frame


def audio_layout(path: Path) -> tuple[int, str] | None:
    """(sample rate, layout name) of the first audio stream, or None."""
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        cc = c.streams.audio[0].codec_context
        return int(cc.sample_rate), cc.layout.name


def redact_block(samples: np.ndarray, t0: float, rate: int, redactions) -> None:
    """Mute or bleep, in place, the samples of `samples` (channels, n) starting at time t0 that fall in a range."""
    n = samples.shape[1]
    t = t0 + np.arange(n) / rate
    for start, end, mode in redactions:
        sel = (t >= start - GUARD_SECONDS) & (t <= end + GUARD_SECONDS)
        if not sel.any():
            continue
        if mode == "bleep":
            samples[:, sel] = (BLEEP_LEVEL * np.sin(2 * np.pi * BLEEP_HZ * t[sel])).astype(samples.dtype)
        else:
            samples[:, sel] = 0.0


def span_samples(path: Path, span: AudioSpan, rate: int, layout: str, block: int = 1024) -> Iterator[np.ndarray]:
    """float32 (channels, block) arrays covering exactly [span.start, span.end) at `rate`, redactions applied.
    Gaps in the source audio (or a source with audio ending early) come out as silence, so timing holds."""
    channels = av.AudioLayout(layout).nb_channels
    total = int(round((span.end - span.start) * rate))
    produced = 0
    pending = np.zeros((channels, 0), np.float32)
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)

    def emit(upto: int) -> Iterator[np.ndarray]:
        nonlocal pending, produced
        while pending.shape[1] >= block and produced < upto:
            take = min(block, total - produced)
            chunk, pending = pending[:, :take], pending[:, take:]
            redact_block(chunk, span.start + produced / rate, rate, span.redactions)
            produced += take
            yield chunk

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        c.seek(int(max(0.0, span.start - 0.5) / stream.time_base), stream=stream, backward=True)
        done = False
        for packet in c.demux(stream):
            for frame in packet.decode():
                if frame.pts is None:
                    continue
                for out in resampler.resample(frame):
                    data = out.to_ndarray().astype(np.float32, copy=False)
                    t_first = float(out.pts * out.time_base) if out.pts is not None else float(frame.pts * frame.time_base)
                    # position of this block's first sample relative to what we have produced so far
                    want_at = span.start + (produced + pending.shape[1]) / rate
                    offset = int(round((t_first - want_at) * rate))
                    if offset > 0:  # gap in the source: fill with silence
                        pending = np.concatenate([pending, np.zeros((channels, offset), np.float32)], axis=1)
                    elif offset < 0:
                        data = data[:, -offset:]
                    pending = np.concatenate([pending, data], axis=1)
                    yield from emit(total)
                    if produced >= total:
                        done = True
                        break
                if done:
                    break
            if done:
                break
    if produced < total:
        pad = total - produced - pending.shape[1]
        if pad > 0:
            pending = np.concatenate([pending, np.zeros((channels, pad), np.float32)], axis=1)
        while produced < total:
            take = min(block, total - produced)
            chunk, pending = pending[:, :take], pending[:, take:]
            redact_block(chunk, span.start + produced / rate, rate, span.redactions)
            produced += take
            yield chunk


def dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    return -200.0 if rms <= 1e-10 else 20 * np.log10(rms)
