"""Storage pixels <-> display pixels: the one place rotation and sample aspect ratio are applied (ADR 0022).

Frames are decoded, redacted, tracked and leak-checked in storage pixels, and masks are stored in them. What a
person sees (the player, stills, the report's frame images) is the display picture: the storage picture with
non-square pixels made square, then turned by the container's display rotation, as ffmpeg's autorotate and
`scale=iw*sar:ih` show it. Every consumer that crosses between the two calls this module and nothing else;
square-pixel, unrotated footage gets the identity transform, so its pictures and masks are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from reviewer.media.caps import MAX_HEIGHT, MAX_WIDTH

Point = tuple[float, float]


def normalise_rotation(degrees: float | int | None) -> int:
    """Counter-clockwise display rotation (ffprobe's sign) as 0, 90, 180 or 270. Anything that is not a quarter
    turn (a damaged or unusual matrix) is taken to the nearest one: a tilted picture would mislead less than a
    sideways one, and footage is never shown at odd angles by any player we compare with."""
    if not degrees:
        return 0
    return int(round(float(degrees) / 90.0)) % 4 * 90


def parse_sar(value) -> Fraction:
    """A sample aspect ratio from PyAV (Fraction or None) or stored text ("64/45"); unknown or absurd -> 1."""
    try:
        sar = Fraction(str(value)) if value not in (None, "", 0) else Fraction(1)
    except (ValueError, ZeroDivisionError):
        return Fraction(1)
    # a header may claim anything; beyond 4:1 either way no real camera writes it
    return sar if Fraction(1, 4) <= sar <= 4 else Fraction(1)


@dataclass(frozen=True)
class Geometry:
    width: int  # storage picture, as decoded
    height: int
    rotation: int = 0  # counter-clockwise quarter turns in degrees: 0, 90, 180, 270
    sar: Fraction = Fraction(1)

    @classmethod
    def of(cls, info) -> "Geometry":
        """The geometry a MediaInfo describes."""
        return cls(int(info.width), int(info.height), normalise_rotation(getattr(info, "rotation", 0)),
                   parse_sar(getattr(info, "sar", None)))

    @property
    def identity(self) -> bool:
        return self.rotation == 0 and self.sar == 1

    @property
    def scaled_size(self) -> tuple[int, int]:
        """Square-pixel size before the rotation. The short side is stretched, never the long one shrunk, so no
        stored row or column is dropped from what the user sees."""
        if self.sar >= 1:
            w, h = max(1, round(self.width * self.sar)), self.height
        else:
            w, h = self.width, max(1, round(self.height / self.sar))
        # a header may pair the largest picture we decode with a 4:1 ratio: keep the shown picture within the
        # same limits (docs/input-limits.md), still at the right aspect
        f = min(1.0, MAX_WIDTH / w, MAX_HEIGHT / h)
        return (max(1, round(w * f)), max(1, round(h * f))) if f < 1 else (w, h)

    @property
    def display_size(self) -> tuple[int, int]:
        w, h = self.scaled_size
        return (h, w) if self.rotation in (90, 270) else (w, h)

    # ---- pictures ---------------------------------------------------------------------------------------------
    def to_display(self, image: np.ndarray) -> np.ndarray:
        """A storage picture (H x W [x C]) as it is shown. The identity returns the same array."""
        if self.identity:
            return image
        sw, sh = self.scaled_size
        if (sw, sh) != (image.shape[1], image.shape[0]):
            # bicubic, as ffmpeg's scale filter does by default
            image = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_CUBIC)
        return _turn(image, self.rotation)

    def reduced_size(self, width: float, height: float, max_pixels: int | None = None) -> tuple[int, int] | None:
        """The square-pixel size, before the rotation, of a smaller copy of the display picture that fits inside
        width x height (display pixels) and holds at most `max_pixels`; None when the full picture already does.
        Scaling a decoded frame to this size and then turning it (turn_reduced) gives that copy, so the one
        scale also corrects the sample aspect ratio. Even sides: swscale's chroma stays aligned."""
        dw, dh = self.display_size
        s = min(1.0, width / dw, height / dh)
        if max_pixels is not None:
            s = min(s, (max_pixels / (dw * dh)) ** 0.5)
        if s >= 1.0:
            return None
        sw, sh = self.scaled_size
        return max(2, int(sw * s) // 2 * 2), max(2, int(sh * s) // 2 * 2)

    def turn_reduced(self, image: np.ndarray) -> np.ndarray:
        """A picture already scaled to reduced_size() as it is shown: only the rotation is left to apply."""
        return _turn(image, self.rotation)

    def to_storage(self, image: np.ndarray, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
        """A display picture (H x W [x C]) laid onto the storage grid: what, once shown, looks like `image`."""
        if self.identity:
            return image
        image = _turn(image, (360 - self.rotation) % 360)
        if (image.shape[1], image.shape[0]) != (self.width, self.height):
            image = cv2.resize(image, (self.width, self.height), interpolation=interpolation)
        return image

    def box_to_storage_pixels(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A display rectangle (x0, y0, x1, y1) as the storage pixels that cover it, widened to even edges so
        the half-resolution chroma planes cover it too."""
        (x0, y0), (x1, y1) = self.box_to_storage((box[0], box[1]), (box[2], box[3]))
        ex0, ey0 = int(np.floor(x0 + 1e-6)) & ~1, int(np.floor(y0 + 1e-6)) & ~1
        ex1, ey1 = -(-int(np.ceil(x1 - 1e-6)) // 2) * 2, -(-int(np.ceil(y1 - 1e-6)) // 2) * 2
        return max(0, ex0), max(0, ey0), min(self.width, ex1), min(self.height, ey1)

    # ---- coordinates (continuous pixel coordinates: the frame spans 0..width, 0..height) -----------------------
    def _scale(self) -> tuple[float, float]:
        sw, sh = self.scaled_size
        return sw / self.width, sh / self.height

    def point_to_display(self, p: Point) -> Point:
        sx, sy = self._scale()
        x, y = p[0] * sx, p[1] * sy
        sw, sh = self.scaled_size
        if self.rotation == 90:  # counter-clockwise: the top-left corner goes to the bottom-left
            return y, sw - x
        if self.rotation == 180:
            return sw - x, sh - y
        if self.rotation == 270:  # clockwise: the top-left corner goes to the top-right
            return sh - y, x
        return x, y

    def point_to_storage(self, p: Point) -> Point:
        sw, sh = self.scaled_size
        u, v = p
        if self.rotation == 90:
            x, y = sw - v, u
        elif self.rotation == 180:
            x, y = sw - u, sh - v
        elif self.rotation == 270:
            x, y = v, sh - u
        else:
            x, y = u, v
        sx, sy = self._scale()
        return x / sx, y / sy

    def display_affine(self) -> tuple[float, float, float, float, float, float]:
        """point_to_display as an affine map (m11, m12, m21, m22, dx, dy): x' = m11 x + m21 y + dx,
        y' = m12 x + m22 y + dy, the layout of Qt's QTransform, so a painter can draw source-pixel shapes on the
        displayed picture."""
        sx, sy = self._scale()
        sw, sh = self.scaled_size
        if self.rotation == 90:
            return 0.0, -sx, sy, 0.0, 0.0, float(sw)
        if self.rotation == 180:
            return -sx, 0.0, 0.0, -sy, float(sw), float(sh)
        if self.rotation == 270:
            return 0.0, sx, -sy, 0.0, float(sh), 0.0
        return sx, 0.0, 0.0, sy, 0.0, 0.0

    def box_to_display(self, a: Point, b: Point) -> tuple[Point, Point]:
        """A rectangle/ellipse given by two corners: its top-left and bottom-right on the display. Quarter turns
        and axis scaling keep such shapes axis-aligned, so two corners still describe them."""
        return _box(self.point_to_display(a), self.point_to_display(b))

    def box_to_storage(self, a: Point, b: Point) -> tuple[Point, Point]:
        return _box(self.point_to_storage(a), self.point_to_storage(b))

    def points_to_display(self, points) -> tuple[Point, ...]:
        return tuple(self.point_to_display(p) for p in points)

    def points_to_storage(self, points) -> tuple[Point, ...]:
        return tuple(self.point_to_storage(p) for p in points)


def stream_geometry(stream, first_frame) -> Geometry:
    """The geometry of a video stream, given its first decoded frame: PyAV exposes the display matrix on frames
    only. The container's aspect ratio wins over the bitstream's, as in ffmpeg (av_guess_sample_aspect_ratio)."""
    cc = stream.codec_context
    rotation = normalise_rotation(getattr(first_frame, "rotation", 0)) if first_frame is not None else 0
    sar = parse_sar(stream.sample_aspect_ratio or cc.sample_aspect_ratio
                    or getattr(first_frame, "sample_aspect_ratio", None))
    return Geometry(int(cc.width), int(cc.height), rotation, sar)


# OpenCV's turns are several times faster than numpy's rot90 + copy (a 1080p RGB frame: ~1 vs ~12 ms, measured here)
_TURNS = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def _turn(image: np.ndarray, ccw_degrees: int) -> np.ndarray:
    """`image` turned counter-clockwise by a quarter-turn multiple, as a new C-contiguous array."""
    if not ccw_degrees:
        return image
    return cv2.rotate(np.ascontiguousarray(image), _TURNS[ccw_degrees])


def _box(p: Point, q: Point) -> tuple[Point, Point]:
    return (min(p[0], q[0]), min(p[1], q[1])), (max(p[0], q[0]), max(p[1], q[1]))

