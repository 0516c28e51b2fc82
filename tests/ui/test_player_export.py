"""Frame export: the PNG is the exact frame at full resolution, and the sidecar ties it to the recording."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import cv2
import numpy as np
import pytest

from reviewer.media.source import MediaSource
from tests.fixtures import framecode

pytestmark = pytest.mark.gui


def test_export_writes_the_exact_frame_and_a_truthful_sidecar(player, make_clip, tmp_path):
    clip = make_clip("vfr_h264")
    start = dt.datetime(2024, 5, 1, 14, 3, 22, 0, tzinfo=dt.timezone.utc)
    src = dataclasses.replace(MediaSource.from_file(clip.path), camera_start=start)
    player.open(src)
    c = player.controller
    c.seek(123)
    player.settle(123)
    player.canvas.set_zoom(4.0)  # the export ignores what the canvas shows: always full resolution

    png, side = c.export_current_frame(tmp_path / "still")
    assert png == tmp_path / "still.png" and side == tmp_path / "still.json"
    bgr = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    assert bgr.shape == (clip.height, clip.width, 3)
    rgb = bgr[..., ::-1]
    assert framecode.read(rgb) == clip.first_code + 123
    assert np.array_equal(rgb, c.current_frame_rgb())

    meta = json.loads(side.read_text())
    table = src.table
    media = table.media_time(123)
    assert meta["recording_sha256"] == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    assert meta["frame_index"] == 123
    assert meta["pts"] == int(table.pts[123])
    assert meta["time_base"] == f"{table.time_base.numerator}/{table.time_base.denominator}"
    assert meta["media_time"] == pytest.approx(media)
    assert dt.datetime.fromisoformat(meta["camera_time"]) == start + dt.timedelta(seconds=media)
    assert meta["png_sha256"] == hashlib.sha256(png.read_bytes()).hexdigest()
    exported = dt.datetime.fromisoformat(meta["exported_at"])
    assert exported.utcoffset() == dt.timedelta(0)
    assert meta["tool_version"]
    assert not list(tmp_path.glob("*.part")), "temporary files must not be left behind"


def test_a_library_recording_is_not_exported_past_the_gate(player, make_clip, tmp_path):
    """The player writes frames of files from outside the library only: a library recording's frame goes
    through reviewer.export.frame (permission, audit, disclosure log), so the controller refuses it."""

    @dataclasses.dataclass
    class View:
        sha256: str
        id: str = "rec-1"

    clip = make_clip("cfr_h264")
    base = MediaSource.from_file(clip.path)

    @dataclasses.dataclass
    class Opened:
        path: object
        info: object
        table: object
        camera_start: object
        view: View

        def reader(self, cache_bytes=0):
            return base.reader(cache_bytes)

    src = Opened(base.path, base.info, base.table, None, View("ab" * 32))
    player.open(src)
    with pytest.raises(ValueError, match="through reviewer.export.frame"):
        player.controller.export_current_frame(tmp_path / "f0.png")
    assert not list(tmp_path.glob("f0*"))
