"""Export one frame as evidence: a full-resolution RGB PNG (no overlays) plus a sidecar JSON that ties it to the
recording (SHA-256), the frame (index, pts, time base) and both clocks.

Qt-free apart from living under ui/: it works on the numpy picture the player already holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reviewer import atomic
from reviewer.config import default_home
from reviewer.errors import ReviewerError
from reviewer.library.originals import sha256_file
from reviewer.export.stills import frame_record, png_bytes
from reviewer.outputs import check_output_path


def recording_sha256(source) -> str:
    """The library's recorded hash when the source came from the library, else the file's hash."""
    view = getattr(source, "view", None)
    sha = getattr(view, "sha256", None)
    return sha if sha else sha256_file(Path(source.path))


def sidecar_path(png_path: Path) -> Path:
    return png_path.with_suffix(".json")


def export_frame(png_path: str | Path, rgb: np.ndarray, source, index: int, sha256: str,
                 home: Path | None = None) -> tuple[Path, Path]:
    """Write `rgb` (presented frame `index` of `source`, a file outside the library) and its sidecar atomically;
    returns both paths. The caller's file dialog has asked before replacing; nothing goes inside `home`."""
    png_path = Path(png_path)
    if png_path.suffix.lower() != ".png":
        png_path = png_path.with_name(png_path.name + ".png")
    png_path = check_output_path(home or default_home(), png_path, overwrite=True, what="exported frame").path
    check_output_path(home or default_home(), sidecar_path(png_path), overwrite=True, what="frame sidecar")
    table = source.table
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ReviewerError(f"{png_path}: frame {index} is not an RGB picture")
    data = png_bytes(png_path, rgb)
    sidecar = frame_record(source, index, table.pts_of(index), rgb, png_path, data, sha256)
    side = sidecar_path(png_path)
    atomic.write_bytes(png_path, data)
    atomic.write_text(side, json.dumps(sidecar, indent=2) + "\n")
    return png_path, side
