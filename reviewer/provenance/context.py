"""The c2pa settings every read and write here uses.

Measured (ADR 0021): signing a 397 MB MP4 through streams peaked at 802 MB resident with c2pa's default 512 MB
in-memory backing store; spilling to a temp file above 64 MB brought it to 419 MB, and a 1.19 GB export to 485 MB
(c2pa-rs reads in chunks of up to 256 MB, which bounds the rest).
"""

from __future__ import annotations

from reviewer.errors import ReviewerError

BACKING_STORE_MB = 64


class C2paUnavailable(ReviewerError):
    """c2pa-python or its native library cannot be loaded: nothing is signed or checked."""


def load_c2pa():
    """The c2pa module. Its native library (c2pa/libs/libc2pa_c.so) is loaded on import; a build or bundle
    without it must fail closed with one line, not a trace."""
    try:
        import c2pa
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError from ctypes, RuntimeError from its loader
        raise C2paUnavailable(f"Content Credentials are not available: the c2pa library cannot be loaded ({exc})")\
            from None
    return c2pa


def context(anchors_pem: str | None = None):
    """A c2pa.Context: trust `anchors_pem` (PEM CA certificates) when given; nothing is trusted otherwise."""
    c2pa = load_c2pa()

    # no thumbnail: a still's credential would carry a second, smaller copy of the picture it is in, at 140 ms a
    # still (a 1080p PNG signed in 154 ms with it, 14 ms without); videos get none anyway
    settings: dict = {"core": {"backing_store_memory_threshold_in_mb": BACKING_STORE_MB},
                      "builder": {"thumbnail": {"enabled": False}}}
    if anchors_pem:
        settings["trust"] = {"trust_anchors": anchors_pem}
    return c2pa.Context.from_dict(settings)
