"""Burned-in overlays, drawn on the YUV planes after redaction, inside fixed banner strips.

The strips are a pure function of the settings and the frame size, so the leak check can leave them out.
"""

from __future__ import annotations

import cv2
import numpy as np

from reviewer.export.settings import Overlays
from reviewer.redact.planes import Planes

FONT = cv2.FONT_HERSHEY_SIMPLEX


def strip_height(height: int) -> int:
    return max(16, (height // 24) & ~1)


def strips(ov: Overlays, width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every banner strip these settings paint."""
    h = strip_height(height)
    out = []
    if ov.redacted_banner or ov.watermark:
        out.append((0, 0, width, h))
    if ov.timestamp:
        out.append((0, height - h, width, height))
    return out


BACKGROUND = 24  # luma of the strip; chroma is neutral (128)
FOREGROUND = 235


def _text(planes: Planes, text: str, x: int, y_base: int, scale: float) -> None:
    """Draw `text` once into the luma plane. The glyphs are rasterised into a coverage mask and mixed with the
    strip colour, never with what is already in the plane: a second, darker outline pass left faint dark copies
    of every character around the real ones, and the strip is opaque so the text needs no outline to read."""
    thick = max(1, int(scale * 2))
    (tw, th), below = cv2.getTextSize(text, FONT, scale, thick)
    pad = thick + 2
    y0, y1 = max(0, y_base - th - pad), min(planes.height, y_base + below + pad)
    x0, x1 = max(0, x - pad), min(planes.width, x + tw + pad)
    if x1 <= x0 or y1 <= y0:
        return
    cover = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.putText(cover, text, (x - x0, y_base - y0), FONT, scale, 255, thick, cv2.LINE_AA)
    ink = cover > 0
    k = cover[ink].astype(np.uint16)
    region = planes.y[y0:y1, x0:x1]
    region[ink] = ((BACKGROUND * (255 - k) + FOREGROUND * k + 127) // 255).astype(np.uint8)


def _band(planes: Planes, x0: int, y0: int, x1: int, y1: int) -> None:
    # opaque: a see-through band let the camera's own burned-in text ghost behind ours
    planes.y[y0:y1, x0:x1] = BACKGROUND
    planes.u[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = 128
    planes.v[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = 128


def draw(planes: Planes, ov: Overlays, frame_index: int, camera_text: str) -> None:
    if not ov.any:
        return
    w, h = planes.width, planes.height
    sh = strip_height(h)
    scale = sh / 36.0
    for x0, y0, x1, y1 in strips(ov, w, h):
        _band(planes, x0, y0, x1, y1)
    base = int(sh * 0.72)
    if ov.redacted_banner:
        ref = f"  {ov.incident_ref}" if ov.incident_ref else ""
        _text(planes, f"REDACTED COPY{ref}", sh // 3, base, scale)
    if ov.watermark:
        (tw, _), _ = cv2.getTextSize(ov.watermark, FONT, scale, max(1, int(scale * 2)))
        _text(planes, ov.watermark, max(sh // 3, w - tw - sh // 3), base, scale)
    if ov.timestamp:
        _text(planes, f"{camera_text}   frame {frame_index}", sh // 3, h - sh + base, scale)
