"""The composite's sound follows its camera's clock drift (ADR 0024): output sample j is the recording's nearest
sample to j * (1 + drift), so a 50 ppm camera stays within half a sample of its pictures instead of drifting
3 ms a minute; every other sample is the recording's own."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.export.composite_encode import SoundPlan, on_incident_clock

RATE = 48_000


def ramp_chunks(n: int, sizes=(1024, 333, 4096, 7)):
    """Two channels whose every sample holds its own index: the output says which source sample it is."""
    at, k = 0, 0
    while at < n:
        size = min(sizes[k % len(sizes)], n - at)
        idx = np.arange(at, at + size, dtype=np.float64)
        yield np.stack([idx, -idx]).astype(np.float64)
        at, k = at + size, k + 1


@pytest.mark.parametrize("ppm", [50.0, -50.0, 17.3])
def test_a_minute_of_sound_ends_on_the_incident_clock_not_3_ms_off(ppm):
    ratio = 1 + ppm * 1e-6
    seconds = 60
    total = seconds * RATE  # the copy's length: one minute of incident time
    source = int(round(total * ratio))  # the camera recorded this many samples in that minute
    out = np.concatenate(list(on_incident_clock(ramp_chunks(source), ratio, total)), axis=1)
    assert out.shape == (2, total)
    want = np.rint(np.arange(total) * ratio)
    assert np.array_equal(out[0], want) and np.array_equal(out[1], -want)
    # without it the sound would end this far from its tile: 144 samples = 3 ms a minute at 50 ppm
    assert abs(source - total) == pytest.approx(abs(ppm) * 60 * RATE * 1e-6, abs=1)
    # with it, each output sample is the source sample nearest its incident instant (within half a sample) ...
    assert np.abs(out[0] - np.arange(total) * ratio).max() <= 0.5
    # ... and only one in 1e6/ppm is a repeat (slow clock) or a skip (fast clock): the rest run on unchanged
    steps = np.diff(out[0])
    unusual = int(np.count_nonzero(steps != 1))
    assert unusual == pytest.approx(abs(ppm) * 1e-6 * total, abs=1)
    assert set(np.unique(steps)) <= ({1.0, 2.0} if ppm > 0 else {0.0, 1.0})


def test_sound_that_ends_early_is_padded_with_silence_to_the_copys_length():
    out = np.concatenate(list(on_incident_clock(ramp_chunks(1000), 1.00005, 2000)), axis=1)
    assert out.shape == (2, 2000) and not out[:, 1001:].any()


def test_mute_spans_are_moved_onto_the_incident_clock():
    plan = SoundPlan("k", None, 100.0, 700.03, ((400.0, 400.5, "mute"),), rate=1.00005)
    [(a, b, mode)] = plan.spans_out()
    assert mode == "mute" and a == pytest.approx(300 / 1.00005) and b - a == pytest.approx(0.5 / 1.00005)
    assert a == pytest.approx(300 - 0.015, abs=1e-4)  # 15 ms earlier than the recording's own time says
