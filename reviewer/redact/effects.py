"""Rasterising a region and applying an effect to it, on YUV 4:2:0 planes, in place.

Chroma masks cover every chroma sample that touches a masked luma pixel, so colour never leaks at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from reviewer.redact.interpolate import bounds
from reviewer.redact.model import Effect, EffectKind, Point, ShapeKind
from reviewer.redact.planes import Planes, rgb_to_yuv


@dataclass(frozen=True)
class Region:
    """A rasterised region: a luma-resolution boolean mask over the box [x0, x1) x [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int
    mask: np.ndarray  # bool, (y1 - y0, x1 - x0)

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0 or not self.mask.any()


def padded(kind: ShapeKind, points: tuple[Point, ...], padding: float) -> tuple[Point, ...]:
    if padding <= 0:
        return points
    x0, y0, x1, y1 = bounds(points)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    s = 1.0 + 2.0 * padding
    return tuple((cx + (x - cx) * s, cy + (y - cy) * s) for x, y in points)


def rasterise(kind: ShapeKind, points: tuple[Point, ...], width: int, height: int,
              padding: float = 0.0, inverse: bool = False) -> Region:
    pts = padded(kind, points, padding)
    if inverse:
        inner = rasterise(kind, points, width, height, padding)
        full = np.ones((height, width), dtype=bool)
        if not inner.empty:
            full[inner.y0:inner.y1, inner.x0:inner.x1] &= ~inner.mask
        return Region(0, 0, width, height, full)
    bx0, by0, bx1, by1 = bounds(pts)
    # even-aligned box so the chroma box is exactly half of it
    x0 = max(0, int(np.floor(bx0)) & ~1)
    y0 = max(0, int(np.floor(by0)) & ~1)
    x1 = min(width, (int(np.ceil(bx1)) + 1) & ~1)
    y1 = min(height, (int(np.ceil(by1)) + 1) & ~1)
    if x1 <= x0 or y1 <= y0:
        return Region(0, 0, 0, 0, np.zeros((0, 0), bool))
    if kind is ShapeKind.RECT:
        # the box is already grown to whole 2x2 blocks: a rectangle covers all of it (the common case, and
        # the export rasterises every mask on every frame)
        return Region(x0, y0, x1, y1, np.ones((y1 - y0, x1 - x0), dtype=bool))
    m = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    if kind is ShapeKind.ELLIPSE:
        cx, cy = (bx0 + bx1) / 2 - x0, (by0 + by1) / 2 - y0
        rx, ry = (bx1 - bx0) / 2, (by1 - by0) / 2
        # 4 bits of sub-pixel precision; thickness -1 fills
        cv2.ellipse(m, (int(cx * 16), int(cy * 16)), (int(np.ceil(rx * 16)), int(np.ceil(ry * 16))), 0, 0, 360, 1,
                    -1, cv2.LINE_8, 4)
    else:
        poly = np.round((np.asarray(pts) - (x0, y0)) * 16).astype(np.int32)
        cv2.fillPoly(m, [poly], 1, cv2.LINE_8, 4)
    # Grow to whole 2x2 blocks: luma and chroma then cover exactly the same pixels, so nothing outside the
    # region changes colour and nothing inside keeps its original colour.
    h, w = m.shape
    blocks = m.reshape(h // 2, 2, w // 2, 2).any(axis=(1, 3))
    return Region(x0, y0, x1, y1, np.repeat(np.repeat(blocks, 2, axis=0), 2, axis=1))


def chroma_mask(region: Region) -> np.ndarray:
    return region.mask[::2, ::2]


def _blur_kernel(region: Region, strength: int) -> int:
    short = min(region.x1 - region.x0, region.y1 - region.y0)
    k = max(9, int(short * strength / 100))
    return k | 1


def _blurred(plane: np.ndarray, x0: int, y0: int, x1: int, y1: int, k: int) -> np.ndarray:
    """Blur of plane[y0:y1, x0:x1] that samples a margin around it, so the edge is as obscured as the centre."""
    h, w = plane.shape
    mx0, my0, mx1, my1 = max(0, x0 - k), max(0, y0 - k), min(w, x1 + k), min(h, y1 + k)
    crop = plane[my0:my1, mx0:mx1]
    # three box passes approximate a Gaussian and are several times faster at large kernels
    out = cv2.blur(cv2.blur(cv2.blur(crop, (k, k)), (k, k)), (k, k))
    return out[y0 - my0:y1 - my0, x0 - mx0:x1 - mx0]


def _pixelated(crop: np.ndarray, block: int) -> np.ndarray:
    h, w = crop.shape
    sw, sh = max(1, -(-w // block)), max(1, -(-h // block))
    # pad to whole blocks so every block averages only real pixels of this region
    padded_crop = cv2.copyMakeBorder(crop, 0, sh * block - h, 0, sw * block - w, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded_crop, (sw, sh), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (sw * block, sh * block), interpolation=cv2.INTER_NEAREST)[:h, :w]


def apply_effect(planes: Planes, region: Region, effect: Effect) -> None:
    if region.empty:
        return
    x0, y0, x1, y1 = region.x0, region.y0, region.x1, region.y1
    cm = chroma_mask(region)
    boxes = (
        (planes.y, region.mask, x0, y0, x1, y1, 1),
        (planes.u, cm, x0 // 2, y0 // 2, x1 // 2, y1 // 2, 2),
        (planes.v, cm, x0 // 2, y0 // 2, x1 // 2, y1 // 2, 2),
    )
    if effect.kind is EffectKind.SOLID:
        for (plane, m, a, b, c, d, _), value in zip(boxes, rgb_to_yuv(effect.color)):
            plane[b:d, a:c][m] = value
        return
    for plane, m, a, b, c, d, sub in boxes:
        if effect.kind is EffectKind.BLUR:
            k = _blur_kernel(region, effect.strength) // sub | 1
            new = _blurred(plane, a, b, c, d, k)
        else:
            new = _pixelated(plane[b:d, a:c], max(1, effect.strength // sub))
        view = plane[b:d, a:c]
        np.copyto(view, new, where=m)
