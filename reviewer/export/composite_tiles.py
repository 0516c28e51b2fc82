"""One recording's tiles in an incident composite: its exact frame, redacted by its own masks in its stored pixels
(the editor's and the single export's redact()), then shown as displayed (ADR 0022's one transform), then scaled
into its tile; and the label burned in below it.

The leak check needs the masks where they land in the tile: tile_regions() takes each rasterised mask through
the same transform as the picture, so the encoder and the checker agree on every region without storing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from reviewer.export import overlays as ov
from reviewer.export.composite_plan import TileSpec
from reviewer.export.measures import MIN_PIXELS, visible_interiors
from reviewer.export.measures import _sample_points as sample_points
from reviewer.export.textmask import ascii_mask, text_mask
from reviewer.media.timecode import camera_time, format_camera_time
from reviewer.redact.effects import Region
from reviewer.redact.model import MaskSet, MaskTrack
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact, regions_at

NO_FOOTAGE = "no footage at this time"


@dataclass(frozen=True)
class TileRegion:
    name: str  # the mask's label (or "blackout"), for a leak-check failure
    track: MaskTrack | None
    region: Region  # in the tile picture's own pixels


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 limited-range luma, as swscale makes the copy's Y plane from our RGB canvas."""
    y = 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255.0
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def to_tile(spec: TileSpec, stored_rgb: np.ndarray) -> np.ndarray:
    """A stored picture as it appears in the tile: displayed, then scaled to the tile's picture size."""
    shown = spec.geometry.to_display(stored_rgb)
    w, h = spec.picture[2], spec.picture[3]
    if (shown.shape[1], shown.shape[0]) != (w, h):
        shown = cv2.resize(shown, (w, h), interpolation=cv2.INTER_AREA)
    return shown


def tile_regions(spec: TileSpec, mask_set: MaskSet, pts: int) -> list[TileRegion]:
    """The recording's masks at `pts` (rasterised in stored pixels, in the order redact() applies them), each
    taken through to_tile(): where its effect lands in the tile picture."""
    g = spec.geometry
    out = []
    for track, region in regions_at(mask_set, pts, g.width, g.height):
        full = np.zeros((g.height, g.width), np.uint8)
        full[region.y0:region.y1, region.x0:region.x1][region.mask] = 255
        shown = to_tile(spec, full) >= 128
        ys, xs = np.nonzero(shown)
        if ys.size == 0:
            continue
        # the box on even edges (the picture's size is even), so the half-resolution chroma covers it exactly
        y0, x0 = int(ys.min()) & ~1, int(xs.min()) & ~1
        y1, x1 = min(shown.shape[0], (int(ys.max()) + 2) & ~1), min(shown.shape[1], (int(xs.max()) + 2) & ~1)
        name = "blackout" if track is None else (track.label or track.id[:8])
        out.append(TileRegion(name, track, Region(x0, y0, x1, y1, shown[y0:y1, x0:x1])))
    return out


def interiors(regions: list[TileRegion]) -> list[np.ndarray]:
    return visible_interiors([r.region for r in regions])


@dataclass(frozen=True)
class Samples:
    """A region's luma at up to measures.PROBE_SAMPLES interior points (tile pixels) before and after redaction:
    what the leak check compares the copy with."""

    rows: np.ndarray
    cols: np.ndarray
    before: np.ndarray  # the unredacted tile
    after: np.ndarray  # the tile as it should be redacted

    @classmethod
    def take(cls, region: Region, inner: np.ndarray, before: np.ndarray, after: np.ndarray) -> "Samples | None":
        if np.count_nonzero(inner) < MIN_PIXELS:
            return None  # too few visible pixels to show anything (measures.MIN_PIXELS)
        r, c = sample_points(inner)
        r, c = r + region.y0, c + region.x0
        return cls(r, c, before[r, c].astype(np.float32), after[r, c].astype(np.float32))


@dataclass
class Rendered:
    index: int
    pts: int
    picture: np.ndarray  # RGB, the tile picture's size
    samples: list  # per tile region: Samples (None: nothing to compare)


class TileSource:
    """Hands out one recording's tile pictures in output order; a frame shown on several output frames (a
    slower camera than the output rate) is decoded and redacted once."""

    def __init__(self, spec: TileSpec, source, mask_set: MaskSet, redactor=redact, cache_bytes: int = 32 << 20):
        self.spec, self.source, self.mask_set, self.redactor = spec, source, mask_set, redactor
        self.reader = source.reader(cache_bytes=cache_bytes)
        self._last: Rendered | None = None

    def close(self) -> None:
        self.reader.close()

    def render(self, index: int, leak_check: bool = True) -> Rendered:
        if self._last is not None and self._last.index == index:
            return self._last
        frame = self.reader.frame(index)
        planes = Planes.from_frame(frame.video)  # a copy: the reader's cache keeps its own frame untouched
        regions = regions_at(self.mask_set, frame.pts, planes.width, planes.height)
        expected = None
        if leak_check and regions:
            # the leak check's own expectation, redacted apart from the picture that is encoded: it must not
            # trust the path it checks
            before = luma(to_tile(self.spec, planes.to_rgb()))
            copy = planes.copy()
            redact(copy, self.mask_set, frame.pts, regions=regions)
            expected = luma(to_tile(self.spec, copy.to_rgb()))
        self.redactor(planes, self.mask_set, frame.pts, regions=regions)
        picture = to_tile(self.spec, planes.to_rgb())
        samples: list = []
        if expected is not None:
            after = expected
            trs = tile_regions(self.spec, self.mask_set, frame.pts)
            samples = [Samples.take(tr.region, inner, before, after) for tr, inner in zip(trs, interiors(trs))]
        self._last = Rendered(index, frame.pts, picture, samples)
        return self._last

    def label(self, index: int | None) -> str:
        """What the strip says after the camera id: its own camera time and frame, or that it has none."""
        if index is None:
            return f"  {NO_FOOTAGE}"
        when = camera_time(self.source.camera_start, self.source.table.media_time(index))
        return f"  {format_camera_time(when)}  frame {index}"


def draw_label(canvas: np.ndarray, spec: TileSpec, text_after: str) -> None:
    """The label strip below the picture: the camera id (any script) then the time/frame line, on the overlays'
    opaque band colours."""
    x, y, w, h = spec.label
    band = canvas[y:y + h, x:x + w]
    band[:] = ov.BACKGROUND
    parts = [text_mask(spec.camera, h), ascii_mask(text_after, h)]
    pad = h // 3
    at = x + pad
    for mask in parts:
        right = min(at + mask.shape[1], x + w)
        if right <= at:
            break
        cover = mask[:h, :right - at].astype(np.uint16)
        ink = cover > 0
        target = canvas[y:y + h, at:right]
        value = ((ov.BACKGROUND * (255 - cover) + ov.FOREGROUND * cover + 127) // 255).astype(np.uint8)
        target[ink] = value[ink][:, None]
        at = right
