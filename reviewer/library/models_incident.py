"""The incident clock (issue 13 s.1; ADR 0019): where each recording sits on its incident's one clock.

A recording's media time 0 is placed at its camera start (sidecar or container) plus `offset_us`; its media clock
runs `drift_ppm` parts per million fast against the incident clock. A recording with no row keeps its camera
clock (offset 0, no drift). Keyed by the recording's SHA-256, the one id every copy shares; the fields merge last
writer wins by HLC stamp like other metadata (reviewer/incident/offset_ops.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import Base, UTCDateTime, utcnow


class ClockOffsetRow(Base):
    __tablename__ = "clock_offsets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset_us: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)  # microseconds: exact on every copy
    drift_ppm: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # how the placement was reached: "clock" (cleared: the camera's own), "manual" (set or nudged), "audio"
    # (an accepted alignment proposal)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="clock")
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


