"""Measurements of how obscured a region is, taken on the luma plane. Used on the source during the export
and on the decoded output by the leak check, so both sides are measured the same way."""

from __future__ import annotations

import cv2
import numpy as np

from reviewer.redact.effects import Region
from reviewer.redact.model import Effect, EffectKind
from reviewer.redact.planes import rgb_to_yuv

EDGE = 4  # px of the region's rim left out: codecs ring at the mask boundary


def interior(region: Region, exclude: list[tuple[int, int, int, int]] = ()) -> np.ndarray:
    m = region.mask.astype(np.uint8)
    m = cv2.erode(m, np.ones((2 * EDGE + 1, 2 * EDGE + 1), np.uint8)).astype(bool)
    for x0, y0, x1, y1 in exclude:
        a, b = max(0, x0 - region.x0), max(0, y0 - region.y0)
        c, d = min(m.shape[1], x1 - region.x0), min(m.shape[0], y1 - region.y0)
        if c > a and d > b:
            m[b:d, a:c] = False
    return m


def visible_interiors(regions: list[Region], exclude: list[tuple[int, int, int, int]] = ()) -> list[np.ndarray]:
    """For each region (in the order effects are applied), the interior pixels where it is the top-most
    effect: later regions paint over earlier ones, and their rims add edges that are not leaks."""
    inners = [interior(r, exclude) for r in regions]
    grow = np.ones((2 * EDGE + 1, 2 * EDGE + 1), np.uint8)
    for k, r in enumerate(regions):
        for later in regions[k + 1:]:
            x0, y0 = max(r.x0, later.x0 - EDGE), max(r.y0, later.y0 - EDGE)
            x1, y1 = min(r.x1, later.x1 + EDGE), min(r.y1, later.y1 + EDGE)
            if x1 <= x0 or y1 <= y0:
                continue
            cover = np.zeros((later.y1 - later.y0 + 2 * EDGE, later.x1 - later.x0 + 2 * EDGE), np.uint8)
            cover[EDGE:-EDGE, EDGE:-EDGE] = later.mask
            cover = cv2.dilate(cover, grow).astype(bool)
            cy, cx = y0 - (later.y0 - EDGE), x0 - (later.x0 - EDGE)
            inners[k][y0 - r.y0:y1 - r.y0, x0 - r.x0:x1 - r.x0] &= ~cover[cy:cy + y1 - y0, cx:cx + x1 - x0]
    return inners


def fine_detail(y: np.ndarray, region: Region, inner: np.ndarray) -> float:
    crop = y[region.y0:region.y1, region.x0:region.x1]
    if not inner.any():
        return 0.0
    lap = cv2.Laplacian(crop, cv2.CV_32F)
    return float(lap[inner].var())


def block_spread(y: np.ndarray, region: Region, inner: np.ndarray, block: int) -> float:
    """Mean standard deviation inside whole pixelation blocks (aligned to the region's box) that lie in the
    interior: near zero when pixelated, large when the original detail survives."""
    crop = y[region.y0:region.y1, region.x0:region.x1].astype(np.float32)
    h, w = crop.shape
    bh, bw = h // block, w // block
    if bh == 0 or bw == 0:
        return 0.0
    c = crop[:bh * block, :bw * block].reshape(bh, block, bw, block)
    full = inner[:bh * block, :bw * block].reshape(bh, block, bw, block).all(axis=(1, 3))
    if not full.any():
        return 0.0
    # trim 1 px of each block: the codec blurs block edges into their neighbours
    core = c[:, 1:-1, :, 1:-1] if block > 3 else c
    std = core.std(axis=(1, 3))
    return float(std[full].mean())


def solid_error(y: np.ndarray, u: np.ndarray, v: np.ndarray, region: Region, inner: np.ndarray,
                color: tuple[int, int, int]) -> float:
    """95th percentile of |pixel - fill| over the interior, worst of the three planes."""
    if not inner.any():
        return 0.0
    ty, tu, tv = rgb_to_yuv(color)
    ys = y[region.y0:region.y1, region.x0:region.x1][inner].astype(np.int16)
    ci = inner[::2, ::2]
    us = u[region.y0 // 2:region.y1 // 2, region.x0 // 2:region.x1 // 2][ci].astype(np.int16)
    vs = v[region.y0 // 2:region.y1 // 2, region.x0 // 2:region.x1 // 2][ci].astype(np.int16)
    return float(max(np.percentile(np.abs(ys - ty), 95), np.percentile(np.abs(us - tu), 95),
                     np.percentile(np.abs(vs - tv), 95)))


MIN_PIXELS = 64  # fewer visible interior pixels than this cannot show anything identifiable


def measure(effect: Effect, y, u, v, region: Region, inner: np.ndarray) -> float:
    """The one number the leak check compares for this effect."""
    if int(inner.sum()) < MIN_PIXELS:
        return 0.0
    if effect.kind is EffectKind.SOLID:
        return solid_error(y, u, v, region, inner, effect.color)
    if effect.kind is EffectKind.PIXELATE:
        return block_spread(y, region, inner, effect.strength)
    return fine_detail(y, region, inner)


# Source likeness (ADR 0005): how much of the source's fine detail survives in the output region. 256 samples
# per region and frame keep the source side small (1 KB; held until the output is decoded) and the estimate
# within about +-0.06, well inside the gap between a proper effect and a weak one.
PROBE_SAMPLES = 256
DETAIL_MIN_STD = 2.0  # source detail below this (grey levels) is flat: nothing there to leak


def probe_scale(region: Region) -> int:
    """The finest detail an effect must remove: the minimum pixelate block for this region (validate.py)."""
    from reviewer.redact.validate import min_pixel_block

    return min_pixel_block(min(region.x1 - region.x0, region.y1 - region.y0)) | 1


def sample_points(inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up to PROBE_SAMPLES interior pixels on an even grid over the box: chosen from the geometry alone (so the
    source and the output are sampled at the same places) and without scanning every pixel of a big region."""
    h, w = inner.shape
    side = 2 * int(np.sqrt(PROBE_SAMPLES))  # a grid of 4x the samples, so thin or sparse shapes still fill up
    gy = np.unique(np.linspace(0, h - 1, min(h, side)).astype(np.int64))
    gx = np.unique(np.linspace(0, w - 1, min(w, side)).astype(np.int64))
    r, c = np.nonzero(inner[np.ix_(gy, gx)])
    if r.size > PROBE_SAMPLES:
        keep = np.linspace(0, r.size - 1, PROBE_SAMPLES).astype(np.int64)
        r, c = r[keep], c[keep]
    return gy[r], gx[c]


def detail_probe(y: np.ndarray, region: Region, inner: np.ndarray) -> np.ndarray | None:
    """The region's fine detail at the sample points: luma minus its mean over a probe_scale window (clipped to
    the region's box, the same on both sides). None when too few pixels are visible to show anything."""
    if np.count_nonzero(inner) < MIN_PIXELS:
        return None
    r, c = sample_points(inner)
    if r.size == 0:
        return None
    crop = y[region.y0:region.y1, region.x0:region.x1]
    h, w = crop.shape
    half = probe_scale(region) // 2
    r0, r1 = np.maximum(r - half, 0), np.minimum(r + half + 1, h)
    c0, c1 = np.maximum(c - half, 0), np.minimum(c + half + 1, w)
    # only the rows and columns the windows reach: a summed-area table of the whole box would cost more than
    # the rest of the check on a full-frame (inverse) region
    ya, yb, xa, xb = int(r0.min()), int(r1.max()), int(c0.min()), int(c1.max())
    sums = cv2.integral(np.ascontiguousarray(crop[ya:yb, xa:xb]))
    r0, r1, c0, c1 = r0 - ya, r1 - ya, c0 - xa, c1 - xa
    total = sums[r1, c1] - sums[r0, c1] - sums[r1, c0] + sums[r0, c0]
    mean = total / ((r1 - r0) * (c1 - c0))
    return (crop[r, c] - mean).astype(np.float32)


def retained_detail(out_probe: np.ndarray | None, src_probe: np.ndarray | None) -> float:
    """The share of the source's fine detail the output still carries: the least-squares weight of the source
    detail in the output's (1 = all of it, 0 = none; noise or block edges unrelated to the source add nothing).
    0 when the source had no detail to carry."""
    if out_probe is None or src_probe is None:
        return 0.0
    s = src_probe.astype(np.float32)
    o = out_probe.astype(np.float32)
    s -= s.mean()
    o -= o.mean()
    var = float((s * s).mean())
    if var < DETAIL_MIN_STD ** 2:
        return 0.0
    return float((s * o).mean() / var)
