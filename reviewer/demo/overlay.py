"""What makes a rendered street look like it came off a body-worn camera: a wide lens and the burned-in banner.

Both work on I420 (planar YUV 4:2:0, BT.601 limited range, as cv2.COLOR_RGB2YUV_I420 produces): the lens
resamples a full-size luma plane and two quarter-size chroma planes instead of three full-size RGB channels,
which halves its cost, and the encoder takes the planes as they are.
"""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np

BANNER_HEIGHT = 34  # even, so the chroma rows line up
WHITE_Y = 235
_FONT, _SCALE, _THICK = cv2.FONT_HERSHEY_SIMPLEX, 0.72, 2


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB -> (H * 3 / 2, W) I420; BT.601 limited range (tag the stream accordingly)."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


def planes(i420: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes inside an I420 buffer."""
    w = i420.shape[1]
    q = height // 4
    return (i420[:height], i420[height:height + q].reshape(height // 2, w // 2),
            i420[height + q:height + 2 * q].reshape(height // 2, w // 2))


def _yuv_of(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    px = cv2.cvtColor(np.full((2, 2, 3), rgb, np.uint8), cv2.COLOR_RGB2YUV_I420).ravel()
    return int(px[0]), int(px[4]), int(px[5])


class Lens:
    """Barrel distortion and vignetting of a cheap wide-angle lens, as precomputed remap tables."""

    def __init__(self, width: int, height: int, k1: float = -0.16, vignette: float = 0.38, seed: int = 5):
        self.w, self.h = width, height
        self.full = self._maps(width, height, width, height, k1)
        self.half = self._maps(width // 2, height // 2, width, height, k1)
        xs = (np.arange(width, dtype=np.float32) - width / 2) / (width / 2)
        ys = (np.arange(height, dtype=np.float32) - height / 2) / (width / 2)
        gx, gy = np.meshgrid(xs, ys)
        corner = 1.0 + (height / width) ** 2
        fall = np.clip(1.0 - vignette * ((gx * gx + gy * gy) / corner) ** 1.5, 0.0, 1.0)
        # luma = 16 + (luma - 16) * fall, split into a multiply and an add so cv2 does it in two passes
        self.gain = (fall * 255).astype(np.uint8)
        lift = np.round(16 * (1 - fall)).astype(np.int16)
        # a little sensor noise, cycled from a few precomputed planes: real cameras have it, and it dithers the
        # vignette's 8-bit steps that would otherwise show as rings on flat walls
        rng = np.random.default_rng(seed)
        self.lifts = [np.clip(lift + rng.integers(0, 4, size=lift.shape), 0, 255).astype(np.uint8) for _ in range(7)]
        self._n = 0

    @staticmethod
    def _maps(w: int, h: int, full_w: int, full_h: int, k1: float):
        # normalised by the full picture's half-width so luma and chroma bend identically
        sx = w / full_w
        xs = (np.arange(w, dtype=np.float32) + 0.5) / sx - full_w / 2
        ys = (np.arange(h, dtype=np.float32) + 0.5) / sx - full_h / 2
        gx, gy = np.meshgrid(xs / (full_w / 2), ys / (full_w / 2))
        corner = 1.0 + (full_h / full_w) ** 2
        # each output pixel samples further out than itself, so straight lines bow outwards towards the
        # edges; dividing by the corner's factor keeps the picture's corners inside the rendered frame
        factor = (1.0 - k1 * (gx * gx + gy * gy)) / (1.0 - k1 * corner)
        map_x = ((gx * factor * (full_w / 2) + full_w / 2) * sx - 0.5).astype(np.float32)
        map_y = ((gy * factor * (full_w / 2) + full_h / 2) * sx - 0.5).astype(np.float32)
        return cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)

    def apply(self, i420: np.ndarray) -> np.ndarray:
        out = np.empty_like(i420)
        src, dst = planes(i420, self.h), planes(out, self.h)
        for k, (s, d) in enumerate(zip(src, dst)):
            m1, m2 = self.full if k == 0 else self.half
            d[...] = cv2.remap(s, m1, m2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        y = dst[0]
        self._n = (self._n + 1) % len(self.lifts)
        y[...] = cv2.subtract(cv2.add(cv2.multiply(y, self.gain, scale=1 / 255), self.lifts[self._n]), 1)
        return out


def banner_text(device: str, officer: str, at: dt.datetime) -> tuple[str, str]:
    """(left, right) strings the camera burns in: identity on the left, UTC date and time on the right."""
    at = at.astimezone(dt.timezone.utc)
    return f"{device}   {officer}", at.strftime("%Y-%m-%d  %H:%M:%S UTC")


def burn_banner(i420: np.ndarray, height: int, device: str, officer: str, at: dt.datetime,
                recording: bool = True) -> None:
    """Paint a dark bar across the top and write the camera's identity and clock into it, in place."""
    y, u, v = planes(i420, height)
    # a solid bar, as most body-worn cameras draw it: the text must stay legible over any scene
    y[:BANNER_HEIGHT] = 20
    u[:BANNER_HEIGHT // 2] = 128
    v[:BANNER_HEIGHT // 2] = 128
    left, right = banner_text(device, officer, at)
    base = BANNER_HEIGHT - 10
    x = 14
    if recording:
        # the red recording dot blinks once a second, as on the real devices
        if at.microsecond < 500_000:
            ry, ru, rv = _yuv_of((230, 30, 30))
            centre = (x + 8, BANNER_HEIGHT // 2)
            cv2.circle(y, centre, 7, ry, -1, cv2.LINE_AA)
            half = (centre[0] // 2, centre[1] // 2)
            cv2.circle(u, half, 3, ru, -1, cv2.LINE_AA)
            cv2.circle(v, half, 3, rv, -1, cv2.LINE_AA)
        cv2.putText(y, "REC", (x + 22, base), _FONT, _SCALE, WHITE_Y, _THICK, cv2.LINE_AA)
        x += 90
    cv2.putText(y, left, (x, base), _FONT, _SCALE, WHITE_Y, _THICK, cv2.LINE_AA)
    (tw, _), _ = cv2.getTextSize(right, _FONT, _SCALE, _THICK)
    cv2.putText(y, right, (y.shape[1] - tw - 14, base), _FONT, _SCALE, WHITE_Y, _THICK, cv2.LINE_AA)
