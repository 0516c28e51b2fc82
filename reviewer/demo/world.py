"""The street the demo officers walk down: buildings, windows, parked cars, lamp posts and passers-by.

Built once from a seed, then rendered from any camera pose. Every recording of the demo incident shares this
world and its clock, so two officers' footage shows the same car, plate and people at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREET_HALF = 8.0  # facades stand at x = +-8 m
KERB = 4.0  # road is x in [-4, 4]
STREET_END = 260.0

FACADE_COLOURS = [
    (148, 84, 62), (176, 150, 118), (120, 72, 58), (196, 186, 164), (104, 98, 92), (160, 110, 80),
    (182, 170, 140), (132, 120, 108), (90, 70, 64), (200, 196, 184),
]
SIGN_COLOURS = [(28, 60, 120), (150, 30, 36), (24, 96, 60), (40, 40, 44), (190, 140, 30)]
WINDOW_COLOURS = [(52, 62, 74), (96, 118, 140), (70, 80, 90), (210, 196, 150)]


@dataclass(frozen=True)
class Facade:
    x: float
    z0: float
    z1: float
    height: float
    colour: tuple[int, int, int]
    sign: tuple[int, int, int]


@dataclass(frozen=True)
class Car:
    x: float  # centre line
    z: float  # rear bumper when facing +z, front bumper when facing -z
    facing: int  # +1: rear towards the start of the street
    colour: tuple[int, int, int]
    plate: str


@dataclass(frozen=True)
class Walker:
    """A pedestrian following straight legs between waypoints (t_seconds, x, z) on the incident clock."""

    legs: tuple[tuple[float, float, float], ...]
    jacket: tuple[int, int, int]
    trousers: tuple[int, int, int]
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    height: float

    def state(self, t: float) -> tuple[float, float, float, float] | None:
        """(x, z, heading_radians, stride_phase) at time t, or None before the first/after the last waypoint."""
        pts = self.legs
        if t < pts[0][0] or t > pts[-1][0]:
            return None
        for (ta, xa, za), (tb, xb, zb) in zip(pts, pts[1:]):
            if ta <= t <= tb:
                s = 0.0 if tb == ta else (t - ta) / (tb - ta)
                x, z = xa + s * (xb - xa), za + s * (zb - za)
                dx, dz = xb - xa, zb - za
                speed = float(np.hypot(dx, dz)) / max(tb - ta, 1e-6)
                heading = float(np.arctan2(dx, dz)) if speed > 0.05 else 0.0
                # distance walked so far sets the legs, so a standing walker does not march on the spot
                walked = self._distance_until(t)
                return x, z, heading, walked / 0.75 * np.pi
        return None

    def _distance_until(self, t: float) -> float:
        d = 0.0
        for (ta, xa, za), (tb, xb, zb) in zip(self.legs, self.legs[1:]):
            if t <= ta:
                break
            s = min(1.0, (t - ta) / max(tb - ta, 1e-6))
            d += s * float(np.hypot(xb - xa, zb - za))
        return d


@dataclass(frozen=True)
class World:
    facades: tuple[Facade, ...]
    windows: np.ndarray  # (N, 4, 3) world corners
    window_kind: np.ndarray  # (N,) index into WINDOW_COLOURS
    window_z: np.ndarray  # (N,) for culling by distance
    cars: tuple[Car, ...]
    lamps: np.ndarray  # (M, 2) x, z
    walkers: tuple[Walker, ...]


def _facades_and_windows(rng: np.random.Generator):
    facades: list[Facade] = []
    wins: list[np.ndarray] = []
    kinds: list[int] = []
    for side in (-1, 1):
        x = side * STREET_HALF
        z = -30.0
        while z < STREET_END:
            width = float(rng.uniform(7, 16))
            height = float(rng.choice([7.5, 10.5, 10.5, 13.5, 16.5]))
            colour = FACADE_COLOURS[int(rng.integers(len(FACADE_COLOURS)))]
            sign = SIGN_COLOURS[int(rng.integers(len(SIGN_COLOURS)))]
            facades.append(Facade(x, z, z + width, height, colour, sign))
            floors = int((height - 4.5) // 3) + 1
            cols = max(1, int((width - 1.0) // 2.6))
            margin = (width - cols * 2.6) / 2
            for f in range(floors):
                y0 = 4.6 + 3.0 * f
                for c in range(cols):
                    za = z + margin + 2.6 * c + 0.7
                    zb = za + 1.2
                    wins.append(np.array([[x, y0, za], [x, y0, zb], [x, y0 + 1.6, zb], [x, y0 + 1.6, za]]))
                    kinds.append(int(rng.choice(4, p=[0.45, 0.3, 0.17, 0.08])))
            z += width
    return facades, np.array(wins), np.array(kinds)


def build_world(seed: int = 2026) -> World:
    rng = np.random.default_rng(seed)
    facades, windows, kinds = _facades_and_windows(rng)
    cars = (
        Car(-2.95, 34.0, +1, (36, 52, 96), "LK19 TXV"),
        Car(2.95, 61.0, -1, (180, 180, 186), "GN68 WKO"),
        Car(-2.95, 92.0, +1, (120, 24, 28), "YR17 BHD"),
        Car(2.95, 128.0, -1, (30, 30, 34), "MA21 ZPU"),
    )
    lamps = np.array([[side * 4.45, z] for z in np.arange(6.0, STREET_END, 24.0) for side in (-1, 1)])
    walkers = (
        # crosses the road ahead of the first officer, then walks back along the pavement past him
        Walker(((3.0, 9.0, 41.0), (15.0, -7.0, 41.0), (16.5, -7.1, 40.0), (40.0, -7.1, 14.0)),
               (58, 64, 44), (40, 40, 52), (224, 180, 150), (60, 40, 30), 1.78),
        # walks away up the far pavement, back to the camera
        Walker(((0.0, 6.6, 22.0), (80.0, 6.6, 94.0)), (150, 40, 40), (30, 32, 40), (140, 96, 70), (20, 16, 14),
               1.70),
        # comes down the far pavement towards the second officer, face on
        Walker(((30.0, 6.2, 120.0), (80.0, 6.4, 62.0), (110.0, 6.4, 30.0)), (210, 200, 60), (50, 60, 90),
               (200, 150, 120), (110, 80, 40), 1.66),
    )
    return World(tuple(facades), windows, kinds, windows[:, 0, 2], cars, lamps, walkers)
