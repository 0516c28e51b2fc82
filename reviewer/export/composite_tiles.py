"""One recording's tiles in an incident composite: its exact frame, redacted by its own masks in its stored pixels
(the editor's and the single export's redact()), then shown as displayed (ADR 0022's one transform), then scaled
into its tile; and the label burned in below it.

Tiles are made on the YUV 4:2:0 planes, as the single export redacts them. The leak check needs the masks where
they land in the tile: tile_regions() takes each rasterised mask through
the same transform as the picture, so the encoder and the checker agree on every region without storing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from reviewer.export import overlays as ov
from reviewer.export.composite_plan import TileSpec
from reviewer.export.measures import MIN_PIXELS, sample_points, visible_interiors
from reviewer.export.textmask import ascii_mask, text_mask
from reviewer.media.geometry import Geometry
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


def to_tile(spec: TileSpec, stored: np.ndarray, chroma: bool = False) -> np.ndarray:
    """A stored plane as it appears in the tile: displayed, then scaled to the tile's picture size. `chroma`: a
    half-resolution U or V plane, taken through the same turn and scaling at half size. Working on the planes
    keeps the copy's luma exactly what is redacted and checked (no RGB round trip), and is quicker."""
    g = spec.geometry
    w, h = spec.picture[2], spec.picture[3]
    if chroma:
        g, w, h = Geometry(g.width // 2, g.height // 2, g.rotation, g.sar), w // 2, h // 2
    shown = g.to_display(stored)
    if (shown.shape[1], shown.shape[0]) != (w, h):
        shown = cv2.resize(shown, (w, h), interpolation=cv2.INTER_AREA)
    return shown


def tile_planes(spec: TileSpec, planes: Planes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return to_tile(spec, planes.y), to_tile(spec, planes.u, True), to_tile(spec, planes.v, True)


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
    picture: tuple[np.ndarray, np.ndarray, np.ndarray]  # Y, U, V at the tile picture's size (4:2:0)
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
            before = to_tile(self.spec, planes.y.copy())  # a copy: an unscaled tile may be the plane itself
            copy = planes.copy()
            redact(copy, self.mask_set, frame.pts, regions=regions)
            expected = to_tile(self.spec, copy.y)
        self.redactor(planes, self.mask_set, frame.pts, regions=regions)
        picture = tile_planes(self.spec, planes)
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


def draw_label(canvas: Planes, spec: TileSpec, text_after: str) -> None:
    """The label strip below the picture: the camera id (any script) then the time/frame line, on the overlays'
    opaque band colours (neutral chroma)."""
    x, y, w, h = spec.label
    canvas.y[y:y + h, x:x + w] = ov.BACKGROUND
    canvas.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = 128
    canvas.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = 128
    at = x + h // 3
    for mask in (text_mask(spec.camera, h), ascii_mask(text_after, h)):
        right = min(at + mask.shape[1], x + w)
        if right <= at:
            break
        cover = mask[:h, :right - at].astype(np.uint16)
        ink = cover > 0
        value = ((ov.BACKGROUND * (255 - cover) + ov.FOREGROUND * cover + 127) // 255).astype(np.uint8)
        canvas.y[y:y + h, at:right][ink] = value[ink]
        at = right
