"""Redaction records: one row per mask track (its properties), one per keyframe (track, pts), one per
blackout/audio range, and the edit tags that decide whether each is live.

Keyframes have their own rows so two workstations editing different keyframes of one track both keep their
edits (ADR 0015; the merge rules are in reviewer/redact/mask_ops.py). `deleted_at` of a track or range and `live`
of a keyframe are derived from MaskTagRow: an element is live while some edit of it was not seen by any deletion
(redaction wins over a concurrent delete).
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
    # the HLC stamp of the operation that created it: the same on every copy, so tracks list (and the mask set
    # hashes) in the same order everywhere
    stamp: Mapped[str] = mapped_column(String(300), nullable=False)
    # issue 14: "" drawn, or a detector's proposal: proposed | accepted | rejected (only "" and accepted redact);
    # proposal_json is the detector's record (name, version, settings, per-sample confidences, how it ended)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    proposal_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class MaskKeyframeRow(Base):
    """One keyframe of a track. Its value (points, hidden) is the last writer's by HLC stamp (field_stamps);
    `live` is false while every edit of it was seen by a deletion."""

    __tablename__ = "mask_keyframes"

    track_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pts: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    points_json: Mapped[str] = mapped_column(Text, nullable=False)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    live: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class MaskTagRow(Base):
    """An edit (by op_id) of a mask element ("mask_track" id, "mask_keyframe" "track:pts", "redaction_range" id),
    and whether a deletion saw it (`removed_by`: that deletion). Rows come from edits and from deletions' `seen`
    lists alike, in whatever order they arrive, so liveness does not depend on arrival order."""

    __tablename__ = "mask_tags"

    entity_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    edit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    removed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


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
    # the approval operation's HLC stamp (None: approved before operations existed); the latest approval is the
    # one with the latest stamp, the same on every copy
    stamp: Mapped[str | None] = mapped_column(String(300), nullable=True)
