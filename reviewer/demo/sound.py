"""The demo soundtrack: street ambience, the wearer's footsteps, a passing two-tone siren, voices, and the street's
own sounds (a car horn, a slammed door, a shout) that every camera there hears at the same world moment: what audio
alignment (reviewer/incident) finds the cameras' true offsets by.

All of it is synthesised with numpy from a seed; spectral shaping happens in the frequency domain, so a minute of
48 kHz audio takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 48_000


@dataclass(frozen=True)
class SoundPlan:
    seconds: float
    seed: int
    step_times: np.ndarray  # seconds at which a foot lands
    siren: tuple[float, float] | None  # (start_s, end_s) of a siren passing in the distance
    speech: tuple[tuple[float, float, float, float], ...]  # (start_s, end_s, pitch_hz, loudness 0..1)
    # street sounds: (start_s, which of STREET_SOUNDS, level 0..1, the event's seed: the same in every camera)
    heard: tuple[tuple[float, int, float, int], ...] = ()


def _shaped_noise(rng: np.random.Generator, n: int, exponent: float, low_hz: float, high_hz: float) -> np.ndarray:
    """Noise with a 1/f**exponent spectrum between two corner frequencies, normalised to unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    gain = 1.0 / np.maximum(f, 1.0) ** exponent
    gain *= 1.0 / (1.0 + (low_hz / np.maximum(f, 1e-3)) ** 4)  # high-pass: no DC thump
    gain *= 1.0 / (1.0 + (f / high_hz) ** 4)
    out = np.fft.irfft(spec * gain, n)
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def _slow_envelope(rng: np.random.Generator, n: int, rate_hz: float, depth: float) -> np.ndarray:
    """A gently varying gain (traffic swelling and fading) between 1 - depth and 1."""
    knots = rng.uniform(1 - depth, 1.0, size=int(n / RATE * rate_hz) + 3)
    return np.interp(np.arange(n) / RATE * rate_hz, np.arange(knots.size), knots)


def _footsteps(rng: np.random.Generator, n: int, times: np.ndarray) -> np.ndarray:
    out = np.zeros(n)
    length = int(0.09 * RATE)
    t = np.arange(length) / RATE
    for when in times:
        start = int(when * RATE)
        if start >= n:
            break
        grit = rng.standard_normal(length) * np.exp(-t / 0.012)
        thump = np.sin(2 * np.pi * 85 * t) * np.exp(-t / 0.03) * 1.6
        click = (grit * 0.6 + thump) * rng.uniform(0.7, 1.0)
        end = min(n, start + length)
        out[start:end] += click[: end - start]
    return out


def _siren(n: int, start: float, end: float) -> np.ndarray:
    """A two-tone siren alternating every 0.55 s, swelling as it passes and fading out."""
    t = np.arange(n) / RATE
    inside = (t >= start) & (t <= end)
    hi = (np.floor((t - start) / 0.55) % 2) == 0
    freq = np.where(hi, 950.0, 725.0)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    tone = np.sin(phase) + 0.35 * np.sin(3 * phase) + 0.15 * np.sin(5 * phase)
    mid, half = (start + end) / 2, max((end - start) / 2, 1e-3)
    env = np.clip(1 - np.abs(t - mid) / half, 0, 1) ** 1.6
    return np.where(inside, tone * env, 0.0)


def _horn(rng: np.random.Generator) -> np.ndarray:
    """A car horn: two detuned reeds, sharp attack, 0.25-0.5 s."""
    t = np.arange(int(rng.uniform(0.25, 0.5) * RATE)) / RATE
    f = rng.uniform(380, 460)
    tone = sum(np.sign(np.sin(2 * np.pi * f * r * t)) * 0.5 ** k for k, r in enumerate((1.0, 1.26)))
    return tone * np.minimum(1, t / 0.004) * np.minimum(1, (t[-1] - t) / 0.02)


def _slam(rng: np.random.Generator) -> np.ndarray:
    """A door slammed or a bin knocked over: a broadband crack with a short ring."""
    t = np.arange(int(0.3 * RATE)) / RATE
    crack = rng.standard_normal(t.size) * np.exp(-t / 0.02)
    ring = np.sin(2 * np.pi * rng.uniform(500, 900) * t) * np.exp(-t / 0.06)
    return (1.4 * crack + ring) / 1.5


def _shout(rng: np.random.Generator) -> np.ndarray:
    """A short shout from across the street: two loud syllables."""
    n = int(0.8 * RATE)
    return 1.3 * _speech(rng, n, 0.0, 0.7, rng.uniform(210, 260)) / 1.5


STREET_SOUNDS = (_horn, _slam, _shout)


def street_sound(which: int, seed: int) -> np.ndarray:
    """One street sound, the same samples in every camera that hears it (seeded by the event, not the camera)."""
    return STREET_SOUNDS[which](np.random.default_rng(seed))


VOWELS = [(730, 1090, 2440), (530, 1840, 2480), (270, 2290, 3010), (570, 840, 2410), (440, 1020, 2240),
          (660, 1720, 2410)]


def _speech(rng: np.random.Generator, n: int, start: float, end: float, pitch: float) -> np.ndarray:
    """Speech-like sound: a glottal buzz through vowel formants, in syllables of 120-300 ms with pauses."""
    out = np.zeros(n)
    t = start
    while t < end:
        dur = float(rng.uniform(0.12, 0.3))
        a, b = int(t * RATE), min(n, int((t + dur) * RATE))
        if b <= a:
            break
        m = b - a
        tt = np.arange(m) / RATE
        f0 = pitch * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(1, 3) * tt + rng.uniform(0, 6)))
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        formants = VOWELS[int(rng.integers(len(VOWELS)))]
        syl = np.zeros(m)
        for k in range(1, 28):
            fk = k * pitch
            if fk > 4000:
                break
            amp = sum(np.exp(-((fk - F) / (80 + 0.08 * F)) ** 2) for F in formants) / k**0.5
            syl += amp * np.sin(k * phase)
        syl /= np.sqrt(np.mean(syl**2)) + 1e-9  # vowels differ in raw energy; speakers do not
        env = np.sin(np.pi * tt / (m / RATE)) ** 0.6
        out[a:b] += syl * env
        t += dur + (float(rng.uniform(0.25, 0.6)) if rng.random() < 0.22 else float(rng.uniform(0.02, 0.07)))
    return out


def synthesise(plan: SoundPlan) -> np.ndarray:
    """Mono float32 samples in [-1, 1] at RATE for the whole recording."""
    rng = np.random.default_rng(plan.seed)
    n = int(round(plan.seconds * RATE))
    traffic = _shaped_noise(rng, n, 1.0, 40, 2500) * _slow_envelope(rng, n, 0.25, 0.6)
    air = _shaped_noise(rng, n, 0.3, 200, 9000)
    mix = 0.05 * traffic + 0.012 * air
    mix += 0.11 * _footsteps(rng, n, plan.step_times)
    if plan.siren is not None:
        mix += 0.08 * _siren(n, *plan.siren)
    for start, end, pitch, loud in plan.speech:
        mix += 0.07 * loud * _speech(rng, n, start, end, pitch)
    for start, which, level, seed in plan.heard:
        _add_at(mix, 0.3 * level * street_sound(which, seed), start)
    peak = float(np.max(np.abs(mix))) if n else 0.0
    if peak > 0.95:
        mix *= 0.95 / peak
    return mix.astype(np.float32)


def _add_at(mix: np.ndarray, sound: np.ndarray, start: float) -> None:
    """Add `sound` into `mix` from `start` seconds (a sound that began before the recording is heard from its
    middle; one that runs past the end is cut)."""
    a = int(round(start * RATE))
    lo, hi = max(0, a), min(mix.size, a + sound.size)
    if hi > lo:
        mix[lo:hi] += sound[lo - a:hi - a]


def step_times_from_phase(phase: np.ndarray, fps: float) -> np.ndarray:
    """A foot lands each time the stride phase passes a multiple of pi (two steps per stride)."""
    steps = np.floor(phase / np.pi)
    idx = np.flatnonzero(np.diff(steps) > 0) + 1
    return idx / fps
