"""Peak envelope of a recording's first audio stream, for the timeline's waveform lane.

One (min, max) pair per bucket of about 5 ms of media time, where media time 0 is the first presented video
frame (the player's clock), so bucket k sits under the frames it sounds with. Computed by streaming the audio
once (memory stays flat on hour-long files) and cached on disk keyed by the file's SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from reviewer.errors import MediaError
from reviewer.media.audio_cache import AudioArrayCache
from reviewer.media.probe import open_container
from reviewer.progress import NO_TASK, Task

TARGET_BUCKETS_PER_SECOND = 200
FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class Waveform:
    rate: float  # buckets per media second
    peaks: np.ndarray  # (n, 2) float32: min and max sample of each bucket, in [-1, 1]

    @property
    def duration(self) -> float:
        return len(self.peaks) / self.rate

    def columns(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Min and max over each media-time interval [edges[i], edges[i+1]) (edges ascending, e.g. one interval
        per pixel column); a column narrower than a bucket shows its bucket, and 0 where there is no sound."""
        n = len(self.peaks)
        k = np.clip(np.floor(np.asarray(edges, np.float64) * self.rate).astype(np.int64), 0, n)
        lo = np.zeros(len(k) - 1, np.float32)
        hi = np.zeros(len(k) - 1, np.float32)
        m = int(np.count_nonzero(k[:-1] < n))  # columns that start inside the sound (a prefix: k ascends)
        if m:
            starts = k[:m]
            end = min(n, max(int(k[m]), int(starts[-1]) + 1))
            # reduceat sums each slice starts[j]:starts[j+1] (the last runs to `end`); equal starts give the
            # bucket itself, which is what a sub-bucket column should show
            lo[:m] = np.minimum.reduceat(self.peaks[:end, 0], starts)
            hi[:m] = np.maximum.reduceat(self.peaks[:end, 1], starts)
        return lo, hi


def compute_waveform(path: Path, origin_seconds: float, task: Task = NO_TASK) -> Waveform | None:
    """Stream the first audio stream of `path` into peaks; None when it has no audio. `origin_seconds` is the
    container time of the first presented video frame (table.first_pts * time_base)."""
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        sr = int(stream.codec_context.sample_rate or 48000)
        per = max(1, sr // TARGET_BUCKETS_PER_SECOND)  # whole samples per bucket, so buckets never drift
        rate = sr / per
        duration = float(stream.duration * stream.time_base) if stream.duration else (
            container.duration / av.time_base if container.duration else 0.0)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        chunks: list[np.ndarray] = []
        carry = np.zeros(0, np.float32)
        written = 0  # samples consumed into buckets or carry, counted from media time 0
        try:
            for packet in container.demux(stream):
                task.check("waveform")
                for frame in packet.decode():
                    if frame.pts is None:
                        continue
                    t0 = float(frame.pts * frame.time_base) - origin_seconds
                    for out in resampler.resample(frame):
                        data = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                        at = int(round(t0 * sr))
                        if at < 0:  # sound before the first picture is not on the timeline
                            data = data[min(len(data), -at):]
                            at = 0
                        pos = written + len(carry)
                        if at > pos + per:  # a gap in the audio: silence keeps later sound in place
                            data = np.concatenate([np.zeros(at - pos, np.float32), data])
                        carry = np.concatenate([carry, data])
                        whole = len(carry) // per * per
                        if whole:
                            block = carry[:whole].reshape(-1, per)
                            chunks.append(np.stack([block.min(axis=1), block.max(axis=1)], axis=1))
                            carry = carry[whole:]
                            written += whole
                        t0 += out.samples / sr
                if duration > 0:
                    task.report(min(1.0, written / sr / duration), "audio waveform")
        except av.error.FFmpegError as exc:
            raise MediaError(path, f"damaged audio data ({exc.strerror or exc})") from exc
        if len(carry):
            chunks.append(np.array([[carry.min(), carry.max()]], np.float32))
    peaks = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
    task.report(1.0, "audio waveform")
    return Waveform(rate, np.clip(peaks, -1.0, 1.0).astype(np.float32))


class WaveformCache(AudioArrayCache):
    """Waveforms on disk under `root`, keyed by SHA-256."""

    suffix = f".v{FORMAT_VERSION}.npz"
    what = "waveform cache"

    def decode(self, data) -> Waveform:
        peaks = np.asarray(data["peaks"], np.float32)
        rate = float(data["rate"])
        if peaks.ndim != 2 or peaks.shape[1] != 2 or not rate > 0:
            raise ValueError("bad shape")
        return Waveform(rate, peaks)

    def encode(self, wf: Waveform | None) -> dict:
        if wf is None:
            return {"rate": np.array(0.0), "peaks": np.zeros((0, 2), np.float32)}
        return {"rate": np.array(wf.rate), "peaks": wf.peaks}

    def get_or_compute(self, sha256: str, path: Path, origin_seconds: float, task: Task = NO_TASK) -> Waveform | None:
        try:
            return self.load(sha256)
        except KeyError:
            pass
        wf = compute_waveform(path, origin_seconds, task)
        self.save(sha256, wf)
        return wf
