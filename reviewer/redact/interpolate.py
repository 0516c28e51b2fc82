"""interpolate(track, pts): THE geometry of a track at a frame. The editor preview and the export both call this.

Rules (ADR 0004, "A mask stays until hidden"):
- before the first keyframe there is nothing: a mask starts on the frame it was drawn (or tracked back) to;
- from a hidden keyframe until the next visible keyframe there is nothing ("hide from here");
- at a keyframe the keyframe's own points, exactly;
- between two visible keyframes, linear motion vertex by vertex (polygons with different vertex counts are
  resampled by arc length to the larger count);
- after a visible keyframe with no later one, or until a following hidden one, the geometry holds still: a mask
  stays until it is hidden, it never lapses at its last keyframe.
"""

from __future__ import annotations

import bisect

import numpy as np

from reviewer.redact.model import MaskTrack, Point


def interpolate(track: MaskTrack, pts: int) -> tuple[Point, ...] | None:
    times = track.pts_list
    if not times or pts < times[0]:
        return None
    i = bisect.bisect_right(times, pts) - 1
    k0 = track.keyframes[i]
    if k0.hidden:
        return None
    if times[i] == pts or i + 1 >= len(times):
        return k0.points
    k1 = track.keyframes[i + 1]
    if k1.hidden:
        return k0.points
    t = (pts - k0.pts) / (k1.pts - k0.pts)
    a, b = k0.points, k1.points
    if len(a) != len(b):
        n = max(len(a), len(b))
        a, b = resample_polygon(a, n), resample_polygon(b, n)
    return tuple((ax + (bx - ax) * t, ay + (by - ay) * t) for (ax, ay), (bx, by) in zip(a, b))


def resample_polygon(points: tuple[Point, ...], n: int) -> tuple[Point, ...]:
    """`n` vertices spaced evenly along the closed outline, starting at the first vertex."""
    if len(points) == n:
        return points
    p = np.asarray(points, dtype=np.float64)
    closed = np.vstack([p, p[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    total = float(seg.sum())
    if total == 0:
        return tuple((float(p[0, 0]), float(p[0, 1])) for _ in range(n))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    targets = np.linspace(0.0, total, n, endpoint=False)
    xs = np.interp(targets, cum, closed[:, 0])
    ys = np.interp(targets, cum, closed[:, 1])
    return tuple(zip(xs.tolist(), ys.tolist()))


def bounds(points: tuple[Point, ...]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)
