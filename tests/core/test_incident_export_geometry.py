"""A composite shows each source in its true geometry (issue 13 s.2 and s.4, ADR 0022): a phone clip turned 90
degrees and anamorphic PAL CCTV side by side, each tile the picture ffmpeg shows (autorotated, square pixels),
and a mask stored in the phone clip's stored pixels hides what it covers as displayed."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from reviewer.export.incident_export import IncidentExportJob, run_incident_export
from reviewer.library import Library
from reviewer.media.geometry import Geometry
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode, geometry_clips

INCIDENT = "INC-GEO"


@pytest.fixture
def lib(home, clip_dir):
    folder = clip_dir / "geometry-v1"  # shared with tests/core/test_geometry.py
    folder.mkdir(parents=True, exist_ok=True)
    clips = [geometry_clips.make(n, folder) for n in ("rot90", "pal_anamorphic")]
    with Library(home) as lib:
        report = lib.import_paths([c.path for c in clips], incident=INCIDENT)
        assert not report.errors, report.errors
        yield lib, {c.path.name: (c, next(v for v in report.added if v.file_name == c.path.name)) for c in clips}


def test_each_tile_is_its_source_as_displayed_and_masks_land_where_shown(lib, tmp_path):
    lib, clips = lib
    rot, rot_view = clips["geo_rot90.mp4"]
    pal, pal_view = clips["geo_pal_anamorphic.mp4"]
    opened = lib.open_recording(rot_view.id)
    g = Geometry.of(opened.info)
    dw, dh = g.display_size
    (x0, y0), (x1, y1) = g.box_to_storage((dw - 40, dh - 40), (dw, dh))  # the marker's corner, as stored
    MaskStore(lib).save_track(rot_view.id, MaskTrack(
        ShapeKind.RECT, (Keyframe(int(opened.table.pts[0]), ((x0, y0), (x1, y1))),), Effect(EffectKind.SOLID),
        label="marker", reason="third-party face"))
    out = tmp_path / "geo.mp4"
    [res] = run_incident_export(lib, IncidentExportJob(INCIDENT, 0.0, 0.4, out, layout="1x2", tile=(1024, 640),
                                                       recordings=(rot_view.id, pal_view.id), audio=False))
    assert res.leak.passed and res.leak.regions_checked > 0
    tiles = {s["recording_id"]: s["picture"] for s in res.manifest["sources"]}
    assert tiles[rot_view.id][2:] == [360, 640] and tiles[pal_view.id][2:] == [1024, 576]  # true shapes
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    shown = {rot_view.id: geometry_clips.display_frames(rot.path), pal_view.id: geometry_clips.display_frames(pal.path)}
    for k in (0, 5, 9):
        for rid, (x, y, w, h) in tiles.items():
            tile = frames[k][y:y + h, x:x + w]
            assert framecode.read(tile) == k  # the code is at the top-left as displayed (25 fps both: frame k)
            ref = cv2.resize(shown[rid][k], (w, h), interpolation=cv2.INTER_AREA)
            if rid == pal_view.id:
                assert geometry_clips.marker_at_bottom_right(tile)
                assert np.abs(tile.astype(int) - ref).mean() < 4.0
            else:  # the phone clip's marker, masked in its stored pixels, is black where it is shown
                assert not geometry_clips.marker_at_bottom_right(tile)
                assert tile[h - 34:h - 6, w - 34:w - 6].max() < 20
                assert np.abs(tile.astype(int) - ref)[:h - 48, :].mean() < 4.0
