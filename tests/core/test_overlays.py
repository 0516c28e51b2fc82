"""Burned-in overlays: text is drawn once, opaque, inside the strip; nothing else in the strip is touched; names
in any script are burned in as written."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import features

from reviewer.export import overlays as ov
from reviewer.export import textmask
from reviewer.export.settings import Overlays
from reviewer.redact.planes import Planes

SETTINGS = Overlays(redacted_banner=True, incident_ref="INC-2026-0042", watermark="For: Siân Wójcik — CPS Cymru",
                    timestamp=True)
CAMERA = "2026-11-28 14:37:05.033"


def noisy_planes(width: int, height: int, seed: int = 7) -> Planes:
    rng = np.random.default_rng(seed)
    buf = rng.integers(0, 256, width * height * 3 // 2, dtype=np.uint8)
    return Planes.from_buffer(buf, width, height)


def expected_strips(width: int, height: int) -> np.ndarray:
    """The luma of the whole frame as it should be in the strips: background, plus each line's ink once."""
    sh = ov.strip_height(height)
    want = np.full((height, width), ov.BACKGROUND, np.int32)
    for text, x, top in ov.lines(SETTINGS, width, height, 12, CAMERA):
        mask = textmask.ascii_mask(text, sh) if top else textmask.text_mask(text, sh)
        k = mask[:, :max(0, width - x)].astype(np.int32)
        region = want[top:top + sh, x:x + k.shape[1]]
        inked = k > 0
        region[inked] = (ov.BACKGROUND * (255 - k[inked]) + ov.FOREGROUND * k[inked] + 127) // 255
    return want


@pytest.mark.parametrize("width,height", [(640, 360), (1280, 720), (1920, 1080)])
def test_strip_is_background_plus_the_text_once(width, height):
    planes = noisy_planes(width, height)
    ov.draw(planes, SETTINGS, 12, CAMERA)
    want = expected_strips(width, height)
    for x0, y0, x1, y1 in ov.strips(SETTINGS, width, height):
        y = planes.y[y0:y1, x0:x1]
        assert np.array_equal(y, want[y0:y1, x0:x1]), "stray pixels (ghost copies) in the strip"
        assert (y == ov.BACKGROUND).mean() > 0.5
        assert y.max() >= 200, "the text itself is drawn bright"
        assert np.all(planes.u[y0 // 2:y1 // 2, x0 // 2:x1 // 2] == 128)
        assert np.all(planes.v[y0 // 2:y1 // 2, x0 // 2:x1 // 2] == 128)


def test_no_dark_halo_and_nothing_of_the_picture_shows_through():
    """The old two-pass drawing put a darker outline (luma 16 on a 24 strip) round every character."""
    a, b = noisy_planes(1280, 720, 1), noisy_planes(1280, 720, 2)
    for p in (a, b):
        ov.draw(p, SETTINGS, 12, CAMERA)
    for x0, y0, x1, y1 in ov.strips(SETTINGS, 1280, 720):
        assert a.y[y0:y1, x0:x1].min() == ov.BACKGROUND
        assert np.array_equal(a.y[y0:y1, x0:x1], b.y[y0:y1, x0:x1])


def test_only_the_strips_change():
    planes = noisy_planes(640, 360)
    before = planes.y.copy()
    ov.draw(planes, Overlays(redacted_banner=True, incident_ref="INC-Łódź-gjpq", watermark="محمد 李小龙 gjpq",
                             timestamp=True), 3, CAMERA)
    sh = ov.strip_height(360)
    assert np.array_equal(planes.y[sh:360 - sh], before[sh:360 - sh])


@pytest.mark.parametrize("name,lookalike", [("Siân Wójcik", "Si?n W?jcik"), ("Łukasz Żółć", "?ukasz ????"),
                                            ("محمد", "????"), ("李小龙", "???")])
def test_names_are_burned_in_as_written(name, lookalike):
    assert "[U+" not in "".join(s for _i, s in textmask.runs(name)), "every character has a font"
    drawn, wrong = textmask.text_mask(f"For: {name}", 30), textmask.text_mask(f"For: {lookalike}", 30)
    assert drawn.max() == 255
    assert drawn.shape != wrong.shape or not np.array_equal(drawn, wrong)


def test_arabic_is_shaped_into_joined_letters():
    assert features.check("raqm"), "Pillow has no libraqm here (install libfribidi0): Arabic would not join"
    joined = textmask.text_mask("محمد", 40).shape[1]
    apart = sum(textmask.text_mask(c, 40).shape[1] for c in "محمد")
    assert joined < apart - 4, "isolated letter forms are wider than the joined word"


def test_the_per_frame_timestamp_matches_a_full_layout():
    line = f"{CAMERA}   frame 1234"
    fast, full = textmask.ascii_mask(line, 30), textmask.text_mask(line, 30)
    ink_fast = np.flatnonzero(fast.max(axis=0))
    ink_full = np.flatnonzero(full.max(axis=0))
    assert abs(int(ink_fast[0]) - int(ink_full[0])) <= 1 and abs(int(ink_fast[-1]) - int(ink_full[-1])) <= 2
