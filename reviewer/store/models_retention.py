"""Retention, notifications and probing at the store (ADR 0014): per-recording marks (evidential, legal hold,
category), tombstones of purged recordings (restorable until their blob is destroyed), the events table that
server-sent events poll (so several server processes share one stream), and each recording's probe result."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import UTCDateTime, utcnow
from reviewer.store.models import StoreBase


class RetentionMark(StoreBase):
    """What keeps a recording longer than the default: set by supervisors, audited. Keyed by the blob, so a
    purged-then-restored recording keeps its marks."""

    __tablename__ = "retention_marks"
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    evidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    legal_hold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    category_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_by: Mapped[str] = mapped_column(String(255), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Tombstone(StoreBase):
    """A recording the retention job purged: its metadata, kept so a supervisor can restore it until
    `restore_until`; then its blob is destroyed (state "destroyed") and this row stays as the record."""

    __tablename__ = "tombstones"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    camera: Mapped[str] = mapped_column(String(255), nullable=False)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    purged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    restore_until: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)  # purged | destroyed
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_tombstones_state_restore_until", "state", "restore_until"),)


class StoreEvent(StoreBase):
    """One notification for connected workstations. `id` is the SSE event id (the resume cursor); ids are handed
    out under a lock held to commit, so a reader never sees id N+1 before N."""

    __tablename__ = "store_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    incident_id: Mapped[str] = mapped_column(String(36), nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)  # JSON


class ProbeResult(StoreBase):
    """The core probe of a registered recording (state pending, ok, failed) and its thumbnail (PNG)."""

    __tablename__ = "probe_results"
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    frame_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    codec: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    media: Mapped[str | None] = mapped_column(Text, nullable=True)  # the core probe's MediaInfo, JSON
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
