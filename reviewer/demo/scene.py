"""Draw the demo street from one camera pose with OpenCV polygons (RGB, uint8).

Static geometry (facades, shopfronts, windows) is projected in one numpy batch per frame; only the few quads
that cross the near plane are clipped one by one. Moving things (cars, people, lamp posts) are depth-sorted
and painted back to front.
"""

from __future__ import annotations

import cv2
import numpy as np

from reviewer.demo.camera import NEAR, Pose, Projector
from reviewer.demo.world import KERB, STREET_END, STREET_HALF, WINDOW_COLOURS, World
from reviewer.demo.figures import draw_car, draw_lamp, draw_walker, fill_polys, lamp_points

SHIFT = 3  # sub-pixel bits for cv2 polygon drawing: edges crawl smoothly instead of jumping whole pixels
ONE = 1 << SHIFT

SKY_TOP = np.array([96, 140, 196], np.float32)
SKY_LOW = np.array([206, 216, 226], np.float32)
ASPHALT = (70, 71, 76)
PAVEMENT = (156, 152, 144)
KERB_STONE = (196, 194, 186)
LINE_WHITE = (226, 226, 218)
END_WALL = (170, 176, 184)


def _shade(colour, k: float) -> tuple[int, int, int]:
    return tuple(int(max(0, min(255, c * k))) for c in colour)


class StaticLayer:
    """Quads that never move, split into layers that are painted in order; inside a layer nothing overlaps."""

    def __init__(self, world: World):
        quads: list[np.ndarray] = []
        colours: list[tuple[int, int, int]] = []
        layers: list[int] = []

        def add(q, colour, layer):
            quads.append(np.asarray(q, np.float64))
            colours.append(colour)
            layers.append(layer)

        # the far end of the street closes the view so the horizon is not an empty plain
        add([[-STREET_HALF, 0, STREET_END], [STREET_HALF, 0, STREET_END], [STREET_HALF, 14, STREET_END],
             [-STREET_HALF, 14, STREET_END]], END_WALL, 0)
        for fc in world.facades:
            # sunlight from the right: facades facing +x (left side) are lit, the others in shade
            k = 1.0 if fc.x < 0 else 0.78
            x = fc.x
            z0, z1, h = fc.z0, fc.z1, fc.height

            def quad(za, zb, ya, yb):
                return [[x, ya, za], [x, ya, zb], [x, yb, zb], [x, yb, za]]

            add(quad(z0, z1, 0, h), _shade(fc.colour, k), 1)
            add(quad(z0, z1, h - 0.45, h), _shade(fc.colour, 0.7 * k), 2)
            add(quad(z0 + 0.3, z1 - 0.3, 3.0, 3.8), _shade(fc.sign, k), 2)
            add(quad(z0 + 0.8, z1 - 2.4, 0.5, 2.8), _shade((44, 52, 60), k), 2)
            add(quad(z1 - 1.9, z1 - 0.8, 0.0, 2.4), _shade((64, 44, 36), k), 2)
        for q, kind in zip(world.windows, world.window_kind):
            k = 1.0 if q[0, 0] < 0 else 0.8
            add(q, _shade(WINDOW_COLOURS[int(kind)], k), 3)
        self.quads = np.stack(quads)
        self.palette = sorted(set(colours))
        self.colour_ids = np.array([self.palette.index(c) for c in colours])
        self.layers = np.array(layers)

    def draw(self, img: np.ndarray, proj: Projector) -> None:
        cam = proj.to_camera(self.quads)
        front = cam[..., 2] >= NEAR
        all_in = front.all(axis=1)
        some_in = front.any(axis=1) & ~all_in
        px = proj.to_pixels(np.where(front[..., None], cam, NEAR))
        h, w = img.shape[:2]
        on_screen = (
            (px[..., 0].max(1) >= 0) & (px[..., 0].min(1) < w) & (px[..., 1].max(1) >= 0) & (px[..., 1].min(1) < h)
        )
        ints = np.round(px * ONE).astype(np.int32)
        for layer in range(4):
            in_layer = self.layers == layer
            whole = in_layer & all_in & on_screen
            ids, polys = self.colour_ids[whole], ints[whole]
            # one cv2 call per colour: hundreds of windows cost no more Python than one
            for cid in np.unique(ids):
                group = list(polys[ids == cid])
                if layer == 3:  # windows get a frame drawn over their edges below
                    cv2.fillPoly(img, group, self.palette[cid], cv2.LINE_8, SHIFT)
                else:
                    fill_polys(img, group, self.palette[cid])
            for i in np.flatnonzero(in_layer & some_in):  # the few quads crossing the near plane
                clipped = proj.clip_polygon(self.quads[i])
                if clipped is not None:
                    fill_polys(img, [np.round(clipped * ONE).astype(np.int32)], self.palette[self.colour_ids[i]])
            if layer == 3 and len(polys):
                cv2.polylines(img, list(polys), True, (210, 206, 196), 1, cv2.LINE_AA, SHIFT)


class Renderer:
    def __init__(self, world: World, width: int, height: int):
        self.world = world
        self.w, self.h = width, height
        rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] ** 0.7
        sky = SKY_TOP[None, :] * (1 - rows) + SKY_LOW[None, :] * rows
        self.sky = np.ascontiguousarray(np.broadcast_to(sky[:, None, :], (height, width, 3)).astype(np.uint8))
        self.static = StaticLayer(world)

    def _ground(self, img: np.ndarray, proj: Projector, pose: Pose) -> None:
        za, zb = pose.z - 60.0, pose.z + 300.0
        for x0, x1, colour in ((-STREET_HALF, -KERB, PAVEMENT), (KERB, STREET_HALF, PAVEMENT),
                               (-KERB, KERB, ASPHALT), (-KERB - 0.16, -KERB, KERB_STONE),
                               (KERB, KERB + 0.16, KERB_STONE)):
            poly = proj.clip_polygon(np.array([[x0, 0, za], [x1, 0, za], [x1, 0, zb], [x0, 0, zb]]))
            if poly is not None:
                fill_polys(img, [np.round(poly * ONE).astype(np.int32)], colour)
        self._markings(img, proj, pose)

    def _markings(self, img: np.ndarray, proj: Projector, pose: Pose) -> None:
        # centre-line dashes and paving joints move past the lens: the strongest cue that the wearer walks
        k0, k1 = int((pose.z - 20) // 9), int((pose.z + 150) // 9) + 1
        z = np.arange(k0, k1) * 9.0
        dashes = np.stack([
            np.stack([np.full_like(z, -0.08), np.zeros_like(z), z], -1),
            np.stack([np.full_like(z, 0.08), np.zeros_like(z), z], -1),
            np.stack([np.full_like(z, 0.08), np.zeros_like(z), z + 4.5], -1),
            np.stack([np.full_like(z, -0.08), np.zeros_like(z), z + 4.5], -1),
        ], 1)
        cam = proj.to_camera(dashes)
        keep = (cam[..., 2] >= NEAR).all(1)
        if keep.any():
            px = np.round(proj.to_pixels(cam[keep]) * ONE).astype(np.int32)
            fill_polys(img, list(px), LINE_WHITE)
        j0, j1 = int((pose.z - 10) // 1.5), int((pose.z + 40) // 1.5) + 1
        zj = np.arange(j0, j1) * 1.5
        segs = []
        for xa, xb in ((-STREET_HALF, -KERB - 0.16), (KERB + 0.16, STREET_HALF)):
            segs.append(np.stack([np.stack([np.full_like(zj, xa), np.zeros_like(zj), zj], -1),
                                  np.stack([np.full_like(zj, xb), np.zeros_like(zj), zj], -1)], 1))
        seg = np.concatenate(segs)
        cam = proj.to_camera(seg)
        keep = (cam[..., 2] >= 1.0).all(1)
        if keep.any():
            px = np.round(proj.to_pixels(cam[keep]) * ONE).astype(np.int32)
            cv2.polylines(img, list(px), False, (128, 124, 118), 1, cv2.LINE_AA, SHIFT)

    def render(self, pose: Pose, t: float) -> np.ndarray:
        """The picture at incident time `t` (seconds) seen from `pose`."""
        proj = Projector(pose, self.w, self.h)
        img = self.sky.copy()
        self._ground(img, proj, pose)
        self.static.draw(img, proj)
        items = []
        for car in self.world.cars:
            items.append((proj.to_camera(np.array([car.x, 0.6, car.z + 2.1 * car.facing]))[2], "car", car))
        for depth, px, thick in lamp_points(proj, self.world.lamps):
            items.append((depth, "lamp", (px, thick)))
        for walker in self.world.walkers:
            state = walker.state(t)
            if state is not None:
                items.append((proj.to_camera(np.array([state[0], 0.9, state[1]]))[2], "walker", (walker, state)))
        for depth, kind, obj in sorted(items, key=lambda it: -it[0]):
            if depth < NEAR or depth > 180:
                continue
            if kind == "car":
                draw_car(img, proj, obj)
            elif kind == "lamp":
                draw_lamp(img, *obj)
            else:
                draw_walker(img, proj, *obj)
        return img
