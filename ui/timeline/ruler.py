"""Ruler arithmetic for the timeline: a readable tick spacing for a duration drawn over some pixels."""

from __future__ import annotations

import math

NICE_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def tick_step(duration: float, width_px: float, min_px: float = 80.0) -> float:
    """The smallest nice step (seconds) whose ticks are at least `min_px` apart."""
    if duration <= 0 or width_px <= 0:
        return NICE_STEPS[-1]
    for step in NICE_STEPS:
        if step / duration * width_px >= min_px:
            return float(step)
    return float(NICE_STEPS[-1])


def ticks(duration: float, width_px: float, min_px: float = 80.0) -> list[float]:
    step = tick_step(duration, width_px, min_px)
    n = int(math.floor(duration / step + 1e-9))
    return [round(i * step, 6) for i in range(n + 1)]


def tick_label(seconds: float, step: float) -> str:
    """'1:05', '1:02:05', or '0:04.5' when the step is below a second."""
    whole = int(seconds + 1e-9)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if step < 1:
        text += f".{int(round((seconds - whole) * 10)) % 10}"
    return text
