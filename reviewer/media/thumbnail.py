"""Library thumbnails: the exact frame about 10% in (past black lead-ins), 320 px wide, PNG."""

from __future__ import annotations

from pathlib import Path

import cv2

from reviewer.atomic import write_bytes
from reviewer.errors import MediaError
from reviewer.media.frame_reader import FrameReader
from reviewer.media.frametable import FrameTable
from reviewer.media.geometry import Geometry

THUMB_WIDTH = 320


def thumbnail_index(table: FrameTable) -> int:
    return min(table.frame_count - 1, table.frame_count // 10)


def make_thumbnail(media: Path, table: FrameTable, out: Path, width: int = THUMB_WIDTH,
                   geometry: Geometry | None = None) -> Path:
    """Decode the frame exactly (the same path review uses) and write it scaled, as displayed when `geometry`
    (the probe's) is given; raises MediaError."""
    with FrameReader(media, table, cache_bytes=64 * 1024 * 1024) as reader:
        rgb = reader.frame(thumbnail_index(table)).rgb()
    if geometry is not None:
        rgb = geometry.to_display(rgb)
    h, w = rgb.shape[:2]
    height = max(1, round(h * width / w))
    interp = cv2.INTER_AREA if width < w else cv2.INTER_LINEAR
    small = cv2.resize(rgb, (width, height), interpolation=interp)
    ok, png = cv2.imencode(".png", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(media, "thumbnail could not be encoded")
    write_bytes(out, png.tobytes())
    return out
