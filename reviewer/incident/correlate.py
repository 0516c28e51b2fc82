"""Where recording B's sound sits in recording A's: FFT cross-correlation of two onset envelopes, normalised
per lag over the overlapping part, searched over a window around the lag the camera clocks predict, the peak
refined to a fraction of an envelope sample, and a confidence from how far the peak stands above the rest.

Lag convention: `lag` (seconds) = media time in A minus media time in B of the same sound, i.e. how much later B
started than A (s_B - s_A on one clock). ADR 0019.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reviewer.incident.onset import Envelope

MIN_OVERLAP_SECONDS = 5.0
EXCLUDE_SECONDS = 0.3  # around the peak, when measuring the side lobes
DRIFT_WINDOW_SECONDS = 60.0
MIN_DRIFT_SPAN_SECONDS = 120.0  # shorter overlaps: drift below 50 ppm moves the lag by under 3 ms, not measurable
DRIFT_SEARCH_SECONDS = 0.5


@dataclass(frozen=True)
class Peak:
    lag: float  # seconds
    ncc: float  # normalised correlation at the peak (-1..1)
    psr: float  # peak-to-side-lobe ratio: (peak - mean of the rest) / deviation of the rest
    second: float  # the best normalised correlation away from the peak


@dataclass(frozen=True)
class PairMeasure:
    peak: Peak
    lag0: float  # lag at A's media time 0 (drift removed when measured)
    slope: float | None  # d lag / d (A's media time): drift of A relative to B (rho_A - rho_B); None: not measured


def _next_pow2(n: int) -> int:
    return 1 << max(1, (n - 1).bit_length())


def _ncc_all(a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised correlation for every integer lag k in lo..hi (samples): sum a[n] b[n-k] over the overlap,
    divided by the energies of both over that overlap. Returns (ncc, overlap length)."""
    na, nb = a.size, b.size
    n = _next_pow2(na + nb)
    fa = np.fft.rfft(a.astype(np.float64), n)
    fb = np.fft.rfft(b.astype(np.float64), n)
    full = np.fft.irfft(fa * np.conj(fb), n)
    ks = np.arange(lo, hi + 1)
    raw = full[ks % n]
    # overlap of a[k : k + nb] with a's range, in a's indices: [max(0,k), min(na, nb+k))
    ca = np.concatenate([[0.0], np.cumsum(a.astype(np.float64) ** 2)])
    cb = np.concatenate([[0.0], np.cumsum(b.astype(np.float64) ** 2)])
    a0 = np.clip(ks, 0, na)
    a1 = np.clip(nb + ks, 0, na)
    ea = ca[a1] - ca[a0]
    eb = cb[np.clip(a1 - ks, 0, nb)] - cb[np.clip(a0 - ks, 0, nb)]
    overlap = np.maximum(0, a1 - a0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ncc = np.where((ea > 0) & (eb > 0), raw / np.sqrt(ea * eb), 0.0)
    return ncc, overlap


def _refine(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the peak at index i: the vertex of the parabola through it and its neighbours."""
    if 0 < i < y.size - 1:
        l, c, r = float(y[i - 1]), float(y[i]), float(y[i + 1])
        den = l - 2 * c + r
        if den < 0:
            return i + max(-0.5, min(0.5, 0.5 * (l - r) / den))
    return float(i)


def find_peak(a: Envelope, b: Envelope, centre: float, search: float | None) -> Peak | None:
    """The best lag within centre +- search seconds (None: every lag with enough overlap); None when the two
    cannot overlap by MIN_OVERLAP_SECONDS anywhere in that window."""
    rate = a.rate
    min_overlap = int(MIN_OVERLAP_SECONDS * rate)
    lo_all, hi_all = -(b.values.size - min_overlap), a.values.size - min_overlap
    if search is None:
        lo, hi = lo_all, hi_all
    else:
        lo = max(lo_all, int(math.floor((centre - search) * rate)))
        hi = min(hi_all, int(math.ceil((centre + search) * rate)))
    if hi - lo < 2:
        return None
    ncc, overlap = _ncc_all(a.values, b.values, lo, hi)
    ncc = np.where(overlap >= min_overlap, ncc, 0.0)
    i = int(np.argmax(ncc))
    peak = float(ncc[i])
    away = np.abs(np.arange(ncc.size) - i) > int(EXCLUDE_SECONDS * rate)
    rest = ncc[away & (overlap >= min_overlap)]
    if rest.size >= 8:
        sd = float(rest.std())
        psr = (peak - float(rest.mean())) / sd if sd > 0 else 0.0
        second = float(rest.max())
    else:
        psr, second = 0.0, 0.0
    return Peak((lo + _refine(ncc, i)) / rate, peak, psr, second)


def _window(env: Envelope, start: float, seconds: float) -> tuple[Envelope, float]:
    """The envelope from about `start` for `seconds`, and the media time where it really starts (a whole sample:
    using the asked-for time instead would bias the lag by up to a sample)."""
    i0 = max(0, int(round(start * env.rate)))
    return Envelope(env.values[i0:i0 + int(seconds * env.rate)], env.rate), i0 / env.rate


def measure(a: Envelope, b: Envelope, centre: float, search: float | None) -> PairMeasure | None:
    """The lag of B in A, and when they overlap long enough, how it changes along A (drift): the lag is measured
    again in a window at each end of the overlap, and the line through the two gives the lag at A's start."""
    peak = find_peak(a, b, centre, search)
    if peak is None:
        return None
    # the overlap in A's media time, at the found lag
    o1, o2 = max(0.0, peak.lag), min(a.duration, b.duration + peak.lag)
    span = o2 - o1
    if span < MIN_DRIFT_SPAN_SECONDS:
        return PairMeasure(peak, peak.lag, None)
    w = min(DRIFT_WINDOW_SECONDS, span / 2)
    ends = []
    for asked in (o1, o2 - w):
        wa, start = _window(a, asked, w)
        # B over the same sound, with room for the lag to move: B's media time = A's - lag
        pad = DRIFT_SEARCH_SECONDS + 1.0
        wb, b0 = _window(b, max(0.0, start - peak.lag - pad), w + 2 * pad)
        # in the windows' own times: lag' = lag - (start - b0)
        p = find_peak(wa, wb, peak.lag - start + b0, DRIFT_SEARCH_SECONDS)
        if p is None:
            return PairMeasure(peak, peak.lag, None)
        ends.append((start + w / 2, p.lag + start - b0))
    (t1, l1), (t2, l2) = ends
    slope = (l2 - l1) / (t2 - t1)
    return PairMeasure(peak, l1 - slope * t1, slope)
