"""Redaction records: one row per mask track (its keyframes as JSON) and per blackout/audio range.

A track is edited as a whole (the core's MaskTrack is immutable), so one row per track keeps a save atomic and
gives sync one object to merge. Tombstones (deleted_at) let "redaction wins over a concurrent delete" be decided.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import Base, Tracked, UTCDateTime, new_id, utcnow


class MaskTrackRow(Tracked, Base):
    __tablename__ = "mask_tracks"
    __table_args__ = (Index("ix_mask_tracks_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    effect_json: Mapped[str] = mapped_column(Text, nullable=False)
    padding: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    inverse: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(100), nullable=False)
    reason_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    keyframes_json: Mapped[str] = mapped_column(Text, nullable=False)
    keyframe_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RedactionRangeRow(Tracked, Base):
    """kind "blackout" (full-frame) or "audio" (mode mute|bleep); pts inclusive, in the video stream's time base."""

    __tablename__ = "redaction_ranges"
    __table_args__ = (Index("ix_redaction_ranges_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    start_pts: Mapped[int] = mapped_column(Integer, nullable=False)
    end_pts: Mapped[int] = mapped_column(Integer, nullable=False)
    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)


class MaskApprovalRow(Tracked, Base):
    """A second user's approval of a recording's mask set, pinned to the set's hash (the manifest's mask_hash):
    it counts only while the current masks hash to `mask_sha256`, so any later edit voids it without a write."""

    __tablename__ = "mask_approvals"
    __table_args__ = (Index("ix_mask_approvals_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    mask_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    approved_by: Mapped[str] = mapped_column(String(200), nullable=False)  # username, as in the audit trail
    approver_role: Mapped[str] = mapped_column(String(40), nullable=False)
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
