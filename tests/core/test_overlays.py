"""Burned-in overlays: text is drawn once, opaque, inside the strip; nothing else in the strip is touched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from reviewer.export import overlays as ov
from reviewer.export.settings import Overlays
from reviewer.redact.planes import Planes

SETTINGS = Overlays(redacted_banner=True, incident_ref="INC-2026-0042", watermark="For: CPS Cymru",
                    timestamp=True)


def noisy_planes(width: int, height: int) -> Planes:
    rng = np.random.default_rng(7)
    buf = rng.integers(0, 256, width * height * 3 // 2, dtype=np.uint8)
    return Planes.from_buffer(buf, width, height)


def glyph_areas(width: int, height: int) -> np.ndarray:
    """Where the overlay's text may put ink: every string drawn by draw(), at the same place and size, widened
    by two pixels for anti-aliasing. Drawn independently of overlays._text with OpenCV's own rasteriser."""
    sh = ov.strip_height(height)
    scale = sh / 36.0
    thick = max(1, int(scale * 2))
    base = int(sh * 0.72)
    ink = np.zeros((height, width), np.uint8)
    (tw, _), _ = cv2.getTextSize(SETTINGS.watermark, ov.FONT, scale, thick)
    for text, x, y in ((f"REDACTED COPY  {SETTINGS.incident_ref}", sh // 3, base),
                       (SETTINGS.watermark, max(sh // 3, width - tw - sh // 3), base),
                       ("2026-11-28 14:37:05   frame 12", sh // 3, height - sh + base)):
        cv2.putText(ink, text, (x, y), ov.FONT, scale, 255, thick, cv2.LINE_AA)
    return cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0


@pytest.mark.parametrize("width,height", [(640, 360), (1280, 720), (1920, 1080)])
def test_strip_outside_the_glyphs_is_exactly_the_background(width, height):
    planes = noisy_planes(width, height)
    ov.draw(planes, SETTINGS, 12, "2026-11-28 14:37:05")
    ink = glyph_areas(width, height)
    for x0, y0, x1, y1 in ov.strips(SETTINGS, width, height):
        y = planes.y[y0:y1, x0:x1]
        outside = ~ink[y0:y1, x0:x1]
        assert outside.sum() > 0.5 * outside.size
        assert np.all(y[outside] == ov.BACKGROUND), "stray pixels (ghost copies) in the strip outside the text"
        # no dark halo: nothing in the strip is darker than its background, text only ever brightens it
        assert y.min() == ov.BACKGROUND
        assert y.max() >= 200, "the text itself is drawn bright"
        assert np.all(planes.u[y0 // 2:y1 // 2, x0 // 2:x1 // 2] == 128)
        assert np.all(planes.v[y0 // 2:y1 // 2, x0 // 2:x1 // 2] == 128)


def test_only_the_strips_change():
    planes = noisy_planes(640, 360)
    before = planes.y.copy()
    ov.draw(planes, SETTINGS, 3, "2026-11-28 14:37:05")
    sh = ov.strip_height(360)
    assert np.array_equal(planes.y[sh:360 - sh], before[sh:360 - sh])


def test_drawing_twice_gives_the_same_pixels():
    """Opaque text: a frame drawn again (a retried frame) looks the same, with no darker or thicker copies."""
    a, b = noisy_planes(640, 360), noisy_planes(640, 360)
    ov.draw(a, SETTINGS, 5, "2026-11-28 14:37:05")
    ov.draw(b, SETTINGS, 5, "2026-11-28 14:37:05")
    ov.draw(b, SETTINGS, 5, "2026-11-28 14:37:05")
    assert np.array_equal(a.y, b.y)
