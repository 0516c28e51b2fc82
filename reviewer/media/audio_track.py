"""A recording's first audio stream as one mono float array on the player's clock, for analysis (alignment).

Media time 0 is the first presented video frame (as in waveform.py and audio_decode.py), so sample k sits at
media time k / rate. The native rate is reduced by an integer factor with a block mean: FFmpeg's resampler costs
four times the AAC decode on a 10-minute file, and the block mean is an adequate anti-alias filter for an onset
envelope (its nulls fall on multiples of the new rate). Gaps in the audio stay silence, so later sound keeps its
place; sound before the first picture is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from reviewer.errors import MediaError
from reviewer.media.probe import open_container
from reviewer.progress import NO_TASK, Task


@dataclass(frozen=True, eq=False)
class AudioTrack:
    rate: float  # samples per media second
    samples: np.ndarray  # float32 mono, sample k at media time k / rate

    @property
    def duration(self) -> float:
        return self.samples.size / self.rate


def decode_mono(path: str | Path, origin_seconds: float, target_rate: int = 4000,
                task: Task = NO_TASK) -> AudioTrack | None:
    """The first audio stream of `path`, mono, at its native rate divided by the largest integer that keeps it
    at or above `target_rate`; None when the file has no audio. `origin_seconds`: container time of the first
    presented video frame (table.first_pts * time_base)."""
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        sr = int(stream.codec_context.sample_rate or 48000)
        factor = max(1, sr // max(1, target_rate))
        duration = float(stream.duration * stream.time_base) if stream.duration else (
            container.duration / av.time_base if container.duration else 0.0)
        sink = _Sink(factor)
        origin = int(round(origin_seconds * sr))
        tb = stream.time_base
        num, den = tb.numerator * sr, tb.denominator
        mono = None
        try:
            for n, packet in enumerate(container.demux(stream)):
                for frame in packet.decode():
                    if frame.pts is None:
                        continue
                    if mono is None:  # per stream, not per frame: the Python per frame is most of the cost
                        mono = _mono_reader(frame)
                    sink.push(frame.pts * num // den - origin, mono(frame))
                if n % 256 == 0:
                    task.check("audio decoding")
                    if duration > 0:
                        task.report(min(1.0, sink.pos / sr / duration), "decoding audio")
        except av.error.FFmpegError as exc:
            raise MediaError(path, f"damaged audio data ({exc.strerror or exc})") from exc
    task.report(1.0, "decoding audio")
    return AudioTrack(sr / factor, sink.result())


def _mono_reader(first: av.AudioFrame):
    ch = len(first.layout.channels)
    if first.format.name == "fltp":  # AAC's output: the planes as they are
        if ch == 1:
            return lambda f: np.frombuffer(f.planes[0], np.float32, f.samples)
        return lambda f: np.mean([np.frombuffer(p, np.float32, f.samples) for p in f.planes[:ch]], axis=0,
                                 dtype=np.float32)

    def convert(f: av.AudioFrame) -> np.ndarray:
        data = f.to_ndarray()
        if data.dtype.kind == "i":
            data = data.astype(np.float32) / np.iinfo(data.dtype).max
        data = data.astype(np.float32, copy=False)
        if f.format.is_planar:
            return data.mean(axis=0) if data.shape[0] > 1 else data[0]
        return data.reshape(-1, ch).mean(axis=1) if ch > 1 else data.reshape(-1)
    return convert


class _Sink:
    """Frames placed from media time 0 and reduced in batches (memory stays small on long files): a gap becomes
    silence, an overlap (priming, a timestamp stepping back) is cut from the later frame, sound before time 0 is
    dropped."""

    BATCH = 1 << 18

    def __init__(self, factor: int):
        self.factor = factor
        self.weights = np.full(factor, 1.0 / factor, np.float32)
        self.pos = 0  # native samples placed
        self.parts: list[np.ndarray] = []
        self.held = 0
        self.out: list[np.ndarray] = []

    def push(self, at: int, x: np.ndarray) -> None:
        if at > self.pos:
            self._add(np.zeros(at - self.pos, np.float32))
        elif at < self.pos:
            x = x[self.pos - at:]
        if x.size:
            self._add(x)

    def _add(self, x: np.ndarray) -> None:
        self.parts.append(x)
        self.held += x.size
        self.pos += x.size
        if self.held >= self.BATCH:
            self._reduce()

    def _reduce(self, final: bool = False) -> None:
        if not self.parts:
            return
        buf = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        f = self.factor
        usable = buf.size // f * f
        # the block mean as a matrix-vector product (BLAS): several times faster than reshape + mean
        self.out.append(buf[:usable].reshape(-1, f) @ self.weights)
        rest = buf[usable:]
        self.parts, self.held = ([rest], rest.size) if rest.size and not final else ([], 0)

    def result(self) -> np.ndarray:
        self._reduce(final=True)
        return np.concatenate(self.out).astype(np.float32, copy=False) if self.out else np.zeros(0, np.float32)
