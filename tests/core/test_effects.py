"""Pixels inside and outside masks, on real decoded frames that carry a readable frame code."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from reviewer.media.frame_reader import FrameReader
from reviewer.media.frametable import build_frame_table
from reviewer.redact.effects import rasterise
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact
from tests.fixtures import framecode

# Stated threshold: obscured means the Laplacian variance (fine detail) inside the region drops below 10% of
# the source's, and the frame code under the mask no longer reads.
DETAIL_RATIO = 0.10


@pytest.fixture(scope="module")
def frame(clip_dir):
    from tests.fixtures import clips

    clip = clips.make("hd1080", clip_dir)
    table = build_frame_table(clip.path)
    with FrameReader(clip.path, table) as r:
        f = r.frame(37)
        yield f, clip


def code_box(width: int) -> tuple[tuple[float, float], tuple[float, float]]:
    x, y, w, h = framecode.code_rect(width)
    return (float(x), float(y)), (float(x + w), float(y + h))


def render(frame, track: MaskTrack | None = None, blackouts=()) -> tuple[np.ndarray, np.ndarray]:
    planes = Planes.from_frame(frame.video)
    ms = MaskSet(tracks=(track,) if track else (), blackouts=tuple(blackouts))
    redact(planes, ms, frame.pts)
    return frame.rgb(), planes.to_rgb()


def detail(img: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def track(kind, points, effect, pts, **kw) -> MaskTrack:
    return MaskTrack(kind, (Keyframe(pts, points),), effect=effect, **kw)


def test_unredacted_conversion_is_identical(frame):
    f, _ = frame
    src, out = render(f)
    assert np.array_equal(src, out), "Planes round trip must not change a single pixel"


@pytest.mark.parametrize("kind", list(ShapeKind))
def test_solid_fill_inside_and_untouched_outside(frame, kind):
    f, clip = frame
    (x0, y0), (x1, y1) = code_box(clip.width)
    pts = ((x0, y0), (x1, y1)) if kind is not ShapeKind.POLYGON else ((x0, y0), (x1, y0), (x1, y1), (x0, y1 + 5))
    t = track(kind, pts, Effect(EffectKind.SOLID, color=(0, 0, 0)), f.pts)
    src, out = render(f, t)
    m = rasterise(kind, pts, clip.width, clip.height)
    full = np.zeros((clip.height, clip.width), bool)
    full[m.y0:m.y1, m.x0:m.x1] = m.mask
    assert (out[full] == 0).all(), "every pixel inside a black mask is black"
    assert np.array_equal(out[~full], src[~full]), "every pixel outside the mask is the source pixel"
    assert framecode.read(src) == 37 and framecode.read(out) is None


def test_solid_colour_is_the_fill_colour(frame):
    f, clip = frame
    t = track(ShapeKind.RECT, ((400.0, 300.0), (600.0, 420.0)), Effect(EffectKind.SOLID, color=(200, 30, 30)), f.pts)
    _, out = render(f, t)
    inside = out[300:420, 400:600].reshape(-1, 3).astype(int)
    assert np.abs(inside - (200, 30, 30)).max() <= 2  # YUV 4:2:0 rounding


@pytest.mark.parametrize("effect", [Effect(EffectKind.BLUR, strength=25), Effect(EffectKind.PIXELATE, strength=32)])
def test_blur_and_pixelate_remove_detail_and_the_code(frame, effect):
    f, clip = frame
    (x0, y0), (x1, y1) = code_box(clip.width)
    t = track(ShapeKind.RECT, ((x0, y0), (x1, y1)), effect, f.pts)
    src, out = render(f, t)
    ys, xs = slice(int(y0), int(y1)), slice(int(x0), int(x1))
    assert detail(out[ys, xs]) < DETAIL_RATIO * detail(src[ys, xs])
    assert framecode.read(out) is None
    outside = np.ones(src.shape[:2], bool)
    outside[ys, xs] = False
    assert np.array_equal(out[outside], src[outside])


def test_inverse_mask_keeps_only_the_region(frame):
    f, clip = frame
    box = ((600.0, 300.0), (1000.0, 700.0))
    t = track(ShapeKind.RECT, box, Effect(EffectKind.SOLID), f.pts, inverse=True)
    src, out = render(f, t)
    assert np.array_equal(out[300:700, 600:1000], src[300:700, 600:1000])
    assert (out[:290] == 0).all() and (out[:, 1010:] == 0).all()


def test_padding_grows_the_region(frame):
    f, clip = frame
    t = track(ShapeKind.RECT, ((500.0, 500.0), (600.0, 600.0)), Effect(EffectKind.SOLID), f.pts, padding=0.2)
    _, out = render(f, t)
    assert (out[482:618, 482:618] == 0).all()


def test_blackout_range_blacks_out_the_whole_frame(frame):
    f, _ = frame
    _, out = render(f, blackouts=[PtsRange(f.pts - 1, f.pts + 1)])
    assert (out == 0).all()
    src, out = render(f, blackouts=[PtsRange(f.pts + 1, f.pts + 100)])
    assert np.array_equal(src, out)


def test_mask_partly_off_frame_is_clipped(frame):
    f, clip = frame
    t = track(ShapeKind.ELLIPSE, ((-100.0, -100.0), (200.0, 200.0)), Effect(EffectKind.SOLID), f.pts)
    src, out = render(f, t)
    assert (out[0:40, 0:40] == 0).all()
    assert np.array_equal(out[300:], src[300:])
