"""Editing geometry of mask shapes in source pixels: handles, hit tests, moves, resizes, lasso simplification.

Qt-free (plain tuples and numpy), so the draw tool stays about input and painting. Rectangles and ellipses are
two points (top-left, bottom-right), polygons their vertices, exactly as reviewer.redact.model stores them.
"""

from __future__ import annotations

import cv2
import numpy as np

from reviewer.redact.interpolate import bounds
from reviewer.redact.model import Point, ShapeKind

Points = tuple[Point, ...]

MIN_SIZE = 4.0  # px: smaller boxes are a click, not a shape (and too small for the tracker)


def box(a: Point, b: Point) -> Points:
    """The two-point geometry of the box spanned by two corners given in any order."""
    return (min(a[0], b[0]), min(a[1], b[1])), (max(a[0], b[0]), max(a[1], b[1]))


def big_enough(points: Points) -> bool:
    x0, y0, x1, y1 = bounds(points)
    return x1 - x0 >= MIN_SIZE and y1 - y0 >= MIN_SIZE


def handles(kind: ShapeKind, points: Points) -> Points:
    """Grab points: corners and edge midpoints of the box for rectangles and ellipses (clockwise from the
    top-left), every vertex for polygons."""
    if kind is ShapeKind.POLYGON:
        return tuple(points)
    x0, y0, x1, y1 = bounds(points)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return ((x0, y0), (cx, y0), (x1, y0), (x1, cy), (x1, y1), (cx, y1), (x0, y1), (x0, cy))


# which box sides each rect/ellipse handle moves: (moves x0, moves y0, moves x1, moves y1)
_SIDES = ((1, 1, 0, 0), (0, 1, 0, 0), (0, 1, 1, 0), (0, 0, 1, 0), (0, 0, 1, 1), (0, 0, 0, 1), (1, 0, 0, 1),
          (1, 0, 0, 0))


def drag_handle(kind: ShapeKind, points: Points, handle: int, to: Point) -> Points:
    """Geometry after dragging handle `handle` to `to`. A box dragged past its opposite side flips over
    rather than turning inside out."""
    if kind is ShapeKind.POLYGON:
        out = list(points)
        out[handle] = (float(to[0]), float(to[1]))
        return tuple(out)
    x0, y0, x1, y1 = bounds(points)
    mx0, my0, mx1, my1 = _SIDES[handle]
    x0, y0 = (to[0] if mx0 else x0), (to[1] if my0 else y0)
    x1, y1 = (to[0] if mx1 else x1), (to[1] if my1 else y1)
    return box((x0, y0), (x1, y1))


def translate(points: Points, dx: float, dy: float) -> Points:
    return tuple((x + dx, y + dy) for x, y in points)


def contains(kind: ShapeKind, points: Points, p: Point, slack: float = 0.0) -> bool:
    """Whether `p` is on the shape, allowing `slack` px outside its outline (for grabbing thin shapes)."""
    x0, y0, x1, y1 = bounds(points)
    if not (x0 - slack <= p[0] <= x1 + slack and y0 - slack <= p[1] <= y1 + slack):
        return False
    if kind is ShapeKind.RECT:
        return True
    if kind is ShapeKind.ELLIPSE:
        rx, ry = max(1e-6, (x1 - x0) / 2 + slack), max(1e-6, (y1 - y0) / 2 + slack)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return ((p[0] - cx) / rx) ** 2 + ((p[1] - cy) / ry) ** 2 <= 1.0
    contour = np.asarray(points, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(p[0]), float(p[1])), True) >= -slack


CORNERS = frozenset({0, 2, 4, 6})  # of a box's eight handles


def nearest_handle(kind: ShapeKind, points: Points, p: Point, radius: float,
                   allowed: frozenset[int] | None = None) -> int | None:
    best, where = radius, None
    for i, (hx, hy) in enumerate(handles(kind, points)):
        if allowed is not None and i not in allowed:
            continue
        d = max(abs(hx - p[0]), abs(hy - p[1]))
        if d <= best:
            best, where = d, i
    return where


def simplify_lasso(trace: Points, epsilon: float = 2.0) -> Points:
    """A freehand trace as a polygon of few vertices (Douglas-Peucker, closed curve), at least a triangle."""
    if len(trace) < 3:
        return tuple(trace)
    curve = np.asarray(trace, np.float32).reshape(-1, 1, 2)
    eps = epsilon
    approx = cv2.approxPolyDP(curve, eps, True)
    while len(approx) < 3 and eps > 0.05:  # a thin trace can collapse to a line: keep detail until it is an area
        eps /= 2
        approx = cv2.approxPolyDP(curve, eps, True)
    return tuple((float(x), float(y)) for x, y in approx.reshape(-1, 2))


def refit(points: Points, old_box: tuple[float, float, float, float],
          new_box: tuple[float, float, float, float]) -> Points:
    """Map a shape from one box onto another (tracking moves and scales a box; polygons follow it)."""
    ox0, oy0, ox1, oy1 = old_box
    nx0, ny0, nx1, ny1 = new_box
    sx = (nx1 - nx0) / max(1e-6, ox1 - ox0)
    sy = (ny1 - ny0) / max(1e-6, oy1 - oy0)
    return tuple((nx0 + (x - ox0) * sx, ny0 + (y - oy0) * sy) for x, y in points)
