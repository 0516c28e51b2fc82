"""Rotated phone clips and anamorphic CCTV show their true geometry (issue 13 s.2, ADR 0022): what the player,
stills and the report show is ffmpeg's autorotated, square-pixel picture, and the export carries the same
rotation and aspect ratio so ffmpeg shows it exactly as it shows the original, with masks drawn on the displayed
picture covering the same content."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from fractions import Fraction

import cv2
import numpy as np
import pytest

from reviewer.export.job import export
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.export.stills import export_stills
from reviewer.library import Library
from reviewer.media.geometry import Geometry
from reviewer.media.playback import DecodeWorker
from reviewer.media.source import MediaSource
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, ShapeKind
from tests.fixtures import framecode
from tests.fixtures import geometry_clips as gc

WHO = Provenance("pc1234", "investigator", "ws-test", purpose="court bundle", recipient="CPS")
NAMES = list(gc.SPECS)


@pytest.fixture(scope="session")
def geo_dir(clip_dir):
    d = clip_dir / "geometry-v1"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(params=NAMES)
def geo(request, geo_dir) -> gc.GeoClip:
    return gc.make(request.param, geo_dir)


def assert_displayed(rgb: np.ndarray, clip: gc.GeoClip, n: int, what: str) -> None:
    assert (rgb.shape[1], rgb.shape[0]) == clip.display, f"{what}: {rgb.shape[1]}x{rgb.shape[0]}, not {clip.display}"
    assert framecode.read(rgb) == n, f"{what}: frame code {n} is not at the top-left"
    assert gc.marker_at_bottom_right(rgb), f"{what}: the bottom-right marker is not at the bottom-right"


# ---- the transform ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("sar", [Fraction(1), Fraction(64, 45), Fraction(8, 9)])
def test_points_go_to_the_display_and_back(rotation, sar):
    g = Geometry(720, 576, rotation, sar)
    dw, dh = g.display_size
    corners = {(0, 0), (720, 0), (0, 576), (720, 576)}
    shown = {tuple(round(c, 6) for c in g.point_to_display(p)) for p in corners}
    assert shown == {(0, 0), (dw, 0), (0, dh), (dw, dh)}, "the frame's corners are the display's corners"
    for p in [(0.0, 0.0), (13.5, 400.25), (719.0, 1.0)]:
        back = g.point_to_storage(g.point_to_display(p))
        assert back == pytest.approx(p)
    m11, m12, m21, m22, dx, dy = g.display_affine()
    for p in [(0.0, 0.0), (13.5, 400.25), (719.0, 1.0)]:
        x, y = p
        assert (m11 * x + m21 * y + dx, m12 * x + m22 * y + dy) == pytest.approx(g.point_to_display(p))
    (a, b) = g.box_to_display((10, 20), (110, 70))
    assert a[0] < b[0] and a[1] < b[1], "a box stays top-left/bottom-right after turning"
    assert g.box_to_storage(a, b) == (pytest.approx((10, 20)), pytest.approx((110, 70)))


def test_square_unrotated_footage_is_untouched():
    g = Geometry(640, 360)
    img = np.arange(640 * 360 * 3, dtype=np.uint8).reshape(360, 640, 3)
    assert g.identity and g.to_display(img) is img
    assert g.point_to_display((12.5, 7.0)) == (12.5, 7.0) and g.box_to_storage((1, 2), (3, 4)) == ((1, 2), (3, 4))


def test_an_anamorphic_picture_is_stretched_never_squeezed():
    assert Geometry(720, 576, 0, Fraction(64, 45)).display_size == (1024, 576)
    assert Geometry(720, 480, 0, Fraction(8, 9)).display_size == (720, 540), "no stored column is dropped"
    assert Geometry(720, 576, 90, Fraction(64, 45)).display_size == (576, 1024)
    big = Geometry(8192, 8192, 0, Fraction(4))  # a forged header: the largest picture at the widest ratio
    assert big.display_size == (8192, 2048), "shown within the picture limits, at the right aspect"
    p = big.point_to_display((8192, 8192))
    assert p == pytest.approx((8192, 2048)) and big.point_to_storage(p) == pytest.approx((8192, 8192))


# ---- probe and the core render path -----------------------------------------------------------------------------
def test_probe_reads_rotation_and_aspect_ratio(geo):
    src = MediaSource.from_file(geo.path)
    assert (src.info.width, src.info.height) == geo.storage
    assert src.info.rotation == geo.rotation and Fraction(src.info.sar) == geo.sar
    assert Geometry.of(src.info).display_size == geo.display


def test_the_player_pictures_are_ffmpegs_display_frames(geo):
    """The decode worker (what the canvas is handed) delivers every frame as ffmpeg displays it, and the stored
    picture alone would be wrong (this test fails without the transform)."""
    reference = gc.display_frames(geo.path)
    src = MediaSource.from_file(geo.path)
    got, cond = [], threading.Condition()

    def on_result(d):
        with cond:
            got.append(d)
            cond.notify_all()

    w = DecodeWorker(src, on_result=on_result)
    try:
        for i in (0, 7, 11):
            w.request(i, exact=True, generation=i + 1)
            with cond:
                assert cond.wait_for(lambda: any(d.generation == i + 1 for d in got), 60)
    finally:
        w.close()
    for d in got:
        assert_displayed(d.rgb, geo, d.index, f"player frame {d.index}")
        diff = np.abs(d.rgb.astype(int) - reference[d.index].astype(int)).mean()
        assert diff < 2.0, f"frame {d.index} differs from ffmpeg's display by {diff:.2f} on average"
    with src.reader() as r:
        stored = r.frame(0).rgb()
    assert not (framecode.read(stored) == 0 and gc.marker_at_bottom_right(stored)
                and (stored.shape[1], stored.shape[0]) == geo.display), "the clip really needs the transform"


# ---- library outputs: stills and the report's frame images -------------------------------------------------------
@pytest.fixture
def lib_rec(home, geo, tmp_path):
    src = tmp_path / "in" / geo.path.name
    src.parent.mkdir()
    shutil.copy(geo.path, src)
    lib = Library(home)
    view = lib.import_paths([src]).added[0]
    yield lib, lib.open_recording(view.id), geo
    lib.close()


def test_stills_and_frame_exports_are_the_displayed_picture(lib_rec, tmp_path):
    from reviewer.export.frame import export_frame

    lib, opened, geo = lib_rec
    reference = gc.display_frames(geo.path)
    stills = export_stills(lib, opened.view.id, [4], tmp_path / "stills", opened=opened, make_dirs=True).stills
    single = export_frame(lib, opened.view.id, 9, tmp_path / "f9.png", opened=opened)
    for index, png in ((4, stills[0].png), (9, single.png)):
        rgb = cv2.imread(str(png), cv2.IMREAD_COLOR)[..., ::-1]
        assert_displayed(rgb, geo, index, f"PNG of frame {index}")
        assert np.abs(rgb.astype(int) - reference[index].astype(int)).mean() < 2.0
    side = json.loads(single.sidecar.read_text())
    assert (side["width"], side["height"]) == geo.display
    assert side["display"] == {"stored_width": geo.storage[0], "stored_height": geo.storage[1],
                               "rotation": geo.rotation,
                               "sample_aspect_ratio": f"{geo.sar.numerator}:{geo.sar.denominator}"}


def test_report_frame_images_are_upright(lib_rec):
    from reviewer.annotate.service import Annotations
    from reviewer.export.service import report_bookmarks

    lib, opened, geo = lib_rec
    Annotations(lib).add_bookmark(opened.view.id, int(opened.table.pts[5]), "shout")
    [bm] = report_bookmarks(lib, opened, MaskSet(), None, width=geo.display[0])
    assert_displayed(bm.thumbnail, geo, 5, "report frame image")


# ---- export -------------------------------------------------------------------------------------------------------
def test_export_shows_like_the_original_and_a_mask_drawn_on_the_display_covers_the_same_content(geo, tmp_path):
    src = MediaSource.from_file(geo.path)
    g = Geometry.of(src.info)
    # the user draws over the frame code at the top-left of what they see; the mask is stored in storage pixels
    x, y, w, h = framecode.code_rect(geo.display[0])
    box = g.box_to_storage((float(x), float(y)), (float(x + w), float(y + h)))
    t = src.table
    track = MaskTrack(ShapeKind.RECT, (Keyframe(int(t.pts[0]), box), Keyframe(int(t.pts[-1]), box)),
                      effect=Effect(EffectKind.SOLID), label="code", reason="third-party face")
    plain = export(src, MaskSet(), ExportRequest(), tmp_path / "plain.mp4", WHO)
    masked = export(src, MaskSet(tracks=(track,)), ExportRequest(), tmp_path / "masked.mp4", WHO)
    assert masked.leak.passed and masked.leak.regions_checked == t.frame_count

    copy = MediaSource.from_file(plain.output)
    assert copy.info.rotation == geo.rotation and Fraction(copy.info.sar) == geo.sar, "geometry carried"
    side = subprocess.run(["ffprobe", "-v", "error", "-show_streams", str(masked.output)], capture_output=True,
                          text=True, check=True).stdout
    if geo.sar != 1:
        assert f"sample_aspect_ratio={geo.sar.numerator}:{geo.sar.denominator}" in side
    original = gc.display_frames(geo.path)
    for n, (a, b) in enumerate(zip(gc.display_frames(plain.output), gc.display_frames(masked.output))):
        assert_displayed(a, geo, n, f"ffmpeg's display of the exported frame {n}")
        assert np.abs(a.astype(int) - original[n].astype(int)).mean() < 3.0
        assert framecode.read(b) is None, f"frame {n}: the code drawn over on the display is hidden in the copy"
        assert gc.marker_at_bottom_right(b), f"frame {n}: the rest of the picture is kept"
        inside = b[y + 4:y + h - 4, x + 4:x + w - 4]
        assert inside.max() <= 24, f"frame {n}: the solid mask sits where it was drawn"


# ---- burned-in overlays --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rotation,sar", [(90, Fraction(1)), (180, Fraction(1)), (270, Fraction(1)),
                                          (0, Fraction(64, 45))])
def test_overlays_are_laid_out_on_the_displayed_picture(rotation, sar):
    from reviewer.export import overlays as ov
    from tests.core.test_overlays import CAMERA, SETTINGS, expected_strips, noisy_planes

    g = Geometry(720, 576, rotation, sar) if sar != 1 else Geometry(640, 360, rotation)
    planes = noisy_planes(g.width, g.height)
    before = planes.y.copy()
    ov.draw(planes, SETTINGS, 12, CAMERA, g)
    shown, want = g.to_display(planes.y).astype(int), expected_strips(*g.display_size)
    dw, _dh = g.display_size
    for x0, y0, x1, y1 in ov.strips(SETTINGS, *g.display_size):
        got = shown[y0:y1, x0:x1]
        if sar == 1:  # quarter turns move pixels without resampling: exactly the upright layout
            assert np.array_equal(got, want[y0:y1, x0:x1]), "the strip reads upright, as on square footage"
        else:
            assert np.abs(got - want[y0:y1, x0:x1]).mean() < 12, "the strip is the upright layout, resampled"
        assert y1 - y0 < 60 and x1 - x0 == dw, "a banner across the top or bottom as the viewer sees it"
    untouched = np.ones(before.shape, bool)
    for x0, y0, x1, y1 in ov.strips(SETTINGS, g.width, g.height, g):
        untouched[y0:y1, x0:x1] = False
    assert np.array_equal(planes.y[untouched], before[untouched]), "nothing outside the strips is touched"


def test_a_rotated_export_with_overlays_shows_its_banners_at_the_top_and_bottom(geo_dir, tmp_path):
    from reviewer.export.settings import Overlays

    clip = gc.make("rot90", geo_dir)
    src = MediaSource.from_file(clip.path)
    g = Geometry.of(src.info)
    # a mask in the middle of the displayed picture, so the leak check has a region beside the strips
    box = g.box_to_storage((100.0, 250.0), (260.0, 390.0))
    t = src.table
    track = MaskTrack(ShapeKind.RECT, (Keyframe(int(t.pts[0]), box), Keyframe(int(t.pts[-1]), box)),
                      effect=Effect(EffectKind.PIXELATE, 16), label="face", reason="third-party face")
    req = ExportRequest(overlays=Overlays(redacted_banner=True, incident_ref="INC-7", timestamp=True))
    res = export(src, MaskSet(tracks=(track,)), req, tmp_path / "ov.mp4", WHO)
    assert res.leak.passed and res.leak.regions_checked == t.frame_count
    for n, shown in enumerate(gc.display_frames(res.output)):
        grey = shown.astype(int).mean(axis=2)
        top, bottom = grey[2:20, :], grey[-20:-2, :]
        assert np.median(top) < 40 and np.median(bottom) < 40, f"frame {n}: banners across top and bottom"
        assert np.median(grey[300:340, 2:20]) > 40, f"frame {n}: no banner down the side"


def test_library_thumbnails_are_upright(lib_rec):
    from reviewer.library.views import thumbnail_path

    lib, opened, geo = lib_rec
    thumb = cv2.imread(str(thumbnail_path(lib.paths, opened.view.sha256)), cv2.IMREAD_COLOR)[..., ::-1]
    h, w = thumb.shape[:2]
    assert abs(w / h - geo.display[0] / geo.display[1]) < 0.02, "the thumbnail has the display aspect"
    assert framecode.read(thumb, width=geo.display[0]) is not None, "the code reads at the top-left"


def test_cli_frame_of_a_plain_file_is_the_displayed_picture(geo, home, tmp_path):
    from tests.core.test_cli import run

    png = tmp_path / "f.png"
    run(home, "frame", str(geo.path), "6", "-o", str(png))
    assert_displayed(cv2.imread(str(png), cv2.IMREAD_COLOR)[..., ::-1], geo, 6, "reviewer frame PNG")
