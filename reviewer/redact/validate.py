"""What a mask must be to be stored: the rules every write obeys, whether it comes from the editor or a file.

Minimum effect strength (docs/decisions/0007): a pixelate block of at least max(8 px, 1/10 of the region's short
side); a blur of at least 10 (% of the short side, so its kernel is at least as wide as that block); solid fill
always. The short side used is the largest the region reaches between its keyframes (interpolation never makes
a box wider or taller than its widest or tallest keyframe), so the rule holds on every frame, not just keyframes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reviewer.errors import ReviewerError
from reviewer.redact.interpolate import bounds
from reviewer.redact.model import EffectKind, MaskTrack, PtsRange

MAX_VERTICES = 512
MIN_PIXEL_BLOCK = 8
PIXEL_BLOCK_SHARE = 10  # block >= short side / 10
MIN_BLUR_PERCENT = 10
MAX_PADDING = 1.0
# masks may hang over the frame's edge, but not absurdly: beyond this the rasteriser's fixed-point maths breaks
COORD_MARGIN = 1.0  # in frame sizes either side
BLACKOUT_MODES = ("black",)
AUDIO_MODES = ("mute", "bleep")


class MaskError(ReviewerError, ValueError):
    """A mask that may not be stored; the message names the mask and the problem."""


@dataclass(frozen=True)
class Bounds:
    """What a recording allows: its picture size, its first and last frame's pts, and its frame count."""

    width: int
    height: int
    first_pts: int
    last_pts: int
    frames: int


def _name(track: MaskTrack) -> str:
    return f"mask '{track.label}' ({track.id})" if track.label else f"mask {track.id}"


def min_pixel_block(short_side: float) -> int:
    return max(MIN_PIXEL_BLOCK, math.ceil(short_side / PIXEL_BLOCK_SHARE))


def largest_short_side(track: MaskTrack, b: Bounds) -> float:
    if track.inverse:  # everything but the shape is redacted: the region is the frame
        return float(min(b.width, b.height))
    grow = 1.0 + 2.0 * max(0.0, track.padding)
    w = max((bounds(k.points)[2] - bounds(k.points)[0]) for k in track.keyframes) * grow
    h = max((bounds(k.points)[3] - bounds(k.points)[1]) for k in track.keyframes) * grow
    return min(w, h, float(b.width), float(b.height))


def strength_problem(track: MaskTrack, b: Bounds) -> str | None:
    e = track.effect
    if e.kind is EffectKind.PIXELATE:
        need = min_pixel_block(largest_short_side(track, b))
        if e.strength < need:
            return (f"pixelate block {e.strength} px is too weak for this region: at least {need} px "
                    f"(max of {MIN_PIXEL_BLOCK} px and 1/{PIXEL_BLOCK_SHARE} of its short side)")
    elif e.kind is EffectKind.BLUR and e.strength < MIN_BLUR_PERCENT:
        return f"blur strength {e.strength} is too weak: at least {MIN_BLUR_PERCENT} (% of the region's short side)"
    return None


def check_track(track: MaskTrack, b: Bounds) -> None:
    """Raise MaskError unless `track` may be stored for a recording with bounds `b`."""
    who = _name(track)
    if not track.keyframes:
        raise MaskError(f"{who}: has no keyframes (at least one is needed)")
    if len(track.keyframes) > b.frames:
        raise MaskError(f"{who}: {len(track.keyframes)} keyframes for a recording of {b.frames} frames")
    if not (math.isfinite(track.padding) and 0.0 <= track.padding <= MAX_PADDING):
        raise MaskError(f"{who}: padding must be a number from 0 to {MAX_PADDING:g}, got {track.padding!r}")
    lo_x, hi_x = -COORD_MARGIN * b.width, (1 + COORD_MARGIN) * b.width
    lo_y, hi_y = -COORD_MARGIN * b.height, (1 + COORD_MARGIN) * b.height
    for k in track.keyframes:
        where = f"{who}, keyframe at pts {k.pts}"
        if not b.first_pts <= k.pts <= b.last_pts:
            raise MaskError(f"{where}: pts is outside the recording ({b.first_pts} to {b.last_pts})")
        if len(k.points) > MAX_VERTICES:
            raise MaskError(f"{where}: {len(k.points)} points (at most {MAX_VERTICES})")
        for x, y in k.points:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise MaskError(f"{where}: coordinates must be finite numbers, got ({x!r}, {y!r})")
            if not (lo_x <= x <= hi_x and lo_y <= y <= hi_y):
                raise MaskError(f"{where}: point ({x:g}, {y:g}) is far outside the {b.width}x{b.height} picture")
        x0, y0, x1, y1 = bounds(k.points)
        if not (x1 > x0 and y1 > y0):
            raise MaskError(f"{where}: the shape has no area (width {x1 - x0:g}, height {y1 - y0:g})")
    problem = strength_problem(track, b)
    if problem:
        raise MaskError(f"{who}: {problem}")


def check_range(kind: str, r: PtsRange, b: Bounds) -> None:
    modes = BLACKOUT_MODES if kind == "blackout" else AUDIO_MODES
    if r.mode not in modes:
        raise MaskError(f"{kind} range {r.id}: mode must be {' or '.join(modes)}, got {r.mode!r}")
    if not (b.first_pts <= r.start_pts <= r.end_pts <= b.last_pts):
        raise MaskError(f"{kind} range {r.id}: pts {r.start_pts} to {r.end_pts} is outside the recording "
                        f"({b.first_pts} to {b.last_pts}) or ends before it starts")
