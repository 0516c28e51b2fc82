"""The c2pa settings every read and write here uses.

Measured (ADR 0019): signing a 397 MB MP4 through streams peaked at 802 MB resident with c2pa's default 512 MB
in-memory backing store; spilling to a temp file above 64 MB brought it to 419 MB, and a 1.19 GB export to 485 MB
(c2pa-rs reads in chunks of up to 256 MB, which bounds the rest).
"""

from __future__ import annotations

BACKING_STORE_MB = 64


def context(anchors_pem: str | None = None):
    """A c2pa.Context: trust `anchors_pem` (PEM CA certificates) when given; nothing is trusted otherwise."""
    import c2pa

    settings: dict = {"core": {"backing_store_memory_threshold_in_mb": BACKING_STORE_MB}}
    if anchors_pem:
        settings["trust"] = {"trust_anchors": anchors_pem}
    return c2pa.Context.from_dict(settings)
