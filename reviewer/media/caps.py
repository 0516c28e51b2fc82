"""The largest picture we agree to decode (docs/input-limits.md).

A crafted or mislabelled file can declare a picture so large that decoding one frame, and converting it to RGB
for display, takes gigabytes (a 16000x16000 MJPEG: over 2 GB). Such files are refused by name before any frame
is decoded: when probed or imported, and when a recording is opened (it may predate these limits). FFmpeg's
own max_pixels option backs this up inside the decoder, for frames bigger than their stream header says.
"""

from __future__ import annotations

from pathlib import Path

import av

from reviewer.errors import MediaError

MAX_WIDTH = 8192
MAX_HEIGHT = 8192
MAX_PIXELS = MAX_WIDTH * MAX_HEIGHT
# One decoded picture in its own pixel format plus its RGB copy for display: 8192x8192 8-bit 4:2:0 needs
# 288 MiB and fits; the same size in 16-bit 4:4:4 (576 MiB) does not.
FRAME_BUDGET_BYTES = 512 * 1024 * 1024
_UNKNOWN_FORMAT_BITS = 48  # a format PyAV cannot describe: assume the widest common one (16-bit 4:4:4)


def decoded_bytes(width: int, height: int, pix_fmt: str | None) -> int:
    """Bytes one decoded frame and its RGB conversion take."""
    try:
        bits = av.VideoFormat(pix_fmt, 16, 16).padded_bits_per_pixel if pix_fmt else _UNKNOWN_FORMAT_BITS
    except (ValueError, TypeError):
        bits = _UNKNOWN_FORMAT_BITS
    return width * height * (bits or _UNKNOWN_FORMAT_BITS) // 8 + width * height * 3


def check_picture(path: str | Path, width: int, height: int, pix_fmt: str | None) -> None:
    """MediaError naming `path` when frames of this size and format are beyond what we decode."""
    if width > MAX_WIDTH or height > MAX_HEIGHT:
        raise MediaError(path, f"picture size {width}x{height} is beyond the supported maximum of "
                               f"{MAX_WIDTH}x{MAX_HEIGHT}; the file is refused before decoding")
    need = decoded_bytes(width, height, pix_fmt)
    if need > FRAME_BUDGET_BYTES:
        raise MediaError(path, f"one {width}x{height} {pix_fmt or 'unknown-format'} frame would need "
                               f"{need // 2**20} MiB to decode and show, over the {FRAME_BUDGET_BYTES // 2**20} MiB "
                               "budget; the file is refused before decoding")


def limit_decoders(container) -> None:
    """Make FFmpeg refuse, inside the decoder, any frame above MAX_PIXELS (it checks every frame's size)."""
    for stream in container.streams.video:
        cc = stream.codec_context
        cc.options = {**dict(cc.options or {}), "max_pixels": str(MAX_PIXELS)}
