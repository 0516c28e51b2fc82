"""Moving and free-standing things in the demo street: parked cars with number plates, lamp posts, people.

People get a face-like ellipse with eyes when they face the lens, which is what a redaction reviewer looks for.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from reviewer.demo.camera import NEAR, Projector
from reviewer.demo.world import Car, Walker

SHIFT = 3
ONE = 1 << SHIFT


def fill_polys(img, polys: list[np.ndarray], colour) -> None:
    """Filled polygons (int32, SHIFT sub-pixel bits) with smooth edges.

    An anti-aliased outline over a plain fill looks the same as cv2's anti-aliased fill at a fraction of its
    cost on large areas (measured on this street: 11 ms -> 5 ms of filling per frame).
    """
    cv2.fillPoly(img, polys, colour, cv2.LINE_8, SHIFT)
    cv2.polylines(img, polys, True, colour, 1, cv2.LINE_AA, SHIFT)


def _fill(img, poly_px, colour) -> None:
    fill_polys(img, [np.round(poly_px * ONE).astype(np.int32)], colour)


def _world_poly(img, proj: Projector, pts, colour) -> np.ndarray | None:
    px = proj.clip_polygon(np.asarray(pts, np.float64))
    if px is not None:
        _fill(img, px, colour)
    return px


def _shade(colour, k):
    return tuple(int(max(0, min(255, c * k))) for c in colour)


# ---- cars -------------------------------------------------------------------------------------------------------
def _box_faces(x0, x1, y0, y1, z0, z1):
    """Six faces of an axis-aligned box with outward normals."""
    return [
        ([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0]], (0, 0, -1)),
        ([[x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]], (0, 0, 1)),
        ([[x0, y0, z0], [x0, y0, z1], [x0, y1, z1], [x0, y1, z0]], (-1, 0, 0)),
        ([[x1, y0, z0], [x1, y0, z1], [x1, y1, z1], [x1, y1, z0]], (1, 0, 0)),
        ([[x0, y1, z0], [x1, y1, z0], [x1, y1, z1], [x0, y1, z1]], (0, 1, 0)),
    ]


def _facing_camera(proj: Projector, pts, normal) -> bool:
    centre = np.mean(np.asarray(pts, np.float64), axis=0)
    return float(np.dot(proj.origin - centre, normal)) > 0


@functools.lru_cache(maxsize=16)
def _plate_image(text: str, rear: bool) -> np.ndarray:
    """A UK-style plate: yellow at the rear, white at the front, black characters."""
    w, h = 420, 90
    img = np.full((h, w, 3), (244, 200, 20) if rear else (240, 240, 236), np.uint8)
    cv2.rectangle(img, (0, 0), (w - 1, h - 1), (20, 20, 20), 3)
    font = cv2.FONT_HERSHEY_DUPLEX
    (tw, th), _ = cv2.getTextSize(text, font, 2.2, 5)
    cv2.putText(img, text, ((w - tw) // 2, (h + th) // 2), font, 2.2, (12, 12, 12), 5, cv2.LINE_AA)
    return img


def _draw_plate(img, proj: Projector, corners_world: np.ndarray, text: str, rear: bool) -> None:
    cam = proj.to_camera(corners_world)
    if (cam[:, 2] < NEAR).any():
        return
    dst = proj.to_pixels(cam).astype(np.float32)
    x0, y0 = np.floor(dst.min(0)).astype(int)
    x1, y1 = np.ceil(dst.max(0)).astype(int) + 1
    h, w = img.shape[:2]
    if x1 <= 0 or y1 <= 0 or x0 >= w or y0 >= h or x1 - x0 < 3:
        return
    if x1 - x0 < 14:
        _fill(img, dst.astype(np.float64), (244, 200, 20) if rear else (240, 240, 236))
        return
    plate = _plate_image(text, rear)
    ph, pw = plate.shape[:2]
    src = np.float32([[0, ph], [pw, ph], [pw, 0], [0, 0]])
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    roi = img[cy0:cy1, cx0:cx1].copy()
    m = cv2.getPerspectiveTransform(src, dst - np.float32([cx0, cy0]))
    cv2.warpPerspective(plate, m, (cx1 - cx0, cy1 - cy0), dst=roi, flags=cv2.INTER_AREA,
                        borderMode=cv2.BORDER_TRANSPARENT)
    img[cy0:cy1, cx0:cx1] = roi


def draw_car(img, proj: Projector, car: Car) -> None:
    f = car.facing
    z_end, z_other = car.z, car.z + 4.3 * f  # the end nearest the start of the street first
    zs = sorted((z_end, z_other))
    x0, x1 = car.x - 0.9, car.x + 0.9
    glass = (40, 48, 58)
    corners = proj.to_camera(np.array([[x, y, zz] for x in (x0, x1) for y in (0.0, 1.42) for zz in zs]))
    if (corners[:, 2] < NEAR).all():
        return
    if (corners[:, 2] >= NEAR).all():
        px = proj.to_pixels(corners)
        h, w = img.shape[:2]
        lo, hi = px.min(0), px.max(0)
        if hi[0] < 0 or hi[1] < 0 or lo[0] >= w or lo[1] >= h:
            return
        if hi[0] - lo[0] < 8:  # a few pixels far down the street: a blob of the right colour is enough
            near_end = zs[0] if proj.origin[2] < zs[0] else zs[1]
            _world_poly(img, proj, [[x0, 0.2, near_end], [x1, 0.2, near_end], [x1, 1.3, near_end],
                                    [x0, 1.3, near_end]], _shade(car.colour, 0.9))
            return
    for pts, n in _box_faces(x0, x1, 0.3, 0.98, zs[0], zs[1]):
        if _facing_camera(proj, pts, n):
            k = {(0, 1, 0): 1.1, (0, 0, -1): 0.92, (0, 0, 1): 0.92}.get(n, 0.8)
            _world_poly(img, proj, pts, _shade(car.colour, k))
            if n[0] != 0:  # a side: two wheels and a rubbing strip
                side_x = x0 if n[0] < 0 else x1
                for wz in (zs[0] + 0.8, zs[1] - 0.8):
                    a = np.linspace(0, 2 * np.pi, 12, endpoint=False)
                    wheel = np.stack([np.full_like(a, side_x), 0.32 + 0.32 * np.sin(a), wz + 0.32 * np.cos(a)], 1)
                    _world_poly(img, proj, wheel, (22, 22, 24))
                _world_poly(img, proj, [[side_x, 0.55, zs[0] + 0.1], [side_x, 0.55, zs[1] - 0.1],
                                        [side_x, 0.6, zs[1] - 0.1], [side_x, 0.6, zs[0] + 0.1]], (30, 30, 30))
            elif n[2] != 0:  # an end: lights and the plate
                zf = pts[0][2]
                is_rear = (n[2] < 0) == (f > 0)
                light = (200, 30, 30) if is_rear else (236, 236, 210)
                for lx in (x0 + 0.08, x1 - 0.38):
                    _world_poly(img, proj, [[lx, 0.72, zf], [lx + 0.3, 0.72, zf], [lx + 0.3, 0.86, zf],
                                            [lx, 0.86, zf]], light)
                pc = car.x
                plate = np.array([[pc - 0.26, 0.46, zf], [pc + 0.26, 0.46, zf], [pc + 0.26, 0.571, zf],
                                  [pc - 0.26, 0.571, zf]])
                _draw_plate(img, proj, plate, car.plate, is_rear)
    # cabin: narrower and shorter, set back from the bonnet
    c0 = zs[0] + (1.1 if f < 0 else 0.9)
    c1 = zs[1] - (0.9 if f < 0 else 1.1)
    cx0, cx1 = car.x - 0.76, car.x + 0.76
    for pts, n in _box_faces(cx0, cx1, 0.98, 1.42, c0, c1):
        if _facing_camera(proj, pts, n):
            _world_poly(img, proj, pts, _shade(car.colour, 1.05 if n[1] else 0.85))
            if n[1] == 0:
                p = np.asarray(pts, np.float64)
                centre = p.mean(0)
                inset = centre + (p - centre) * np.array([0.86, 0.7, 0.86])  # glass inside the pillars
                _world_poly(img, proj, inset, glass)


# ---- lamp posts ---------------------------------------------------------------------------------------------------
def lamp_points(proj: Projector, lamps: np.ndarray) -> list[tuple[float, np.ndarray, int]]:
    """For every lamp post in view: (depth, pixel points of foot, top and lamp head, pole thickness)."""
    x, z = lamps[:, 0], lamps[:, 1]
    world = np.stack([np.stack([x, np.zeros_like(x), z], 1), np.stack([x, np.full_like(x, 5.6), z], 1),
                      np.stack([x - np.sign(x) * 0.9, np.full_like(x, 5.7), z], 1)], 1)
    cam = proj.to_camera(world)
    keep = np.flatnonzero((cam[..., 2] >= 1.0).all(1))
    if keep.size == 0:
        return []
    px = proj.to_pixels(cam[keep])
    out = []
    for k, i in enumerate(keep):
        depth = float(cam[i, 0, 2])
        out.append((depth, px[k], max(1, int(round(0.13 * proj.scale_at(depth))))))
    return out


def draw_lamp(img, px: np.ndarray, thick: int) -> None:
    p = [tuple(int(v) for v in np.round(q * ONE)) for q in px]
    cv2.line(img, p[0], p[1], (58, 62, 60), thick, cv2.LINE_AA, SHIFT)
    cv2.line(img, p[1], p[2], (58, 62, 60), max(1, thick // 2), cv2.LINE_AA, SHIFT)
    cv2.circle(img, p[2], max(1, thick) * ONE, (232, 230, 200), -1, cv2.LINE_AA, SHIFT)


# ---- people ---------------------------------------------------------------------------------------------------------
def draw_walker(img, proj: Projector, walker: Walker, state) -> None:
    x, z, heading, stride = state
    cam = proj.to_camera(np.array([[x, 0.0, z], [x, 1.0, z]]))
    if (cam[:, 2] < 0.6).any():
        return
    feet, up1 = proj.to_pixels(cam)
    up = up1 - feet
    s = float(np.hypot(*up))  # pixels per metre at this depth
    if s < 2:
        return
    up /= s
    right = np.array([-up[1], up[0]])
    # where the person faces relative to the line of sight: -1 towards the lens, +1 away, 0 side-on
    to_person = np.arctan2(x - proj.origin[0], z - proj.origin[2])
    rel = heading - to_person
    facing, side = float(np.cos(rel)), float(np.sin(rel))
    k = walker.height / 1.75

    def P(u, v):
        return feet + right * (u * s) + up * (v * s)

    def quad(u0, v0, u1, v1, width):
        d = np.array([u1 - u0, v1 - v0])
        n = np.array([-d[1], d[0]]) / max(1e-6, float(np.hypot(*d))) * width / 2
        return np.array([P(u0 + n[0], v0 + n[1]), P(u1 + n[0], v1 + n[1]), P(u1 - n[0], v1 - n[1]),
                         P(u0 - n[0], v0 - n[1])])

    swing = np.sin(stride)
    # a side-on walker's legs and arms swing across the picture; face-on they barely move sideways
    leg_u = 0.32 * swing * side
    body_w = 0.55 + 0.45 * abs(facing)
    hip_v, sh_v = 0.92 * k, 1.43 * k
    # ground shadow
    c = P(0, 0)
    cv2.ellipse(img, (int(c[0] * ONE), int(c[1] * ONE)), (int(0.32 * s * ONE), int(0.06 * s * ONE)), 0, 0, 360,
                (60, 60, 62), -1, cv2.LINE_AA, SHIFT)
    lift = 0.04 * k * (1 - abs(side))
    for sgn in (-1, 1):
        foot_v = max(0.0, lift * sgn * swing)
        _fill(img, quad(0.09 * sgn * body_w, hip_v, 0.09 * sgn * body_w + leg_u * sgn, foot_v, 0.15),
              walker.trousers)
    torso = np.array([P(-0.22 * body_w, sh_v), P(0.22 * body_w, sh_v), P(0.18 * body_w, hip_v - 0.05),
                      P(-0.18 * body_w, hip_v - 0.05)])
    _fill(img, torso, walker.jacket)
    for sgn in (-1, 1):
        arm_u = -0.22 * swing * side * sgn
        _fill(img, quad(0.23 * sgn * body_w, sh_v - 0.03, 0.26 * sgn * body_w + arm_u, 0.86 * k, 0.1),
              _shade(walker.jacket, 0.85))
    _head(img, P, s, up, walker, k, facing, side)


def _head(img, P, s, up, walker: Walker, k: float, facing: float, side: float) -> None:
    angle = float(np.degrees(np.arctan2(-up[0], -up[1]))) * -1.0

    def ell(u, v, au, av, colour):
        c = P(u, v)
        cv2.ellipse(img, (int(round(c[0] * ONE)), int(round(c[1] * ONE))),
                    (max(1, int(au * s * ONE)), max(1, int(av * s * ONE))), angle, 0, 360, colour, -1,
                    cv2.LINE_AA, SHIFT)

    hv = 1.63 * k
    ell(0, 1.50 * k, 0.05, 0.05, walker.skin)  # neck
    if facing > 0.35:  # walking away: the back of the head
        ell(0, hv, 0.1, 0.125, walker.hair)
        return
    du = 0.035 * side if abs(facing) < 0.7 else 0.0
    ell(-du * 0.6, hv + 0.015, 0.102, 0.13, walker.hair)
    ell(du, hv - 0.012, 0.088, 0.115, walker.skin)  # the face
    if s * 0.02 < 0.6:
        return
    eye = 0.012
    if abs(facing) >= 0.7:
        for sgn in (-1, 1):
            ell(0.035 * sgn, hv + 0.01, eye, eye * 0.8, (30, 26, 24))
        ell(0, hv - 0.06, 0.025, 0.006, (150, 80, 80))
    else:
        ell(du + 0.045 * np.sign(side), hv + 0.01, eye, eye * 0.8, (30, 26, 24))
