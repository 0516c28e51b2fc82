"""Governance and annotation records: users, bookmarks, clips, evidential marks, legal holds, retention policy,
purge tombstones, and the append-only audit trail.

Everything but the audit table is a Tracked record (UUID key, revision, tombstone), so sync can merge it later.
The audit table is different on purpose: rows are only ever inserted (SQLite triggers made by migration 0003
refuse UPDATE and DELETE), keyed by their position in the hash chain, and their time is stored as the exact
ISO text that was hashed, so re-reading a row reproduces the hashed bytes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import Base, Tracked, UTCDateTime, new_id


class User(Tracked, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)


class BookmarkCategory(Tracked, Base):
    """The configurable list of bookmark categories; a removed category is a tombstone, so old bookmarks keep
    a name that once was valid."""

    __tablename__ = "bookmark_categories"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Bookmark(Tracked, Base):
    """A moment at one exact presented frame, identified by its pts (stream time base), not its index."""

    __tablename__ = "bookmarks"
    __table_args__ = (Index("ix_bookmarks_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    pts: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    # A bookmark made in the multi-camera grid is one row per camera: the rows share group_id, and incident_us is
    # the incident time (microseconds from the incident's origin, as the cameras were placed then) it was made at
    group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    incident_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Clip(Tracked, Base):
    """A named in/out range (both pts inclusive) with a purpose: evidential, training or disclosure."""

    __tablename__ = "clips"
    __table_args__ = (Index("ix_clips_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    in_pts: Mapped[int] = mapped_column(Integer, nullable=False)
    out_pts: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)


class EvidentialMark(Tracked, Base):
    """Marks a recording (clip_id NULL) or one of its clips as evidence. Clearing keeps the row (cleared_*)."""

    __tablename__ = "evidential_marks"
    __table_args__ = (Index("ix_evidential_marks_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    clip_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("clips.id", ondelete="RESTRICT"),
                                                nullable=True)
    reference: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    marked_by: Mapped[str] = mapped_column(String(200), nullable=False)
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    cleared_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clear_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class LegalHold(Tracked, Base):
    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    set_by: Mapped[str] = mapped_column(String(200), nullable=False)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    released_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    release_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class RetentionPolicy(Tracked, Base):
    """category -> days kept. "non_evidential" counts from the recording's start; "evidential" (the fallback for
    any evidential category without its own row) and per-category rows count from the mark to a review date."""

    __tablename__ = "retention_policies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    category: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    days: Mapped[int] = mapped_column(Integer, nullable=False)


class Purge(Tracked, Base):
    """What retention removed and why; outlives the files. files_removed_at stays NULL until the files are gone,
    so a purge interrupted between the database commit and the unlinks is finished by the next run."""

    __tablename__ = "purges"
    __table_args__ = (Index("ix_purges_recording_id", "recording_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(String(36), ForeignKey("recordings.id", ondelete="RESTRICT"),
                                              nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str] = mapped_column(String(500), nullable=False)
    rule: Mapped[str] = mapped_column(String(100), nullable=False)
    expired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    purged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    purged_by: Mapped[str] = mapped_column(String(200), nullable=False)
    files_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    files_removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEvent(Base):
    """One link of the audit hash chain. Append-only: never updated, never deleted (enforced by triggers)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_user", "user"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    at: Mapped[str] = mapped_column(String(32), nullable=False)  # "YYYY-MM-DDTHH:MM:SS.ffffffZ", as hashed
    user: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    workstation: Mapped[str] = mapped_column(String(200), nullable=False)
    # the real OS account behind `user` (which a test library lets REVIEWER_USER set); NULL in events written
    # before migration 0005, which hash without it
    os_account: Mapped[str | None] = mapped_column(String(200), nullable=True)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON object
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class LibrarySetting(Base):
    """Library-wide facts set once and audited, e.g. "test_library" (REVIEWER_USER is honoured only there)."""

    __tablename__ = "library_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    set_by: Mapped[str] = mapped_column(String(200), nullable=False)


class WorkstationKey(Tracked, Base):
    """A workstation's Ed25519 public key; checkpoints and export manifests signed by it verify against it.
    The id is the SHA-256 of the raw public key, so a signature names its key without trusting any label."""

    __tablename__ = "workstation_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workstation: Mapped[str] = mapped_column(String(200), nullable=False)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)  # 32 raw bytes, hex
