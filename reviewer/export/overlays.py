"""Burned-in overlays, drawn on the YUV planes after redaction, inside fixed banner strips.

The strips are a pure function of the settings and the frame size, so the leak check can leave them out.
They are laid out on the displayed picture (ADR 0022): on a rotated or anamorphic copy the banner is at the top
as the viewer sees it and the text reads upright and unstretched; the layout is mapped onto the stored planes by
reviewer/media/geometry.py.
"""

from __future__ import annotations

import cv2
import numpy as np

from reviewer.export.settings import Overlays
from reviewer.export.textmask import ascii_mask, text_mask
from reviewer.media.geometry import Geometry
from reviewer.redact.planes import Planes


def strip_height(height: int) -> int:
    return max(16, (height // 24) & ~1)


def strips(ov: Overlays, width: int, height: int, geometry: Geometry | None = None) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every banner strip these settings paint, in stored pixels of a width x height frame
    shown with `geometry` (None: as stored)."""
    if geometry is not None and not geometry.identity:
        dw, dh = geometry.display_size
        return [geometry.box_to_storage_pixels(b) for b in strips(ov, dw, dh)]
    h = strip_height(height)
    out = []
    if ov.redacted_banner or ov.watermark:
        out.append((0, 0, width, h))
    if ov.timestamp:
        out.append((0, height - h, width, height))
    return out


BACKGROUND = 24  # luma of the strip; chroma is neutral (128)
FOREGROUND = 235


def _text(planes: Planes, mask: np.ndarray, x: int, strip: tuple[int, int, int, int]) -> None:
    """Put the text once into the luma plane, clipped to its strip. Ink is mixed with the strip colour, never
    with what is already in the plane: a second, darker outline pass used to leave faint dark copies of every
    character around the real ones, and on an opaque strip the text needs no outline to read."""
    x0, y0, x1, y1 = strip
    h = min(mask.shape[0], y1 - y0)
    left, right = max(x, x0), min(x + mask.shape[1], x1)
    if right <= left or h <= 0:
        return
    cover = mask[:h, left - x:right - x]
    ink = cover > 0
    k = cover[ink].astype(np.uint16)
    region = planes.y[y0:y0 + h, left:right]
    region[ink] = ((BACKGROUND * (255 - k) + FOREGROUND * k + 127) // 255).astype(np.uint8)


def _band(planes: Planes, x0: int, y0: int, x1: int, y1: int) -> None:
    # opaque: a see-through band let the camera's own burned-in text ghost behind ours
    planes.y[y0:y1, x0:x1] = BACKGROUND
    planes.u[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = 128
    planes.v[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = 128


def lines(ov: Overlays, width: int, height: int, frame_index: int, camera_text: str) -> list[tuple[str, int, int]]:
    """(text, x, top) of every line these settings burn in: top is the top of its strip."""
    sh = strip_height(height)
    pad = sh // 3
    out = []
    if ov.redacted_banner:
        ref = f"  {ov.incident_ref}" if ov.incident_ref else ""
        out.append((f"REDACTED COPY{ref}", pad, 0))
    if ov.watermark:
        tw = text_mask(ov.watermark, sh).shape[1]
        out.append((ov.watermark, max(pad, width - tw - pad), 0))
    if ov.timestamp:
        out.append((f"{camera_text}   frame {frame_index}", pad, height - sh))
    return out


def draw(planes: Planes, ov: Overlays, frame_index: int, camera_text: str, geometry: Geometry | None = None) -> None:
    if not ov.any:
        return
    if geometry is not None and not geometry.identity:
        _draw_displayed(planes, ov, frame_index, camera_text, geometry)
        return
    w, h = planes.width, planes.height
    sh = strip_height(h)
    for x0, y0, x1, y1 in strips(ov, w, h):
        _band(planes, x0, y0, x1, y1)
    for text, x, top in lines(ov, w, h, frame_index, camera_text):
        mask = ascii_mask(text, sh) if top else text_mask(text, sh)  # the bottom line changes every frame
        _text(planes, mask, x, (0, top, w, top + sh))


class _Luma:
    """Just a luma plane, for laying the overlays out on the displayed picture."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.y = np.zeros((height, width), np.uint8)
        self.u = np.zeros((height // 2, width // 2), np.uint8)
        self.v = self.u


def _draw_displayed(planes: Planes, ov: Overlays, frame_index: int, camera_text: str, geometry: Geometry) -> None:
    """Lay the strips and text out upright on the display picture, then put that layer onto the stored planes
    through the one transform. Only inside the (storage) strips is anything written."""
    dw, dh = geometry.display_size
    layer = _Luma(dw, dh)
    draw(layer, ov, frame_index, camera_text)  # type: ignore[arg-type]  (only .y/.u/.v and the size are used)
    stored = geometry.to_storage(layer.y, interpolation=cv2.INTER_AREA)
    for x0, y0, x1, y1 in strips(ov, planes.width, planes.height, geometry):
        _band(planes, x0, y0, x1, y1)
        planes.y[y0:y1, x0:x1] = np.maximum(stored[y0:y1, x0:x1], BACKGROUND)
