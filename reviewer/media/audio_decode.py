"""Audio for the player: decode the first audio stream from a media time on, as interleaved signed 16-bit PCM
at the output device's rate and channel count, pitch-corrected with FFmpeg's atempo away from 1x.

Media time 0 is the first presented video frame, so audio and video share one clock. Audio that starts after the
requested time is preceded by silence, so the bytes handed out always begin exactly at the requested time.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import av

from reviewer.errors import MediaError
from reviewer.media.probe import open_container

MIN_SPEED, MAX_SPEED = 0.1, 4.0


def atempo_chain(speed: float) -> list[float]:
    """Factors within atempo's well-behaved 0.5..2.0 range whose product is `speed`."""
    if not MIN_SPEED - 1e-9 <= speed <= MAX_SPEED + 1e-9:
        raise ValueError(f"speed {speed} is outside {MIN_SPEED}..{MAX_SPEED}")
    factors = []
    rest = speed
    while rest > 2.0 + 1e-9:
        factors.append(2.0)
        rest /= 2.0
    while rest < 0.5 - 1e-9:
        factors.append(0.5)
        rest /= 0.5
    if abs(rest - 1.0) > 1e-9 or not factors:
        factors.append(rest)
    return [f for f in factors if abs(f - 1.0) > 1e-9]


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


class AudioDecoder:
    """One open file. `pcm()` may be called again (after a seek or speed change); each call seeks afresh."""

    def __init__(self, path: str | Path, *, out_rate: int, out_channels: int, origin_seconds: float):
        """`origin_seconds`: container time of the first presented video frame (table.first_pts * time_base)."""
        self.path = Path(path)
        self.out_rate = int(out_rate)
        self.out_channels = int(out_channels)
        self.origin = float(origin_seconds)
        self.bytes_per_second = self.out_rate * self.out_channels * 2
        self._cm = open_container(self.path)
        self._container = self._cm.__enter__()
        if not self._container.streams.audio:
            self.close()
            raise MediaError(self.path, "has no audio stream")
        self._stream = self._container.streams.audio[0]

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def __enter__(self) -> "AudioDecoder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _graph(self, speed: float) -> av.filter.Graph:
        g = av.filter.Graph()
        nodes = [g.add_abuffer(template=self._stream)]
        for f in atempo_chain(speed):
            nodes.append(g.add("atempo", f"{f:.6f}"))
        nodes.append(g.add("aformat", sample_fmts="s16", sample_rates=str(self.out_rate),
                           channel_layouts=_layout(self.out_channels)))
        nodes.append(g.add("abuffersink"))
        g.link_nodes(*nodes).configure()
        return g

    def pcm(self, start: float, speed: float = 1.0, stop: Callable[[], bool] = lambda: False) -> Iterator[bytes]:
        """Interleaved s16 bytes from media time `start` at `speed`; yields chunks until the stream ends or
        `stop()` turns true. One output second covers `speed` media seconds."""
        stream = self._stream
        tb = stream.time_base or Fraction(1, stream.codec_context.sample_rate or 48000)
        target = self.origin + max(0.0, start)
        try:
            self._container.seek(max(0, int(math.floor(target / tb))), stream=stream, backward=True)
        except av.error.FFmpegError as exc:
            raise MediaError(self.path, f"audio seek failed ({exc.strerror or exc})") from exc
        graph = self._graph(speed)
        frame_bytes = 2 * self.out_channels
        skip = None  # output bytes still to discard before `start`
        try:
            for packet in self._container.demux(stream):
                if stop():
                    return
                for frame in packet.decode():
                    if skip is None:
                        t0 = float(frame.pts * tb) if frame.pts is not None else target
                        lead = (target - t0) / speed  # output seconds to drop (>0) or fill with silence (<0)
                        n = int(round(abs(lead) * self.out_rate)) * frame_bytes
                        if lead < 0 and n:
                            yield bytes(n)
                        skip = n if lead > 0 else 0
                    graph.push(frame)
                    for chunk in self._drain(graph):
                        if skip:
                            cut = min(skip, len(chunk))
                            chunk, skip = chunk[cut:], skip - cut
                        if chunk:
                            yield chunk
            graph.push(None)
            for chunk in self._drain(graph):
                if skip:
                    cut = min(skip, len(chunk))
                    chunk, skip = chunk[cut:], skip - cut
                if chunk:
                    yield chunk
        except av.error.FFmpegError as exc:
            raise MediaError(self.path, f"damaged audio data ({exc.strerror or exc})") from exc

    @staticmethod
    def _drain(graph: av.filter.Graph) -> Iterator[bytes]:
        while True:
            try:
                out = graph.pull()
            except (BlockingIOError, av.error.EOFError):
                return
            yield bytes(out.planes[0])[: out.samples * 2 * len(out.layout.channels)]
