"""Band-limited onset envelope: what two cameras at one incident hear alike, whatever their level and noise.

Spectral flux in the speech and impulse band (300-1950 Hz): per 16 ms frame, the rise of log band energy over the
previous frame, summed over bins. Log energy makes it independent of each camera's gain; the floor (a fraction of
the recording's median band energy) keeps steady noise from making flux of its own; a moving mean is removed so a
loud passage does not outweigh the onsets in it, and the result is scaled to unit deviation. ADR 0019.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewer.media.audio_cache import AudioArrayCache
from reviewer.media.audio_track import AudioTrack
from reviewer.progress import NO_TASK, Task

RATE = 200.0  # envelope samples per media second (5 ms): a frame lasts 33-40 ms, and the peak is refined below
N_FFT = 64  # 16 ms at the 4 kHz the audio is reduced to
BAND = (300.0, 1950.0)
FLOOR = 0.1  # of the median band energy
DETREND_SECONDS = 0.5
BLOCK = 16384  # frames per FFT batch: memory stays flat on long files


@dataclass(frozen=True, eq=False)
class Envelope:
    values: np.ndarray  # float32; sample k at media time k / RATE
    rate: float = RATE

    @property
    def duration(self) -> float:
        return self.values.size / self.rate


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or x.size == 0:
        return np.zeros_like(x)
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    half = width // 2
    lo = np.clip(np.arange(x.size) - half, 0, x.size)
    hi = np.clip(np.arange(x.size) + half + 1, 0, x.size)
    return ((c[hi] - c[lo]) / (hi - lo)).astype(np.float32)


def onset_envelope(track: AudioTrack, task: Task = NO_TASK) -> Envelope:
    x = track.samples
    hop = max(1, int(round(track.rate / RATE)))
    frames = 0 if x.size < N_FFT else 1 + (x.size - N_FFT) // hop
    if frames < 2:
        return Envelope(np.zeros(0, np.float32))
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / track.rate)
    band = (freqs >= BAND[0]) & (freqs <= BAND[1])
    window = np.hanning(N_FFT).astype(np.float32)
    view = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::hop][:frames]
    energy = np.empty((frames, int(band.sum())), np.float32)
    for start in range(0, frames, BLOCK):
        task.check("onset envelope")
        spec = np.fft.rfft(view[start:start + BLOCK] * window, axis=1)[:, band]
        energy[start:start + BLOCK] = (spec.real ** 2 + spec.imag ** 2)
    floor = max(float(np.median(energy[::7])) * FLOOR, 1e-12)  # every 7th frame: as good, a fifth of the time
    logs = np.log(energy + floor)
    flux = np.maximum(np.diff(logs, axis=0), 0.0).sum(axis=1)
    flux = np.concatenate([[0.0], flux]).astype(np.float32)
    flux -= _moving_mean(flux, int(DETREND_SECONDS * track.rate / hop))
    # frame k is centred at (k * hop + N_FFT / 2) / rate: put it on the common RATE grid, so recordings of
    # different sample rates share one lag axis
    centres = (np.arange(frames) * hop + N_FFT / 2) / track.rate
    grid = np.arange(int(track.duration * RATE)) / RATE
    values = np.interp(grid, centres, flux).astype(np.float32)
    sd = float(values.std())
    if sd > 0:
        values = (values - float(values.mean())) / sd
    return Envelope(values.astype(np.float32, copy=False))


FORMAT_VERSION = 1


class EnvelopeCache(AudioArrayCache):
    """Onset envelopes on disk under `root`, keyed by SHA-256: aligning again after a camera is added or a pair
    nudged is a matter of milliseconds."""

    suffix = f".onset-v{FORMAT_VERSION}.npz"
    what = "onset envelope cache"

    def decode(self, data) -> Envelope:
        values = np.asarray(data["values"], np.float32)
        rate = float(data["rate"])
        if values.ndim != 1 or rate != RATE:
            raise ValueError("bad shape or rate")
        return Envelope(values, rate)

    def encode(self, env: Envelope | None) -> dict:
        return {"rate": np.array(RATE), "values": env.values if env is not None else np.zeros(0, np.float32)}
