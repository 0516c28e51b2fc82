"""A chest-mounted camera walking down a street: its path over time and a pinhole projection.

World axes: x to the right of the street's direction, y up, z along the street. The camera's motion is
precomputed per frame from a few smooth schedules, so a recording is the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEAR = 0.15  # metres in front of the lens; geometry nearer than this is clipped


@dataclass(frozen=True)
class Pose:
    x: float
    y: float
    z: float
    yaw: float  # radians, positive turns right
    pitch: float  # radians, positive looks up
    roll: float  # radians, positive rolls clockwise on screen


@dataclass(frozen=True)
class Walk:
    """How one officer moves: walking legs, stops and the looks around while stopped."""

    start_z: float
    lane_x: float  # where on the pavement the officer walks
    speed: float  # m/s while walking
    stops: tuple[tuple[float, float], ...]  # (from_s, to_s) standing still
    looks: tuple[tuple[float, float, float], ...]  # (centre_s, half_width_s, yaw_degrees) smooth glances
    seed: int
    direction: int = 1  # +1 walks up the street (towards +z), -1 walks back down it


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _wobble(t: np.ndarray, rng: np.random.Generator, amp: float, freqs: tuple[float, ...]) -> np.ndarray:
    """Hand-held unsteadiness: a few incommensurate sines with random phases."""
    out = np.zeros_like(t)
    for f in freqs:
        out += np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) / len(freqs)
    return amp * out


def poses(walk: Walk, frames: int, fps: float) -> tuple[list[Pose], np.ndarray]:
    """Per-frame poses, and per-frame stride phase in radians (a footstep lands at every multiple of pi)."""
    rng = np.random.default_rng(walk.seed)
    t = np.arange(frames) / fps
    moving = np.ones_like(t)
    for a, b in walk.stops:
        # ease out of the walk over ~0.8 s and back into it
        moving *= 1.0 - _smoothstep((t - a) / 0.8) * (1.0 - _smoothstep((t - b) / 0.8))
    z = walk.start_z + walk.direction * np.concatenate([[0.0], np.cumsum(moving[:-1] * walk.speed / fps)])
    stride_hz = 0.92  # one left + one right step
    phase = 2 * np.pi * np.concatenate([[0.0], np.cumsum(moving[:-1] * stride_hz / fps)])
    bob = 0.028 * moving * np.sin(2 * phase)  # the body rises twice per stride
    sway = 0.035 * moving * np.sin(phase)
    heading = 0.0 if walk.direction > 0 else np.pi
    yaw = heading + _wobble(t, rng, np.radians(1.6), (0.23, 0.41, 0.77)) + np.radians(2.0) * moving * np.sin(phase)
    for centre, half, degrees in walk.looks:
        yaw += np.radians(degrees) * _smoothstep(1.0 - np.abs(t - centre) / half)
    pitch = np.radians(-3.0) + _wobble(t, rng, np.radians(1.0), (0.19, 0.53)) + np.radians(0.8) * moving * np.sin(
        2 * phase + 0.6
    )
    roll = _wobble(t, rng, np.radians(1.2), (0.17, 0.37)) + np.radians(2.2) * moving * np.sin(phase + 0.3)
    x = walk.lane_x + sway
    y = 1.32 + bob
    out = [Pose(float(x[i]), float(y[i]), float(z[i]), float(yaw[i]), float(pitch[i]), float(roll[i])) for i in
           range(frames)]
    return out, phase


class Projector:
    """World -> camera -> pixels for one pose. Focal length gives the wide view body-worn cameras have."""

    def __init__(self, pose: Pose, width: int, height: int, hfov_degrees: float = 100.0):
        self.w, self.h = width, height
        self.f = (width / 2) / np.tan(np.radians(hfov_degrees) / 2)
        self.origin = np.array([pose.x, pose.y, pose.z])
        cy, sy = np.cos(pose.yaw), np.sin(pose.yaw)
        cp, sp = np.cos(pose.pitch), np.sin(pose.pitch)
        yaw_m = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
        pitch_m = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
        self.rot = pitch_m @ yaw_m
        cr, sr = np.cos(pose.roll), np.sin(pose.roll)
        self.roll = np.array([[cr, -sr], [sr, cr]])

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """(..., 3) world points -> (..., 3) camera coordinates, z forward."""
        return (pts - self.origin) @ self.rot.T

    def to_pixels(self, cam: np.ndarray) -> np.ndarray:
        """(..., 3) camera points with z >= NEAR -> (..., 2) pixel coordinates (float)."""
        z = np.maximum(cam[..., 2], 1e-6)
        uv = np.stack([self.f * cam[..., 0] / z, -self.f * cam[..., 1] / z], axis=-1)
        uv = uv @ self.roll.T
        uv[..., 0] += self.w / 2
        uv[..., 1] += self.h / 2
        return uv

    def scale_at(self, depth: float) -> float:
        """Pixels per metre at a given depth."""
        return float(self.f / max(depth, 1e-6))

    def clip_polygon(self, world: np.ndarray) -> np.ndarray | None:
        """Clip a planar world polygon against the near plane; pixel polygon or None when fully behind."""
        cam = self.to_camera(world)
        inside = cam[:, 2] >= NEAR
        if inside.all():
            return self.to_pixels(cam)
        if not inside.any():
            return None
        out = []
        n = len(cam)
        for i in range(n):
            a, b = cam[i], cam[(i + 1) % n]
            ia, ib = inside[i], inside[(i + 1) % n]
            if ia:
                out.append(a)
            if ia != ib:
                s = (NEAR - a[2]) / (b[2] - a[2])
                out.append(a + s * (b - a))
        if len(out) < 3:
            return None
        return self.to_pixels(np.array(out))
