"""Burned-in overlays, drawn on the YUV planes after redaction, inside fixed banner strips.

The strips are a pure function of the settings and the frame size, so the leak check can leave them out.
"""

from __future__ import annotations

import cv2

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


def _text(planes: Planes, text: str, x: int, y_base: int, scale: float) -> None:
    thick = max(1, int(scale * 2))
    cv2.putText(planes.y, text, (x, y_base), FONT, scale, 16, thick + 2, cv2.LINE_AA)
    cv2.putText(planes.y, text, (x, y_base), FONT, scale, 235, thick, cv2.LINE_AA)


def _band(planes: Planes, x0: int, y0: int, x1: int, y1: int) -> None:
    # opaque: a see-through band let the camera's own burned-in text ghost behind ours
    planes.y[y0:y1, x0:x1] = 24
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
