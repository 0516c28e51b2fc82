"""What an incident composite shows (issue 13 s.4): which recordings, where each one's tile sits, and which exact
frame of each it shows at every output instant.

The output runs at one fixed rate (the first, or chosen, recording's usual frame gap). Output frame k stands for
incident time start + k * step, and every tile shows its recording's frame at that instant through the incident
clock (IncidentClock.frame_at, the grid's own rule), so a composite and the grid agree on every tile. A recording
that is not running at that instant gets a labelled black tile. Pure: no footage is read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from reviewer.errors import ReviewerError
from reviewer.export.overlays import strip_height
from reviewer.incident.clock import FrameAt, IncidentClock
from reviewer.media.geometry import Geometry

LAYOUTS = {"1x2": (2, 1), "2x2": (2, 2)}  # columns, rows
MAX_TILE = (960, 540)  # a tile's picture box at most: four of them still make a 1080p-sized copy


@dataclass(frozen=True)
class Interval:
    """[start, end) in incident seconds."""

    start: float
    end: float

    def to_json(self, clock: IncidentClock) -> dict:
        wall = [clock.wall_time(t) for t in (self.start, self.end)]
        return {"incident": clock.reference, "from": round(self.start, 6), "to": round(self.end, 6),
                "from_wall": wall[0] and wall[0].isoformat(), "to_wall": wall[1] and wall[1].isoformat(),
                "origin": clock.origin and clock.origin.isoformat()}


@dataclass(frozen=True)
class TileSpec:
    key: str  # the recording's SHA-256
    recording_id: str
    camera: str  # burned in: the camera's device id, or the file name without one
    geometry: Geometry  # how the recording is shown (ADR 0022)
    cell: tuple[int, int, int, int]  # x, y, w, h of the whole tile in the canvas
    picture: tuple[int, int, int, int]  # where the displayed picture sits in it, letterboxed (canvas pixels)
    label: tuple[int, int, int, int]  # the strip below the picture that names camera, camera time and frame


@dataclass(frozen=True)
class CompositePlan:
    interval: Interval
    layout: str
    step: Fraction  # seconds between output frames (and the output's time base)
    frames: int
    width: int
    height: int
    tiles: tuple[TileSpec, ...]
    clock: IncidentClock  # with every tile's frame table bound

    def time_of(self, k: int) -> float:
        return self.interval.start + float(k * self.step)

    def frame_of(self, tile: TileSpec, k: int) -> FrameAt:
        return self.clock.frame_at(tile.key, self.time_of(k))


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def tile_box(first: Geometry, tile: tuple[int, int] | None) -> tuple[int, int]:
    """The picture box of every tile: asked for, or the first recording's display size within MAX_TILE."""
    if tile is not None:
        w, h = tile
        if not (16 <= w <= MAX_TILE[0] * 2 and 16 <= h <= MAX_TILE[1] * 2):
            raise ReviewerError(f"tile size {w}x{h}: give 16x16 to {MAX_TILE[0] * 2}x{MAX_TILE[1] * 2} pixels")
        return _even(w), _even(h)
    dw, dh = first.display_size
    f = min(1.0, MAX_TILE[0] / dw, MAX_TILE[1] / dh)
    return _even(dw * f), _even(dh * f)


def fit(geometry: Geometry, box: tuple[int, int]) -> tuple[int, int, int, int]:
    """The displayed picture scaled to fit `box` at its true aspect, centred: (x, y, w, h), all even so the
    half-resolution chroma of the copy lines up with each tile."""
    dw, dh = geometry.display_size
    s = min(box[0] / dw, box[1] / dh)
    w, h = min(box[0], _even(dw * s)), min(box[1], _even(dh * s))
    return (box[0] - w) // 2 & ~1, (box[1] - h) // 2 & ~1, w, h


def step_of(clock: IncidentClock, key: str) -> Fraction:
    """One usual frame of recording `key`: the output's frame duration when it sets the rate."""
    table = clock.get(key).table
    return Fraction(table.typical_frame_ticks) * table.time_base


def make_plan(clock: IncidentClock, keys: list[str], cameras: dict[str, str], geometries: dict[str, Geometry],
              layout: str, interval: Interval, rate_key: str | None = None,
              tile: tuple[int, int] | None = None) -> CompositePlan:
    """`clock` must have the tables of `keys` bound; tiles are laid out in the order of `keys`, left to right and
    top to bottom."""
    if layout not in LAYOUTS:
        raise ReviewerError(f"--layout {layout}: use one of {', '.join(LAYOUTS)}")
    cols, rows = LAYOUTS[layout]
    if not 1 <= len(keys) <= cols * rows:
        raise ReviewerError(f"layout {layout} holds {cols * rows} cameras; {len(keys)} were chosen "
                            f"(choose them with --camera, or use {'2x2' if len(keys) <= 4 else 'fewer cameras'})")
    if not interval.end > interval.start:
        raise ReviewerError(f"incident interval {interval.start:g} to {interval.end:g}: the end must come after "
                            f"the start")
    if not any(clock.start(k) < interval.end and clock.end(k) > interval.start for k in keys):
        lo, hi = clock.span()
        raise ReviewerError(f"incident {clock.reference}: no chosen recording has footage between "
                            f"{interval.start:g} and {interval.end:g} s (the incident runs {lo:.3f} to {hi:.3f} s)")
    step = step_of(clock, rate_key or keys[0])
    frames = max(1, math.ceil((interval.end - interval.start) / step - 1e-9))
    bw, bh = tile_box(geometries[keys[0]], tile)
    sh = strip_height(bh)
    cw, ch = bw, bh + sh
    specs = []
    for n, key in enumerate(keys):
        cx, cy = (n % cols) * cw, (n // cols) * ch
        px, py, pw, ph = fit(geometries[key], (bw, bh))
        p = clock.get(key)
        specs.append(TileSpec(key, p.recording_id, cameras[key], geometries[key], (cx, cy, cw, ch),
                              (cx + px, cy + py, pw, ph), (cx, cy + bh, cw, sh)))
    return CompositePlan(interval, layout, step, frames, cols * cw, rows * ch, tuple(specs), clock)
