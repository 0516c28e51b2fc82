"""A decoded picture as YUV 4:2:0 planes in one buffer: what effects work on, for preview and export alike.

Working on the planes directly avoids a YUV->RGB->YUV round trip in the export (measured in DESIGN §6: 0.96x
of the ffmpeg CLI on planes, 0.65x via BGR).
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np


@dataclass(eq=False)
class Planes:
    y: np.ndarray  # (H, W) uint8
    u: np.ndarray  # (H/2, W/2)
    v: np.ndarray
    width: int
    height: int
    # set when y/u/v are views into this decoded frame's own buffers (see wrap)
    frame: av.VideoFrame | None = None
    # set when y/u/v are views into one packed yuv420p buffer (from_frame / from_buffer)
    packed: np.ndarray | None = None

    @classmethod
    def from_frame(cls, frame: av.VideoFrame) -> "Planes":
        """A private copy: the frame (which may sit in a reader's cache) is left untouched."""
        _check_even(frame)
        fmt = frame.format.name
        buf = np.ascontiguousarray(frame.to_ndarray(format="yuv420p") if fmt != "yuv420p" else frame.to_ndarray())
        return cls.from_buffer(buf, frame.width, frame.height)

    @classmethod
    def from_buffer(cls, buf: np.ndarray, width: int, height: int) -> "Planes":
        flat = buf.reshape(-1)
        n, c = width * height, (width // 2) * (height // 2)
        return cls(flat[:n].reshape(height, width), flat[n:n + c].reshape(height // 2, width // 2),
                   flat[n + c:n + 2 * c].reshape(height // 2, width // 2), width, height,
                   packed=flat[:n + 2 * c].reshape(height * 3 // 2, width))

    @classmethod
    def wrap(cls, frame: av.VideoFrame) -> "Planes":
        """Views into `frame`'s own buffers, so redaction writes straight into the picture that is then encoded:
        no copy out and back. make_writable() copies (in C) only if the decoder still holds the buffer as a
        reference picture. Only for frames nobody else will read (the export's reader keeps no cache)."""
        _check_even(frame)
        if frame.format.name != "yuv420p":
            return cls.from_frame(frame)
        frame.make_writable()
        views = []
        for plane, (w, h) in zip(frame.planes, ((frame.width, frame.height),
                                                (frame.width // 2, frame.height // 2),
                                                (frame.width // 2, frame.height // 2))):
            views.append(np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:h, :w])
        return cls(*views, frame.width, frame.height, frame=frame)

    def copy(self) -> "Planes":
        buf = np.concatenate([self.y.reshape(-1), self.u.reshape(-1), self.v.reshape(-1)])
        return Planes.from_buffer(buf, self.width, self.height)

    def to_frame(self) -> av.VideoFrame:
        if self.frame is not None:
            return self.frame
        if self.packed is not None:
            return av.VideoFrame.from_ndarray(self.packed, format="yuv420p")
        buf = np.concatenate([self.y.reshape(-1), self.u.reshape(-1), self.v.reshape(-1)])
        return av.VideoFrame.from_ndarray(buf.reshape(self.height * 3 // 2, self.width), format="yuv420p")

    def to_rgb(self) -> np.ndarray:
        """Same conversion the reader uses for unredacted frames (swscale defaults), so pixels compare 1:1."""
        return self.to_frame().to_ndarray(format="rgb24")


def _check_even(frame: av.VideoFrame) -> None:
    if frame.width % 2 or frame.height % 2:
        raise ValueError(f"odd picture size {frame.width}x{frame.height} is not supported for redaction")


def rgb_to_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """BT.601 limited range, matching swscale's default for yuv420p <-> rgb24."""
    r, g, b = (c / 255.0 for c in rgb)
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return tuple(int(round(min(255, max(0, c)))) for c in (y, u, v))  # type: ignore[return-value]
