"""Export one frame as evidence: a full-resolution RGB PNG (no overlays) plus a sidecar JSON that ties it to the
recording (SHA-256), the frame (index, pts, time base) and both clocks.

Qt-free apart from living under ui/: it works on the numpy picture the player already holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

import reviewer
from reviewer import atomic
from reviewer.errors import ReviewerError
from reviewer.media.timecode import camera_time, format_camera_time, format_media_time


def file_sha256(path: Path, chunk: int = 4 * 1024 * 1024) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def recording_sha256(source) -> str:
    """The library's recorded hash when the source came from the library, else the file's hash."""
    view = getattr(source, "view", None)
    sha = getattr(view, "sha256", None)
    return sha if sha else file_sha256(Path(source.path))


def sidecar_path(png_path: Path) -> Path:
    return png_path.with_suffix(".json")


def export_frame(png_path: str | Path, rgb: np.ndarray, source, index: int, sha256: str) -> tuple[Path, Path]:
    """Write `rgb` (presented frame `index` of `source`) and its sidecar atomically; returns both paths."""
    png_path = Path(png_path)
    if png_path.suffix.lower() != ".png":
        png_path = png_path.with_name(png_path.name + ".png")
    table = source.table
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ReviewerError(f"{png_path}: frame {index} is not an RGB picture")
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))  # OpenCV writes BGR order
    if not ok:
        raise ReviewerError(f"{png_path}: PNG encoding failed for frame {index}")
    data = encoded.tobytes()
    media = table.media_time(index)
    cam = camera_time(getattr(source, "camera_start", None), media)
    view = getattr(source, "view", None)
    sidecar = {
        "recording_sha256": sha256,
        "recording_id": getattr(view, "id", None),
        "recording_file": Path(source.path).name,
        "frame_index": int(index),
        "frame_count": table.frame_count,
        "pts": table.pts_of(index),
        "time_base": f"{table.time_base.numerator}/{table.time_base.denominator}",
        "media_time": media,
        "media_time_text": format_media_time(media),
        "camera_time": cam.isoformat() if cam else None,
        "camera_time_text": format_camera_time(cam) if cam else None,
        "width": int(rgb.shape[1]),
        "height": int(rgb.shape[0]),
        "png_file": png_path.name,
        "png_sha256": hashlib.sha256(data).hexdigest(),
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "tool": "bwv-reviewer",
        "tool_version": reviewer.__version__,
    }
    side = sidecar_path(png_path)
    atomic.write_bytes(png_path, data)
    atomic.write_text(side, json.dumps(sidecar, indent=2) + "\n")
    return png_path, side
